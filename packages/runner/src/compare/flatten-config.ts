// A parsed YAML document as dotted leaf paths → values: `stages.train.with.mode` → 'probe'. Stages are
// keyed by their id, not their position, so two experiments with different stage lists compare stage
// by stage. Empty mappings and lists are leaves ({} / []) so that "no inputs" still shows up as a value.

export type ConfigLeaf = string | number | boolean | null;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Path segment for a mapping key: dotted when it is a plain identifier, else bracketed and quoted. */
function keySegment(prefix: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return prefix ? `${prefix}.${key}` : key;
  return `${prefix}[${JSON.stringify(key)}]`;
}

export function flattenConfig(value: unknown): Map<string, ConfigLeaf> {
  const out = new Map<string, ConfigLeaf>();
  const walk = (v: unknown, at: string): void => {
    if (Array.isArray(v)) {
      if (!v.length) out.set(at, '[]');
      v.forEach((item, i) => walk(item, `${at}[${i}]`));
    } else if (isPlainObject(v)) {
      const keys = Object.keys(v);
      if (!keys.length && at) out.set(at, '{}');
      for (const k of keys) walk(v[k], keySegment(at, k));
    } else if (v instanceof Date) {
      out.set(at, v.toISOString());
    } else if (v === null || v === undefined) {
      out.set(at, null);
    } else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') {
      out.set(at, v);
    } else {
      out.set(at, String(v)); // bigint and the like: YAML custom tags, not expected in a config
    }
  };
  walk(byStageId(value), '');
  return out;
}

/** `stages: [{ id: train, … }]` → `stages: { train: { … } }` (position-free), when every stage has an id. */
function byStageId(value: unknown): unknown {
  if (!isPlainObject(value) || !Array.isArray(value.stages)) return value;
  const stages = value.stages as unknown[];
  if (!stages.every((s) => isPlainObject(s) && typeof s.id === 'string')) return value;
  const keyed: Record<string, unknown> = {};
  for (const stage of stages as Record<string, unknown>[]) {
    const { id, ...rest } = stage;
    keyed[id as string] = rest;
  }
  return { ...value, stages: keyed };
}
