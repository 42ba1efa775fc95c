// summary.json as the report reads it. Older run folders lack format, seed, finishedAt, provenance,
// version and metrics: every field that may be absent is null here, and the report shows "—".

import { asArray, asNumber, asObject, asString, numberMap, stringList, type JsonObject } from './json-reader.js';

export interface OutputView {
  kind: string;
  hash: string | null;
  path: string | null;
}

export interface StageView {
  id: string;
  plugin: string;
  version: string | null;
  status: string;
  key: string | null;
  durationMs: number | null;
  originalDurationMs: number | null;
  outputs: Record<string, OutputView>;
  headlines: string[];
  /** Metrics outputs' values as summary.json carries them (output name → values). */
  metrics: Record<string, Record<string, number>>;
  error: string | null;
}

export interface SummaryView {
  name: string | null;
  experiment: string | null;
  status: string | null;
  exitCode: number | null;
  error: string | null;
  seed: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  stages: StageView[];
  /** Left as JSON: the header reads its fields one by one, each optional. */
  provenance: JsonObject | null;
}

function outputsOf(value: unknown): Record<string, OutputView> {
  const out: Record<string, OutputView> = {};
  for (const [name, ref] of Object.entries(asObject(value) ?? {})) {
    const r = asObject(ref);
    const kind = asString(r?.kind);
    if (r && kind) out[name] = { kind, hash: asString(r.hash), path: asString(r.path) };
  }
  return out;
}

function stageOf(value: unknown, index: number): StageView {
  const s = asObject(value) ?? {};
  const metrics: Record<string, Record<string, number>> = {};
  for (const [name, values] of Object.entries(asObject(s.metrics) ?? {})) metrics[name] = numberMap(values);
  return {
    id: asString(s.id) ?? `stage ${index + 1}`,
    plugin: asString(s.plugin) ?? '',
    version: asString(s.version),
    status: asString(s.status) ?? 'unknown',
    key: asString(s.key),
    durationMs: asNumber(s.durationMs),
    originalDurationMs: asNumber(s.originalDurationMs),
    outputs: outputsOf(s.outputs),
    headlines: stringList(s.headlines),
    metrics,
    error: asString(s.error),
  };
}

export function summaryView(json: unknown): SummaryView {
  const s = asObject(json) ?? {};
  const exitCode = asNumber(s.exitCode);
  return {
    name: asString(s.name),
    experiment: asString(s.experiment),
    status: asString(s.status),
    exitCode,
    error: asString(s.error),
    seed: asNumber(s.seed),
    startedAt: asString(s.startedAt),
    finishedAt: asString(s.finishedAt),
    durationMs: asNumber(s.durationMs),
    stages: asArray(s.stages).map(stageOf),
    provenance: asObject(s.provenance),
  };
}
