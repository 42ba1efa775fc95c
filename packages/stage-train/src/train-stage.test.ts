import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS, createTestContext, silentLogger, type DatasetIndex, type MetricRecord, type Metrics, type ModelArtifact, type Figure } from '@neuro-ssl/core';
import { DataError, scanDataset, writeSyntheticScans, type DataConfig } from '@neuro-ssl/core/data';
import { loadClassifier, metrics } from '@neuro-ssl/core/learn';
import { runOnImages } from '@neuro-ssl/core/models';
import { trainStage } from './train-stage.js';
import type { TrainConfig } from './train-config.js';

let dir: string;
let data: DataConfig;
let dataset: DatasetIndex;

const base: TrainConfig = {
  backbone: 'resnet18',
  width: 0.125,
  imageSize: 32,
  weights: 'none',
  normalization: 'weights',
  mode: 'finetune',
  head: { type: 'linear', hidden: 16, dropout: 0 },
  epochs: 2,
  learningRate: 1e-3,
  batchSize: 4,
  posWeight: 3,
  labelSmoothing: 0,
  weightDecay: 0,
  augment: 'weak',
  views: 2,
  batchNorm: 'batch',
  testSize: 0.3,
  // These tests pin the notebook's procedure (one training per split); nested selection is tested in train-nested.test.ts.
  selection: { method: 'notebook', innerFolds: 3 },
  beta: 2,
  eceBins: 15,
  checkpoint: { rule: 'notebook', keepFBeta: 0.9 },
  threshold: 0.5,
  temperature: true,
  bootstrap: 200,
};

interface Outcome {
  model: ModelArtifact;
  metrics: Metrics;
  figures: Figure;
  lines: string[];
  records: MetricRecord[];
}

