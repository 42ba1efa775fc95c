// Validates a value against a JSON Schema with one shared ajv instance, fills defaults, and turns ajv's
// errors into readable ConfigIssues that carry the YAML position of the offending node.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { JsonSchema } from '../plugin/stage-plugin.js';
import { formatConfigPath, sortConfigIssues, type ConfigIssue, type ConfigPath, type SourceLocator } from './config-error.js';
import { suggest } from '../util/suggest.js';
import { applyDeprecations } from './deprecations.js';

export interface ValidateOptions {
  /** The YAML file, for issue messages. */
  file: string;
  /** Where positions come from; without it issues have no line/column. */
  source?: SourceLocator;
  /** Where `value` sits in the document, e.g. ["stages", 1, "with"]. */
  basePath?: ConfigPath;
}

export interface ValidateResult<T = unknown> {
  /** A deep copy of the input with the schema's defaults filled in (and deprecated spellings rewritten). */
  value: T;
  issues: ConfigIssue[];
  /** Deprecated keys or values that were accepted under their new name, with their position. */
  warnings: ConfigIssue[];
}

let sharedAjv: Ajv | undefined;

/** The one ajv instance used for the experiment schema and every plugin schema. */
export function getAjv(): Ajv {
  sharedAjv ??= new Ajv({
    allErrors: true,
    useDefaults: true,
    strict: false,
    verbose: true,
    // Unknown formats are ignored (no ajv-formats here); keep them from warning on every compile.
    logger: { log: () => {}, warn: () => {}, error: (...args: unknown[]) => console.error(...args) },
  });
  return sharedAjv;
}

const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) and returns the validator. Throws on an invalid schema. */
export function compileSchema(schema: JsonSchema): ValidateFunction {
  const cached = compiled.get(schema);
  if (cached) return cached;
  const ajv = getAjv();
  let fn: ValidateFunction | undefined;
  const id = typeof schema.$id === 'string' ? schema.$id : undefined;
  if (id) fn = ajv.getSchema(id);
  if (!fn) {
    let toCompile = schema;
    // A meta-schema this ajv does not know (e.g. 2019-09): validate with draft-07 semantics instead of failing.
    if (typeof schema.$schema === 'string' && !ajv.getSchema(schema.$schema)) {
      const { $schema: _ignored, ...rest } = schema;
      toCompile = rest;
    }
    try {
      fn = ajv.compile(toCompile);
    } catch (err) {
      throw new Error(`invalid JSON Schema: ${(err as Error).message}`, { cause: err });
    }
  }
  compiled.set(schema, fn);
  return fn;
}

