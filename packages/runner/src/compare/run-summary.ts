// summary.json as a reader sees it: every field added after the first format (format, seed,
// finishedAt, provenance, version, metrics) is optional, so older run folders still read.

export interface StoredStageSummary {
  id: string;
  plugin: string;
  version?: string;
  status: string;
  key?: string;
  durationMs?: number;
  originalDurationMs?: number;
  outputs?: Record<string, { kind: string; hash: string; path: string }>;
  headlines?: string[];
  metrics?: Record<string, Record<string, number>>;
  error?: string;
}

export interface StoredProvenance {
  git?: { commit: string; dirty: boolean } | null;
  packages?: Record<string, string>;
  node?: string;
  backend?: { requested?: string; used?: string | null };
  cpu?: { model?: string; cores?: number };
  platform?: string;
  inputs?: { files?: number; sha256?: string };
}

export interface StoredRunSummary {
  format?: string;
  name: string;
  experiment?: string;
  status: string;
  exitCode?: number;
  error?: string;
  seed?: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  stages: StoredStageSummary[];
  provenance?: StoredProvenance;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Copies the listed keys whose value passes `pick`; absent or ill-typed ones are left out. */
function pickFields<T>(src: Json, keys: readonly string[], pick: (v: unknown) => T | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of keys) {
    const v = pick(src[k]);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The finite numbers of an object (other values dropped); undefined when it is not an object. */
export function numberMap(v: unknown): Record<string, number> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, number> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  return out;
}

function stringMap(v: unknown): Record<string, string> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** Metrics of one stage: output name → scalar values (non-numbers dropped). */
export function metricsMap(v: unknown): Record<string, Record<string, number>> | undefined {
  if (!isObject(v)) return undefined;
  const out: Record<string, Record<string, number>> = {};
  for (const [output, values] of Object.entries(v)) {
    const m = numberMap(values);
    if (m) out[output] = m;
  }
  return out;
}

function parseOutputs(v: unknown): StoredStageSummary['outputs'] {
  if (!isObject(v)) return undefined;
  const out: NonNullable<StoredStageSummary['outputs']> = {};
  for (const [name, ref] of Object.entries(v)) {
    if (isObject(ref) && typeof ref.kind === 'string' && typeof ref.hash === 'string' && typeof ref.path === 'string') {
      out[name] = { kind: ref.kind, hash: ref.hash, path: ref.path };
    }
  }
  return out;
}

function parseStage(v: unknown, index: number): StoredStageSummary {
  const s = isObject(v) ? v : {};
  const headlines = Array.isArray(s.headlines) ? s.headlines.filter((h): h is string => typeof h === 'string') : undefined;
  const outputs = parseOutputs(s.outputs);
  const metrics = metricsMap(s.metrics);
  return {
    id: str(s.id) ?? `#${index + 1}`,
    plugin: str(s.plugin) ?? '?',
    status: str(s.status) ?? 'unknown',
    ...pickFields(s, ['version', 'key', 'error'], str),
    ...pickFields(s, ['durationMs', 'originalDurationMs'], num),
    ...(outputs ? { outputs } : {}),
    ...(headlines ? { headlines } : {}),
    ...(metrics ? { metrics } : {}),
  };
}

function parseProvenance(v: unknown): StoredProvenance | undefined {
  if (!isObject(v)) return undefined;
  const p: StoredProvenance = { ...pickFields(v, ['node', 'platform'], str) };
  if (v.git === null) p.git = null;
  else if (isObject(v.git) && typeof v.git.commit === 'string') p.git = { commit: v.git.commit, dirty: v.git.dirty === true };
  const packages = stringMap(v.packages);
  if (packages) p.packages = packages;
  if (isObject(v.backend)) {
    p.backend = { ...pickFields(v.backend, ['requested'], str) };
    if (v.backend.used === null || typeof v.backend.used === 'string') p.backend.used = v.backend.used;
  }
  if (isObject(v.cpu)) p.cpu = { ...pickFields(v.cpu, ['model'], str), ...pickFields(v.cpu, ['cores'], num) };
  if (isObject(v.inputs)) p.inputs = { ...pickFields(v.inputs, ['sha256'], str), ...pickFields(v.inputs, ['files'], num) };
  return p;
}

/**
 * Reads a parsed summary.json leniently (old and new format). Throws only when it is not a run
 * summary at all (not an object, or no stages list), with `file` in the message.
 */
export function parseRunSummary(value: unknown, file: string): StoredRunSummary {
  if (!isObject(value) || !Array.isArray(value.stages)) {
    throw new Error(`${file}: not a run summary (expected a JSON object with a "stages" list)`);
  }
  const provenance = parseProvenance(value.provenance);
  return {
    name: str(value.name) ?? '?',
    status: str(value.status) ?? 'unknown',
    ...pickFields(value, ['format', 'experiment', 'error', 'startedAt', 'finishedAt'], str),
    ...pickFields(value, ['exitCode', 'seed', 'durationMs'], num),
    stages: value.stages.map(parseStage),
    ...(provenance ? { provenance } : {}),
  };
}