async function run(config: Partial<TrainConfig>, options: { checkpointDir?: string; signal?: AbortSignal; onRecord?: (r: MetricRecord) => void } = {}): Promise<Outcome> {
  const lines: string[] = [];
  const records: MetricRecord[] = [];
  const workDir = await fs.mkdtemp(path.join(dir, 'work-'));
  const ctx = createTestContext({
    experimentDir: dir,
    lines,
    workDir,
    checkpointDir: options.checkpointDir ?? (await fs.mkdtemp(path.join(dir, 'ckpt-'))),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  ctx.metric = (r) => {
    records.push(r);
    options.onRecord?.(r);
  };
  const out = await trainStage.run(ctx, { ...base, ...config }, { dataset });
  return { ...out, lines, records };
}

/** sha256 of every file of the outcome's artifacts as the codecs write them (what the runner's store hashes). */
async function artifactFiles(out: Outcome): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  const outputs = [
    ['model', 'Model', out.model],
    ['metrics', 'Metrics', out.metrics],
    ['figures', 'Figure', out.figures],
  ] as const;
  for (const [name, kind, value] of outputs) {
    const target = await fs.mkdtemp(path.join(dir, `artifact-${name}-`));
    await (CODECS[kind].save as (v: unknown, d: string) => Promise<void>)(value, target);
    for (const entry of await fs.readdir(target, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      files[`${name}/${path.relative(target, file).split(path.sep).join('/')}`] = createHash('sha256').update(await fs.readFile(file)).digest('hex');
    }
  }
  return files;
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'stage-train-'));
  await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 10, size: 40 });
  data = {
    root: path.join(dir, 'data'),
    labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } },
    onBadFile: 'fail',
    duplicates: { threshold: 0 },
    preprocess: { normalize: true, clahe: false, crop: 'brain', imageSize: 32 },
  };
  dataset = await scanDataset(data, { logger: silentLogger });
}, 120_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('train stage', () => {
  it('finetune: a calibrated Model that loads back, per-epoch metrics, every figure, deterministic for the seed', async () => {
    const a = await run({});
    const meta = a.model.meta;
    // Split: disjoint, covers every labelled image, both classes in validation.
    const split = meta.split as { train: string[]; validation: string[] };
    expect(new Set([...split.train, ...split.validation]).size).toBe(20);
    expect(split.train.filter((id) => split.validation.includes(id))).toEqual([]);
    expect(split.validation.filter((id) => id.includes('Cancer')).length).toBe(3);
    // Model folder: weights in TF.js format with the optimizer state, meta with temperature and threshold.
    const files = await fs.readdir(a.model.dir);
    expect(files.sort()).toEqual(['model.json', 'optimizer.bin', 'optimizer.json', 'weights.bin']);
    expect(meta).toMatchObject({ kind: 'neuro-ssl/binary-classifier', mode: 'finetune', threshold: 0.5, classes: { Cancer: 1, Normal: 0 }, spec: { backbone: 'resnet18', imageSize: 32 } });
    expect(meta.temperature as number).toBeGreaterThan(0);
    // Reloaded model reproduces the reported validation metrics.
    const { tf } = await createTestContext().tf();
    const { model, meta: m } = await loadClassifier(tf, a.model);
    expect(model.outputs[0]!.shape).toEqual([null, 1]);
    expect(m.epoch).toBe(a.metrics.values.bestEpoch);
    model.dispose();
    // Metrics: one record per epoch; values finite; the confusion matrix adds up to the validation size.
    expect(a.records.filter((r) => r.phase === 'epoch').map((r) => r.epoch)).toEqual([1, 2]);
    for (const k of ['fBeta', 'precision', 'recall', 'accuracy', 'ece', 'brier', 'temperature']) expect(Number.isFinite(a.metrics.values[k])).toBe(true);
    expect(a.metrics.confusionMatrix!.flat().reduce((s, v) => s + v, 0)).toBe(split.validation.length);
    const intervals = a.metrics.extra!.intervals as Record<string, { value: number; low: number; high: number }>;
    expect(intervals.fBeta!.low).toBeLessThanOrEqual(intervals.fBeta!.value);
    expect(intervals.fBeta!.high).toBeGreaterThanOrEqual(intervals.fBeta!.value);
    expect(a.lines.join('\n')).toMatch(/validation \(6 images, 95% bootstrap over images\): F2 /);
    // Figures: PNG + SVG of each.
    const names = a.figures.files.map((f) => f.name).sort();
    for (const f of ['loss', 'metrics', 'confusion', 'roc', 'pr', 'reliability']) {
      expect(names).toContain(`train-${f}.png`);
      expect(names).toContain(`train-${f}.svg`);
    }
    expect(CODECS.Figure.check(a.figures)).toBeNull();
    // Same seed → same numbers.
    const b = await run({});
    expect(b.metrics.values).toEqual(a.metrics.values);
  }, 180_000);

  it('probe learns the synthetic tumour in seconds; threshold "fbeta" is the F2-optimal one, and the saved model reproduces it', async () => {
    const { tf: tfBefore } = await createTestContext().tf();
    const tensorsBefore = tfBefore.memory().numTensors;
    const out = await run({ mode: 'probe', epochs: 40, learningRate: 0.05, batchSize: 8, threshold: 'fbeta' });
    expect(tfBefore.memory().numTensors).toBe(tensorsBefore); // everything the stage built is released
    expect(out.metrics.values.rocAuc).toBeGreaterThan(0.85);
    expect(out.metrics.extra!.history as unknown[]).toHaveLength(40);
    // Independently: reload the model, predict the validation images, calibrate with the stored
    // temperature, and find the F2-optimal threshold — it is the stored one, with the reported F2.
    const { tf } = await createTestContext().tf();
    const { model, meta } = await loadClassifier(tf, out.model);
    const records = meta.split.validation.map((id) => dataset.images.find((r) => r.id === id)!);
    const logits = await runOnImages(tf, model, records, { preprocess: meta.preprocess, normalization: meta.normalization, batchSize: 4, concurrency: 2, outputDim: 1 });
    model.dispose();
    const labels = records.map((r) => r.label);
    const best = metrics.bestThreshold(labels, metrics.applyTemperature(logits, meta.temperature), 2);
    expect(meta.threshold).toBeCloseTo(best.threshold, 5);
    expect(out.metrics.values.fBeta).toBeCloseTo(best.fBeta, 5);
  });

  it('partial on a cached frozen trunk: every fold trains its top on one cache, the saved model reproduces the validation ROC-AUC', async () => {
    const { tf } = await createTestContext().tf();
    const tensorsBefore = tf.memory().numTensors;
    const out = await run({ mode: 'partial', epochs: 3, learningRate: 0.01, batchSize: 8, cv: { folds: 2, repeats: 1 } });
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const log = out.lines.join('\n');
    expect(log).toMatch(/partial mode: the frozen trunk \(up to layer4_0_conv1_pad\) runs once per image and view, its output cached \(20 images × \(2 views \+ clean\) × \[2×2×32\] floats = 30\.0 KiB\)/);
    expect(out.metrics.extra!.trunkCache).toBe('views');
    expect((out.metrics.extra!.cv as { folds: unknown[] }).folds).toHaveLength(2);
    const { model, meta } = await loadClassifier(tf, out.model);
    const records = meta.split.validation.map((id) => dataset.images.find((r) => r.id === id)!);
    const logits = await runOnImages(tf, model, records, { preprocess: meta.preprocess, normalization: meta.normalization, batchSize: 4, concurrency: 2, outputDim: 1 });
    model.dispose();
    expect(metrics.rocAuc(records.map((r) => r.label), logits)).toBeCloseTo(out.metrics.values.rocAuc as number, 6);

  }, 120_000);

  it('cross-validation: a mean and a bootstrap interval over folds for every metric', async () => {
    const out = await run({ mode: 'probe', epochs: 5, learningRate: 0.05, batchSize: 8, cv: { folds: 2, repeats: 2 } });
    const cv = out.metrics.extra!.cv as { folds: unknown[]; intervals: Record<string, { value: number; low: number; high: number }> };
    expect(cv.folds).toHaveLength(4);
    for (const k of ['fBeta', 'rocAuc', 'prAuc', 'ece']) {
      const i = cv.intervals[k]!;
      expect(i.low).toBeLessThanOrEqual(i.value + 1e-12);
      expect(i.high).toBeGreaterThanOrEqual(i.value - 1e-12);
    }
    expect(out.records.filter((r) => r.phase === 'cv-fold')).toHaveLength(4);
    expect(out.lines.join('\n')).toMatch(/cross-validation \(2×2 folds/);
  });

  it('an interrupted training resumes from its last epoch with byte-identical artifacts; identical runs give identical artifacts', async () => {
    // 8 epochs of 4 Adam steps (14 training images, batch 4), interrupted after epoch 5: at step 20,
    // TF.js's recomputed pow(β₂, t + 1) differs from the running float32 product (as at steps 2, 5, 18–40…,
    // not at 12), which is what made resumed runs drift before the checkpoint kept the products.
    const config: Partial<TrainConfig> = { mode: 'probe', epochs: 8, learningRate: 0.05, batchSize: 4, head: { type: 'mlp', hidden: 8, dropout: 0.2 } };
    const straight = await run(config);
    const again = await run(config);
    const checkpointDir = await fs.mkdtemp(path.join(dir, 'resume-'));
    const controller = new AbortController();
    await expect(
      run(config, { checkpointDir, signal: controller.signal, onRecord: (r) => (r.phase === 'epoch' && r.epoch === 5 ? controller.abort(new Error('stop')) : undefined) }),
    ).rejects.toThrow();
    const resumed = await run(config, { checkpointDir });
    expect(resumed.lines.join('\n')).toMatch(/main: resuming after epoch 5/);
    expect(resumed.records.filter((r) => r.phase === 'epoch').map((r) => r.epoch)).toEqual([6, 7, 8]);
    // Timings stay in the metric lines, out of the hashed Metrics.
    expect(resumed.records.find((r) => r.phase === 'epoch')).toHaveProperty('seconds');
    expect(JSON.stringify(straight.metrics)).not.toMatch(/"seconds"|"samplesPerSecond"/);

    const reference = await artifactFiles(straight);
    expect(Object.keys(reference).sort()).toEqual(
      expect.arrayContaining(['model/model/model.json', 'model/model/weights.bin', 'model/model/optimizer.bin', 'metrics/metrics.json', 'figures/train-loss.svg']),
    );
    // Bit for bit on the cpu backend: weights, Adam state, metrics, figures (SVG and PNG).
    expect(await artifactFiles(again)).toEqual(reference);
    expect(await artifactFiles(resumed)).toEqual(reference);
  }, 240_000);

  it('refuses a dataset that is not binary 0/1, naming the config key', async () => {
    const three = { ...dataset, classes: { Cancer: 1, Normal: 0, Other: 2 } };
    const ctx = createTestContext({ experimentDir: dir });
    const err = await trainStage.run(ctx, base, { dataset: three }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/data\.labelled\.classes must map one class to 1/);
  });
});