export function validateWithSchema<T = unknown>(schema: JsonSchema, value: unknown, options: ValidateOptions): ValidateResult<T> {
  const validate = compileSchema(schema);
  const copy = value === undefined ? undefined : structuredClone(value);
  const basePath = options.basePath ?? [];
  const warnings = applyDeprecations(schema, copy).map((d): ConfigIssue => {
    const fullPath = [...basePath, ...d.path];
    const warning: ConfigIssue = { file: options.file, path: formatConfigPath(fullPath), message: d.message };
    if (options.source) Object.assign(warning, options.source.locate(fullPath, { preferKey: true }));
    return warning;
  });
  validate(copy);
  const errors = simplifyErrors(validate.errors ? [...validate.errors] : []);
  const seen = new Set<string>();
  const issues: ConfigIssue[] = [];
  for (const err of errors) {
    const described = describeError(err, copy);
    const fullPath = [...basePath, ...described.path];
    const pathText = formatConfigPath(fullPath);
    const key = `${pathText}\u0000${described.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const issue: ConfigIssue = { file: options.file, path: pathText, message: described.message };
    if (options.source) {
      const pos = options.source.locate(fullPath, { preferKey: described.preferKey });
      issue.line = pos.line;
      issue.column = pos.column;
    }
    issues.push(issue);
  }
  return { value: copy as T, issues: sortConfigIssues(issues), warnings };
}

// ---------------------------------------------------------------------------------------------------
// Error simplification

interface MergedError extends ErrorObject {
  keyword: 'x-alternatives';
  params: { types: string[]; values: unknown[] };
}

const UMBRELLAS = new Set(['anyOf', 'oneOf']);
const SHALLOW = new Set(['type', 'enum', 'const', 'x-alternatives']);

function isUmbrella(err: ErrorObject): boolean {
  if (err.keyword === 'oneOf') return !(err.params as { passingSchemas?: unknown }).passingSchemas;
  return UMBRELLAS.has(err.keyword);
}

function depth(pointer: string): number {
  return pointer ? pointer.split('/').length - 1 : 0;
}

function isAtOrBelow(pointer: string, base: string): boolean {
  return pointer === base || pointer.startsWith(`${base}/`);
}

/**
 * Replaces ajv's anyOf/oneOf umbrellas by something precise: when the value has the right shape for
 * one alternative, that alternative's errors alone; when it matches none by type or value, one merged
 * "expected string or integer" / "must be one of" error. Then drops umbrellas ("must match a schema in
 * anyOf", "must match then schema", "property name is invalid") that have a more precise error below them.
 */
export function simplifyErrors(errors: ErrorObject[]): ErrorObject[] {
  let active = [...errors];
  const umbrellas = active.filter(isUmbrella).sort((a, b) => b.schemaPath.length - a.schemaPath.length);
  for (const umbrella of umbrellas) {
    if (!active.includes(umbrella)) continue;
    const prefix = `${umbrella.schemaPath}/`;
    const children = active.filter((e) => e !== umbrella && e.schemaPath.startsWith(prefix));
    if (!children.length) continue;
    const branches = new Map<string, ErrorObject[]>();
    for (const child of children) {
      const branch = child.schemaPath.slice(prefix.length).split('/')[0] ?? '';
      branches.set(branch, [...(branches.get(branch) ?? []), child]);
    }
    const shallow = (e: ErrorObject): boolean => e.instancePath === umbrella.instancePath && SHALLOW.has(e.keyword);
    const deep = [...branches.values()].filter((errs) => errs.some((e) => !shallow(e)));
    if (deep.length) {
      const score = (errs: ErrorObject[]): number => Math.max(...errs.map((e) => depth(e.instancePath)));
      const best = deep.reduce((a, b) => (score(b) > score(a) || (score(b) === score(a) && b.length < a.length) ? b : a));
      active = active.filter((e) => e !== umbrella && (!children.includes(e) || best.includes(e)));
    } else {
      const types: string[] = [];
      const values: unknown[] = [];
      for (const errs of branches.values()) {
        const valued = errs.filter((e) => e.keyword !== 'type');
        if (valued.length) {
          for (const e of valued) {
            if (e.keyword === 'enum') values.push(...((e.params as { allowedValues: unknown[] }).allowedValues ?? []));
            else if (e.keyword === 'const') values.push((e.params as { allowedValue: unknown }).allowedValue);
            else if (e.keyword === 'x-alternatives') {
              const p = (e as MergedError).params;
              types.push(...p.types);
              values.push(...p.values);
            }
          }
        } else {
          for (const e of errs) types.push(...String((e.params as { type: string }).type).split(','));
        }
      }
      const merged: MergedError = {
        keyword: 'x-alternatives',
        instancePath: umbrella.instancePath,
        schemaPath: umbrella.schemaPath,
        params: { types: unique(types), values: uniqueValues(values) },
        data: umbrella.data,
      };
      const at = active.indexOf(umbrella);
      active = active.map((e, i) => (i === at ? merged : e)).filter((e) => !children.includes(e));
    }
  }
  // Umbrellas (and if/then, propertyNames wrappers) that still have a more precise error at or below them.
  return active.filter((err) => {
    if (!(isUmbrella(err) || err.keyword === 'if' || err.keyword === 'propertyNames')) return true;
    return !active.some((other) => other !== err && other.keyword !== err.keyword && isAtOrBelow(other.instancePath, err.instancePath));
  });
}

// ---------------------------------------------------------------------------------------------------
// Messages

interface DescribedError {
  /** Path relative to the validated value. */
  path: (string | number)[];
  message: string;
  preferKey: boolean;
}

function pointerToPath(pointer: string, root: unknown): (string | number)[] {
  if (!pointer) return [];
  const out: (string | number)[] = [];
  let node: unknown = root;
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^\d+$/.test(segment)) {
      out.push(Number(segment));
      node = node[Number(segment)];
    } else {
      out.push(segment);
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
    }
  }
  return out;
}

export function describeError(err: ErrorObject, root: unknown): DescribedError {
  const path = pointerToPath(err.instancePath, root);
  const p = err.params as Record<string, unknown>;
  const data: unknown = err.data;
  const parentSchema = (err.parentSchema ?? {}) as Record<string, unknown>;
  const at = (message: string, extra: Partial<DescribedError> = {}): DescribedError => ({ path, message, preferKey: false, ...extra });

  if (err.propertyName !== undefined && err.keyword !== 'propertyNames') {
    return {
      path: [...path, err.propertyName],
      message: `invalid field name "${err.propertyName}": ${err.message ?? 'not allowed'}`,
      preferKey: true,
    };
  }

  switch (err.keyword) {
    case 'type':
      return at(`expected ${joinOr(String(p.type).split(','))}, got ${describeValue(data)}`);
    case 'enum': {
      const allowed = (p.allowedValues as unknown[]) ?? [];
      return at(withSuggestion(`must be one of: ${allowed.map(formatAllowed).join(', ')}`, data, allowed));
    }
    case 'const':
      return at(`must be ${formatAllowed(p.allowedValue)}, got ${describeValue(data)}`);
    case 'x-alternatives': {
      const { types, values } = (err as MergedError).params;
      if (!values.length) return at(`expected ${joinOr(types)}, got ${describeValue(data)}`);
      let message = `must be one of: ${values.map(formatAllowed).join(', ')}`;
      if (types.length) message += `, or ${article(joinOr(types))}`;
      return at(withSuggestion(message, data, values));
    }
    case 'required': {
      const missing = String(p.missingProperty);
      return at(`missing required field "${missing}"`, { preferKey: true });
    }
    case 'dependencies':
    case 'dependentRequired':
      return at(`missing field "${String(p.missingProperty)}" (required when "${String(p.property)}" is set)`, { preferKey: true });
    case 'additionalProperties': {
      const name = String(p.additionalProperty);
      const props = parentSchema.properties && typeof parentSchema.properties === 'object' ? Object.keys(parentSchema.properties) : [];
      const present = data !== null && typeof data === 'object' ? Object.keys(data) : [];
      const candidates = props.filter((k) => !present.includes(k));
      const suggestion = suggest(name, candidates.length ? candidates : props);
      // Always list what is allowed: for registries (reducers, clusterers) these are the registered names.
      let message = `unknown field "${name}"`;
      if (suggestion !== undefined) message += `; did you mean "${suggestion}"?`;
      message += props.length ? `${suggestion !== undefined ? ' A' : '; a'}llowed fields: ${props.join(', ')}` : '; no fields are allowed here';
      return { path: [...path, name], message, preferKey: true };
    }
    case 'false schema':
      return at('this field is not allowed here', { preferKey: true });
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(`must be ${String(p.comparison)} ${String(p.limit)}, got ${describeValue(data)}`);
    case 'multipleOf':
      return at(`must be a multiple of ${String(p.multipleOf)}, got ${describeValue(data)}`);
    case 'minLength':
      return at(Number(p.limit) === 1 ? 'must not be empty' : `must be at least ${plural(Number(p.limit), 'character')} long, got ${describeValue(data)}`);
    case 'maxLength':
      return at(`must be at most ${plural(Number(p.limit), 'character')} long, got ${describeValue(data)}`);
    case 'pattern':
      return at(`must match the pattern ${String(p.pattern)}, got ${describeValue(data)}`);
    case 'format':
      return at(`must be a valid ${String(p.format)}, got ${describeValue(data)}`);
    case 'minItems':
      return at(`must have at least ${plural(Number(p.limit), 'item')}, got ${Array.isArray(data) ? data.length : describeValue(data)}`);
    case 'maxItems':
      return at(`must have at most ${plural(Number(p.limit), 'item')}, got ${Array.isArray(data) ? data.length : describeValue(data)}`);
    case 'minProperties':
      return at(`must have at least ${plural(Number(p.limit), 'entry', 'entries')}, got ${countEntries(data)}`);
    case 'maxProperties':
      return at(`must have at most ${plural(Number(p.limit), 'entry', 'entries')}, got ${countEntries(data)}`);
    case 'uniqueItems':
      return at(`must not contain duplicates (items ${String(p.j)} and ${String(p.i)} are equal)`);
    case 'contains':
      return at('must contain at least one matching item');
    case 'not':
      return at('this value is not allowed here');
    case 'oneOf':
      return at('matches more than one of the allowed forms; make it unambiguous');
    case 'anyOf':
      return at(`does not match any of the allowed forms (got ${describeValue(data)})`);
    default:
      return at(err.message ?? `failed "${err.keyword}" check`);
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers

/** `string "abc"`, `number 1.5`, `boolean true`, `null`, `array`, `object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `array (${plural(value.length, 'item')})`;
  switch (typeof value) {
    case 'string': {
      const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      return `string ${JSON.stringify(shown)}`;
    }
    case 'number':
      return `number ${value}`;
    case 'boolean':
      return `boolean ${value}`;
    case 'object':
      return 'object';
    default:
      return typeof value;
  }
}

function formatAllowed(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function joinOr(items: string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function article(text: string): string {
  return /^[aeiou]/i.test(text) ? `an ${text}` : `a ${text}`;
}

function plural(n: number, word: string, pluralWord = `${word}s`): string {
  return `${n} ${n === 1 ? word : pluralWord}`;
}

function countEntries(data: unknown): string {
  return data !== null && typeof data === 'object' ? String(Object.keys(data).length) : describeValue(data);
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function uniqueValues(items: unknown[]): unknown[] {
  const seen = new Set<string>();
  return items.filter((v) => {
    const k = JSON.stringify(v);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Appends what was given, and a did-you-mean when it is a near miss of an allowed value. */
function withSuggestion(message: string, given: unknown, allowed: unknown[]): string {
  if (typeof given !== 'string') return `${message}; got ${describeValue(given)}`;
  const suggestion = suggest(
    given,
    allowed.filter((v): v is string => typeof v === 'string'),
  );
  return suggestion !== undefined ? `${message}; got "${given}", did you mean "${suggestion}"?` : `${message}; got "${given}"`;
}

