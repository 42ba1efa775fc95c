// Renamed YAML keys and values keep working: a schema marks an old property `x-renamedTo: <new>`
// (its value moves to the new key) or a property's old enum values `x-deprecatedValues: {old: new}`.
// The rewrite runs before validation and returns one warning per use, naming the new spelling, so
// existing experiment files run unchanged while their authors learn the current names.

import type { JsonSchema } from '../plugin/stage-plugin.js';
import type { ConfigPath } from './config-error.js';

export interface Deprecation {
  /** Where the old spelling was found (relative to the validated value). */
  path: ConfigPath;
  message: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Rewrites old spellings in `value` (in place) following the schema's annotations. */
export function applyDeprecations(schema: JsonSchema, value: unknown, path: ConfigPath = []): Deprecation[] {
  const found: Deprecation[] = [];
  const properties = isObject(schema.properties) ? (schema.properties as Record<string, JsonSchema>) : {};
  if (isObject(value)) {
    for (const [name, sub] of Object.entries(properties)) {
      const renamedTo = sub['x-renamedTo'];
      if (typeof renamedTo !== 'string' || !(name in value)) continue;
      if (renamedTo in value) {
        // Both spellings: keep the new one; validation then reports nothing about the old one.
        found.push({ path: [...path, name], message: `"${name}" is deprecated and "${renamedTo}" is also given: "${name}" is ignored; remove it` });
      } else {
        value[renamedTo] = value[name];
        found.push({ path: [...path, name], message: `"${name}" is deprecated: write "${renamedTo}" (same meaning)` });
      }
      delete value[name];
    }
    for (const [name, sub] of Object.entries(properties)) {
      const child = value[name];
      const renamedValues = sub['x-deprecatedValues'];
      if (isObject(renamedValues) && typeof child === 'string' && typeof renamedValues[child] === 'string') {
        value[name] = renamedValues[child];
        found.push({ path: [...path, name], message: `"${child}" is deprecated: write ${name}: ${String(renamedValues[child])} (same meaning)` });
      }
      if (child !== undefined) found.push(...applyDeprecations(sub, value[name], [...path, name]));
    }
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    value.forEach((item, i) => found.push(...applyDeprecations(schema.items as JsonSchema, item, [...path, i])));
  }
  // Alternatives (e.g. a rule given as a string or an object): each branch may rename its own keys.
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) for (const branch of branches) if (isObject(branch)) found.push(...applyDeprecations(branch, value, path));
  }
  return found;
}
