// The ssl stage on a small synthetic dataset (10 labelled images per class, 20 unlabelled, their true
// classes as pool labels) with a supervised probe Model to start from, and a helper that validates a
// `with:` block and runs a stage on it the way the runner would, collecting its log and metrics.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { createTestContext, silentLogger, type DatasetIndex, type FeatureTable, type MetricRecord, type ModelArtifact, type PoolLabels, type Tf } from '@neuro-ssl/core';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { scanDataset, writeSyntheticScans } from '@neuro-ssl/core/data';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import type { SslConfig } from '../ssl-config.js';
import type { sslStage } from '../ssl-stage.js';
import { writeSupervisedModel } from './supervised-model.js';

export const SYNTHETIC_PREPROCESS = { normalize: true, clahe: false, crop: 'brain' as const, imageSize: 32 };

export interface SyntheticSslData {
  dir: string;
  dataset: DatasetIndex;
  model: ModelArtifact;
  tf: Tf;
  /** The pool's true classes (benchmark mode). */
  truthLabels: PoolLabels;
}

/** Everything under a fresh temporary folder named `prefix…`; remove `dir` when done. */
export async function syntheticSslData(prefix: string): Promise<SyntheticSslData> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  const preprocess = SYNTHETIC_PREPROCESS;
  const scans = await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 10, unlabelledPerClass: 20, size: 40 });
  const dataset = await scanDataset(
    { root: scans.root, labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } }, unlabelled: { dir: 'sans_label' }, onBadFile: 'fail', duplicates: { threshold: 0 }, preprocess },
    { logger: silentLogger },
  );
  const truthLabels = { source: 'truth.csv', labels: Object.fromEntries([...scans.unlabelledTruth].map(([f, l]) => [`sans_label/${f}`, l])) };
  const tf = (await loadTensorflow({ backend: 'cpu' })).tf;
  const model = await writeSupervisedModel(tf, { dir: path.join(dir, 'supervised'), dataset, preprocess, trainPerClass: 6, epochs: 10, seed: 3 });
  return { dir, dataset, model, tf, truthLabels };
}

/** Validates `raw` against the stage's schema (no issue expected) and runs it with seed 5. */
export async function runSslStage(
  data: SyntheticSslData,
  stage: typeof sslStage,
  raw: Record<string, unknown>,
  options: { batchSize: number; poolLabels: PoolLabels; model?: ModelArtifact; features?: FeatureTable },
): Promise<{ out: Awaited<ReturnType<(typeof sslStage)['run']>>; lines: string[]; records: MetricRecord[]; bars: string[] }> {
  const { value, issues } = validateWithSchema<SslConfig>(stage.configSchema, raw, { file: 'test.yaml' });
  expect(issues).toEqual([]);
  const lines: string[] = [];
  const records: MetricRecord[] = [];
  const ctx = createTestContext({
    runtime: { batchSize: options.batchSize },
    seed: 5,
    lines,
    workDir: await fs.mkdtemp(path.join(data.dir, 'work-')),
    checkpointDir: await fs.mkdtemp(path.join(data.dir, 'ckpt-')),
  });
  ctx.stageId = 'ssl';
  ctx.metric = (r) => records.push(r);
  // Each progress bar as "label (total)": what ran, e.g. the backbone over the pool.
  const bars: string[] = [];
  ctx.progress = (spec) => {
    bars.push(`${spec.label} (${spec.total})`);
    return { tick: () => undefined, status: () => undefined, done: () => undefined };
  };
  const inputs = { dataset: data.dataset, model: options.model ?? data.model, poolLabels: options.poolLabels, ...(options.features ? { features: options.features } : {}) };
  const out = await stage.run(ctx, value, inputs);
  return { out, lines, records, bars };
}
