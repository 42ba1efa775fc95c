// The comparison of several runs as data (no I/O, no formatting): metrics side by side with the best
// marked, the config keys that differ, which stages share a cache entry, and provenance differences.
// Every list follows document order (plan order, YAML order) merged across runs: stable output.

import type { LoadedRun } from './load-run.js';
import { flattenConfig, type ConfigLeaf } from './flatten-config.js';
import { metricDirection, type MetricDirection } from './metric-direction.js';
import { orderedUnion } from './ordered-union.js';
import type { StoredRunSummary } from './run-summary.js';

export type { LoadedRun } from './load-run.js';

/** Shown for a value one run lacks (older run format, stage not in that run, …). */
export const MISSING = '—';

export interface RunLabel {
  /** A, B, C, … in the order the runs were given. */
  label: string;
  dir: string;
  name: string;
  startedAt?: string;
  status: string;
}

export interface MetricRow {
  /** `stage.output.metric`. */
  key: string;
  stage: string;
  output: string;
  metric: string;
  direction: MetricDirection;
  /** One per run; null where that run has no such value. */
  values: (number | null)[];
  /** Indices of the best run(s); empty when there is no direction, fewer than two values, or all tie. */
  best: number[];
}

export interface HeadlineRow {
  stage: string;
  /** One per run; null where the stage has no headlines in that run. */
  values: (string[] | null)[];
}

export interface ConfigDiffRow {
  /** Flattened path, e.g. `stages[2].with.mode`. */
  path: string;
  /** One per run, as YAML would show it; MISSING where the key is absent. */
  values: string[];
}

export interface StageInRun {
  status: string;
  plugin: string;
  version?: string;
  key?: string;
  durationMs?: number;
}

export interface StageShareRow {
  stage: string;
  /** One per run; null where the run has no such stage. */
  runs: (StageInRun | null)[];
  /** Run indices grouped by equal cache key (same key = the same cache entry); runs without a key are left out. */
  groups: number[][];
  /** 'all': every run used the same cache entry; 'none': no two did. */
  shared: 'all' | 'some' | 'none';
}

export interface ProvenanceDiffRow {
  field: string;
  values: string[];
}

export interface Comparison {
  runs: RunLabel[];
  metrics: MetricRow[];
  headlines: HeadlineRow[];
  configDiff: ConfigDiffRow[];
  /** Labels of runs without config.resolved.yaml (left out of configDiff). */
  configMissing: string[];
  sharedStages: StageShareRow[];
  provenanceDiff: ProvenanceDiffRow[];
  /** Labels of runs whose summary has no provenance (older run format). */
  provenanceMissing: string[];
}

