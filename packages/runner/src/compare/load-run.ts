// Reads what a comparison needs from one run folder: summary.json, config.resolved.yaml, and — for
// run folders written before summaries carried metrics — the Metrics artifacts themselves.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { YamlSource } from '../config/yaml-source.js';
import { readOptionalText, readRunSummary, RunTargetError } from './run-index.js';
import { numberMap, type StoredRunSummary, type StoredStageSummary } from './run-summary.js';

export interface LoadedRun {
  dir: string;
  summary: StoredRunSummary;
  /** Parsed config.resolved.yaml; null when the run folder has none. */
  config: unknown;
}

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as unknown;
  } catch {
    return undefined; // absent or damaged: the caller tries the next place, else shows "—"
  }
}

/** Values of a Metrics artifact file ({ values: {...} }), or undefined. */
async function metricsFile(file: string): Promise<Record<string, number> | undefined> {
  const json = await readJson(file);
  if (typeof json !== 'object' || json === null || !('values' in json)) return undefined;
  return numberMap(json.values);
}

/**
 * A stage's Metrics outputs for a summary without `metrics`: `<stage>-<output>.json` in the run folder,
 * else the artifact in the cache (content-addressed, so still exact — unless it was pruned).
 */
async function fallbackMetrics(dir: string, stage: StoredStageSummary): Promise<Record<string, Record<string, number>> | undefined> {
  const out: Record<string, Record<string, number>> = {};
  for (const [output, ref] of Object.entries(stage.outputs ?? {})) {
    if (ref.kind !== 'Metrics') continue;
    const values = (await metricsFile(path.join(dir, `${stage.id}-${output}.json`))) ?? (await metricsFile(path.join(ref.path, 'metrics.json')));
    if (values) out[output] = values;
  }
  return Object.keys(out).length ? out : undefined;
}

async function readConfig(dir: string): Promise<unknown> {
  const file = path.join(dir, 'config.resolved.yaml');
  const text = await readOptionalText(file);
  if (text === null) return null;
  try {
    return YamlSource.parse(text, file).toJS();
  } catch (err) {
    throw new RunTargetError(`${file}: ${(err as Error).message}`);
  }
}

/** Loads a run folder; throws RunTargetError when it has no readable summary.json. */
export async function loadRun(dir: string): Promise<LoadedRun> {
  const summary = await readRunSummary(dir);
  if (!summary) throw new RunTargetError(`${path.join(dir, 'summary.json')} does not exist: the run crashed or is still running`);
  const stages: StoredStageSummary[] = [];
  for (const stage of summary.stages) {
    const metrics = stage.metrics ?? (await fallbackMetrics(dir, stage));
    stages.push(metrics ? { ...stage, metrics } : stage);
  }
  return { dir, summary: { ...summary, stages }, config: await readConfig(dir) };
}
