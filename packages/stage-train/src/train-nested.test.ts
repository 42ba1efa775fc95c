// The train stage with its default selection (nested) on real images: nothing reported is chosen on
// the images that report it, and the log and the Metrics say so.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestContext, silentLogger, type DatasetIndex, type MetricRecord } from '@neuro-ssl/core';
import { scanDataset, writeSyntheticScans } from '@neuro-ssl/core/data';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { trainConfigSchema, type TrainConfig } from './train-config.js';
import { trainStage } from './train-stage.js';

let dir: string;
let dataset: DatasetIndex;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stage-train-nested-'));
  await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 10, size: 40 });
  dataset = await scanDataset(
    {
      root: path.join(dir, 'data'),
      labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } },
      onBadFile: 'fail',
      duplicates: { threshold: 0 },
      preprocess: { normalize: true, clahe: false, crop: 'brain', imageSize: 32 },
    },
    { logger: silentLogger },
  );
}, 120_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function run(raw: Record<string, unknown>) {
  const { value, issues } = validateWithSchema<TrainConfig>(trainConfigSchema(), raw, { file: 'test.yaml' });
  expect(issues).toEqual([]);
  const lines: string[] = [];
  const records: MetricRecord[] = [];
  const ctx = createTestContext({ experimentDir: dir, lines, workDir: await fs.mkdtemp(path.join(dir, 'work-')), checkpointDir: await fs.mkdtemp(path.join(dir, 'ckpt-')) });
  ctx.metric = (r) => records.push(r);
  const out = await trainStage.run(ctx, value, { dataset });
  return { out, lines, records };
}

const PROBE = { backbone: 'resnet18', width: 0.125, imageSize: 32, weights: 'none', mode: 'probe', epochs: 6, learningRate: 0.05, batchSize: 8, views: 2, testSize: 0.3, bootstrap: 200 };

describe('train stage, nested selection (the default)', () => {
  it('chooses epoch, temperature and threshold on inner folds, refits, and pools cross-validation out of fold', async () => {
    const { out, lines, records } = await run({ ...PROBE, threshold: 'fbeta', cv: { folds: 2, repeats: 2 } });
    const text = lines.join('\n');
    expect(text).toMatch(/selection: nested — .* 3 group-aware inner folds/);
    expect(text).toMatch(/\d+ epochs \(median of the inner folds' best epochs \d+, \d+, \d+\), refitted on the 14 training images; temperature .* \(chosen on 3 inner folds of the 14 training images/);
    // inner trainings log at debug level; the refit and the folds at info
    expect(lines.filter((l) => l.startsWith('info main-inner'))).toEqual([]);
    expect(lines.some((l) => l.startsWith('debug main-inner1: epoch'))).toBe(true);
    for (const k of [1, 2, 3, 4]) expect(text).toContain(`cross-validation fold ${k}/4 (repeat ${k <= 2 ? 1 : 2}/2, fold ${((k - 1) % 2) + 1}/2)`);
    expect(text).toMatch(/cross-validation \(2×2 folds, selection nested; pooled out-of-fold predictions of 20 images, 95% bootstrap over repeats, folds and images\): F2 /);
    const extra = out.metrics.extra as { selection: { method: string; innerBestEpochs: number[]; epochs: number }; cv: { method: string; intervals: Record<string, { value: number; low: number; high: number }> } };
    expect(extra.selection.method).toBe('nested');
    expect(extra.selection.innerBestEpochs).toHaveLength(3);
    expect(out.metrics.values.bestEpoch).toBe(extra.selection.epochs);
    expect(extra.cv.method).toBe('nested');
    for (const m of ['fBeta', 'rocAuc', 'nll', 'brier']) expect(extra.cv.intervals[m]!.low).toBeLessThanOrEqual(extra.cv.intervals[m]!.value + 1e-12);
    expect(records.filter((r) => r.phase === 'cv-fold')).toHaveLength(4);
    // the Model says how it was trained, for ssl's cross-validated baselines
    expect(out.model.meta.training).toMatchObject({ settings: { epochs: 6, learningRate: 0.05, views: 2 }, checkpoint: { rule: 'nll' } });
    expect(out.model.meta.epoch).toBe(extra.selection.epochs);
  });

  it('fixed: nothing chosen; a numeric threshold is required', async () => {
    const { out, lines } = await run({ ...PROBE, selection: { method: 'fixed' } });
    expect(lines.join('\n')).toMatch(/selection: fixed schedule/);
    expect(out.metrics.values.bestEpoch).toBe(6);
    expect(out.metrics.values.temperature).toBe(1);
    await expect(run({ ...PROBE, selection: { method: 'fixed' }, threshold: 'fbeta' })).rejects.toThrow(/threshold must be a number/);
  });
});