export function runLabel(index: number): string {
  let n = index;
  let s = '';
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** Equal up to floating-point noise (0.9999999999999999 vs 1 is a tie, not a win). */
function tie(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

function bestOf(values: readonly (number | null)[], direction: MetricDirection): number[] {
  const present = values.flatMap((v, i) => (v === null ? [] : [{ v, i }]));
  if (direction === 'none' || present.length < 2) return [];
  const best = present.reduce((b, x) => ((direction === 'higher' ? x.v > b.v : x.v < b.v) ? x : b)).v;
  const winners = present.filter((x) => tie(x.v, best)).map((x) => x.i);
  return winners.length === present.length ? [] : winners;
}

function stageOf(summary: StoredRunSummary, id: string) {
  return summary.stages.find((s) => s.id === id);
}

function compareMetrics(runs: readonly LoadedRun[], stageIds: readonly string[]): MetricRow[] {
  const rows: MetricRow[] = [];
  for (const stage of stageIds) {
    const stages = runs.map((r) => stageOf(r.summary, stage));
    const outputs = orderedUnion(stages.map((s) => Object.keys(s?.metrics ?? {})));
    for (const output of outputs) {
      const metrics = orderedUnion(stages.map((s) => Object.keys(s?.metrics?.[output] ?? {})));
      for (const metric of metrics) {
        const values = stages.map((s) => s?.metrics?.[output]?.[metric] ?? null);
        const direction = metricDirection(metric);
        rows.push({ key: `${stage}.${output}.${metric}`, stage, output, metric, direction, values, best: bestOf(values, direction) });
      }
    }
  }
  return rows;
}

/** A config value as YAML shows it: strings that would read as another type are quoted. */
function showLeaf(v: ConfigLeaf): string {
  if (v === null) return 'null';
  if (typeof v !== 'string') return String(v);
  if (v === '{}' || v === '[]') return v; // empty collections, from flattenConfig
  if (v === '' || /^(true|false|null|~|[-+]?[\d.]+(e[-+]?\d+)?)$/i.test(v) || /^\s|\s$/.test(v)) return JSON.stringify(v);
  return v;
}

function compareConfigs(runs: readonly LoadedRun[]): { rows: ConfigDiffRow[]; missing: number[] } {
  const missing = runs.flatMap((r, i) => (r.config === null || r.config === undefined ? [i] : []));
  const flat = runs.map((r) => (r.config === null || r.config === undefined ? null : flattenConfig(r.config)));
  const withConfig = flat.filter((f): f is Map<string, ConfigLeaf> => f !== null);
  const rows: ConfigDiffRow[] = [];
  for (const key of orderedUnion(withConfig.map((f) => [...f.keys()]))) {
    const values = flat.map((f) => (f === null ? MISSING : f.has(key) ? showLeaf(f.get(key) as ConfigLeaf) : MISSING));
    const compared = values.filter((_, i) => flat[i] !== null);
    if (new Set(compared).size > 1) rows.push({ path: key, values });
  }
  return { rows, missing };
}

function compareStages(runs: readonly LoadedRun[], stageIds: readonly string[]): StageShareRow[] {
  return stageIds.map((stage) => {
    const inRuns = runs.map((r): StageInRun | null => {
      const s = stageOf(r.summary, stage);
      if (!s) return null;
      return {
        status: s.status,
        plugin: s.plugin,
        ...(s.version !== undefined ? { version: s.version } : {}),
        ...(s.key !== undefined ? { key: s.key } : {}),
        ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
      };
    });
    const byKey = new Map<string, number[]>();
    inRuns.forEach((s, i) => {
      if (s?.key === undefined) return;
      byKey.set(s.key, [...(byKey.get(s.key) ?? []), i]);
    });
    const groups = [...byKey.values()];
    const shared = groups.length === 1 && groups[0]?.length === runs.length ? 'all' : groups.some((g) => g.length > 1) ? 'some' : 'none';
    return { stage, runs: inRuns, groups, shared };
  });
}

/** Provenance fields as display strings; a field a run lacks is absent. */
function provenanceFields(summary: StoredRunSummary): Map<string, string> {
  const p = summary.provenance;
  const out = new Map<string, string>();
  if (!p) return out;
  if (p.git !== undefined) out.set('git commit', p.git === null ? 'not a git checkout' : `${p.git.commit.slice(0, 12)}${p.git.dirty ? ' (dirty)' : ''}`);
  if (p.backend?.requested !== undefined) out.set('backend requested', p.backend.requested);
  if (p.backend?.used !== undefined) out.set('backend used', p.backend.used ?? 'none (no stage loaded TensorFlow)');
  if (p.node !== undefined) out.set('node', p.node);
  if (p.platform !== undefined) out.set('platform', p.platform);
  if (p.cpu?.model !== undefined || p.cpu?.cores !== undefined) out.set('cpu', `${p.cpu.model ?? '?'} × ${p.cpu.cores ?? '?'}`);
  if (p.inputs?.sha256 !== undefined || p.inputs?.files !== undefined) {
    out.set('input images', `${p.inputs.files ?? '?'} files, sha256 ${p.inputs.sha256?.slice(0, 12) ?? '?'}`);
  }
  for (const [pkg, version] of Object.entries(p.packages ?? {})) out.set(pkg, version);
  return out;
}

function compareProvenance(runs: readonly LoadedRun[]): ProvenanceDiffRow[] {
  const fields = runs.map((r) => provenanceFields(r.summary));
  const rows: ProvenanceDiffRow[] = [];
  for (const field of orderedUnion(fields.map((f) => [...f.keys()]))) {
    const values = fields.map((f) => f.get(field) ?? MISSING);
    if (new Set(values).size > 1) rows.push({ field, values });
  }
  return rows;
}

export function compareRuns(runs: readonly LoadedRun[]): Comparison {
  const labels = runs.map((r, i): RunLabel => ({
    label: runLabel(i),
    dir: r.dir,
    name: r.summary.name,
    ...(r.summary.startedAt ? { startedAt: r.summary.startedAt } : {}),
    status: r.summary.status,
  }));
  const stageIds = orderedUnion(runs.map((r) => r.summary.stages.map((s) => s.id)));
  const headlines = stageIds.flatMap((stage): HeadlineRow[] => {
    const values = runs.map((r) => {
      const h = stageOf(r.summary, stage)?.headlines;
      return h?.length ? h : null;
    });
    return values.some((v) => v !== null) ? [{ stage, values }] : [];
  });
  const config = compareConfigs(runs);
  return {
    runs: labels,
    metrics: compareMetrics(runs, stageIds),
    headlines,
    configDiff: config.rows,
    configMissing: config.missing.map(runLabel),
    sharedStages: compareStages(runs, stageIds),
    provenanceDiff: compareProvenance(runs),
    provenanceMissing: runs.flatMap((r, i) => (r.summary.provenance ? [] : [runLabel(i)])),
  };
}
