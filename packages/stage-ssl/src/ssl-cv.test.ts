// The self-training stage with evaluation: cv (the default for small labelled sets): both arms per
// fold, a verdict on every labelled image out of fold, and a final model on every labelled image.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS, createTestContext, silentLogger, type DatasetIndex, type MetricRecord, type ModelArtifact, type PoolLabels, type Tf } from '@neuro-ssl/core';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { scanDataset, writeSyntheticScans } from '@neuro-ssl/core/data';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { writeSupervisedModel } from './__fixtures__/supervised-model.js';
import { sslConfigSchema, type SslConfig } from './ssl-config.js';
import { sslStage } from './ssl-stage.js';

let dir: string;
let dataset: DatasetIndex;
let model: ModelArtifact;
let tf: Tf;
let truthLabels: PoolLabels;
const preprocess = { normalize: true, clahe: false, crop: 'brain' as const, imageSize: 32 };
const NO_POOL_LABELS: PoolLabels = { source: null, labels: {} };

// Probe mode at test size; two outer folds keep the test short.
const CV = { schedule: { type: 'linear', from: 0.6, to: 0.9, rounds: 2 }, epochs: 8, learningRate: 0.01, views: 2, batchSize: 8, bootstrap: 200, cv: { folds: 2 } };

async function run(raw: Record<string, unknown>, poolLabels: PoolLabels = NO_POOL_LABELS) {
  const { value, issues } = validateWithSchema<SslConfig>(sslConfigSchema(), raw, { file: 'test.yaml' });
  expect(issues).toEqual([]);
  const lines: string[] = [];
  const records: MetricRecord[] = [];
  const ctx = createTestContext({
    runtime: { batchSize: 8 },
    seed: 5,
    lines,
    workDir: await fs.mkdtemp(path.join(dir, 'work-')),
    checkpointDir: await fs.mkdtemp(path.join(dir, 'ckpt-')),
  });
  ctx.stageId = 'ssl';
  ctx.metric = (r) => records.push(r);
  const out = await sslStage.run(ctx, value, { dataset, model, poolLabels });
  return { out, lines, records };
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ssl-cv-'));
  const scans = await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 10, unlabelledPerClass: 20, size: 40 });
  dataset = await scanDataset(
    { root: scans.root, labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } }, unlabelled: { dir: 'sans_label' }, onBadFile: 'fail', duplicates: { threshold: 0 }, preprocess },
    { logger: silentLogger },
  );
  truthLabels = { source: 'truth.csv', labels: Object.fromEntries([...scans.unlabelledTruth].map(([f, l]) => [`sans_label/${f}`, l])) };
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
  model = await writeSupervisedModel(tf, { dir: path.join(dir, 'supervised'), dataset, preprocess, trainPerClass: 6, epochs: 10, seed: 3 });
}, 120_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ssl stage, evaluation: cv', () => {
  it('scores both arms out of fold on every labelled image, with paired intervals, and trains the final model on all of them', async () => {
    const { out, lines, records } = await run(CV, truthLabels);
    const text = lines.join('\n');
    for (const [name, kind] of [['model', 'Model'], ['pseudoLabels', 'PseudoLabels'], ['metrics', 'Metrics'], ['figures', 'Figure']] as const) expect(CODECS[kind].check(out[name]), name).toBeNull();
    expect(text).toContain('evaluation: auto → cv (20 labelled images, at most 300)');
    expect(text).toMatch(/evaluation: cv — 1×2 outer folds of 20 labelled images/);
    // progress: fold k/K and round r/R
    expect(text).toMatch(/info fold 1\/2: repeat 1\/1, fold 1\/2: both arms train on \d+ labelled images and choose on \d+/);
    expect(text).toMatch(/info fold 2\/2: round 1\/2 \(t = 0\.600\)/);
    expect(text).toMatch(/info fold 2\/2: held out \(10 images\): baseline NLL/);
    // the verdict: every labelled image once, six paired differences with intervals
    const verdict = out.metrics.extra!.verdict as { sentence: string; validationImages: number; deltas: Record<string, { delta: number | null; low: number | null; high: number | null }> };
    expect(verdict.validationImages).toBe(20);
    expect(verdict.sentence).toMatch(/^SSL (did not beat|beat) the supervised baseline/);
    expect(Object.keys(verdict.deltas).sort()).toEqual(['brier', 'ece', 'fBeta', 'nll', 'prAuc', 'rocAuc']);
    for (const d of Object.values(verdict.deltas)) if (d.delta !== null) expect(d.low! <= d.delta + 1e-12 && d.delta <= d.high! + 1e-12).toBe(true);
    expect(text).toContain(`info verdict: ${verdict.sentence}`);
    expect(records.filter((r) => r.phase === 'cv-fold')).toHaveLength(2);
    // benchmark: pseudo-label accuracy per fold and round
    const cvRounds = records.filter((r) => r.phase === 'cv-round');
    expect(cvRounds.length).toBeGreaterThanOrEqual(2);
    for (const r of cvRounds) expect(r).toHaveProperty('pseudoAccuracy');
    // the final model trains on every labelled image, with the folds' settings, and says so
    expect(text).toMatch(/final model: \d+ baseline epochs, then .*medians over 2 folds\) — the settings the folds validated; trained on all 20 labelled images \+ the pool \(40\)/);
    const meta = out.model.meta as { split: { train: string[]; validation: string[] }; ssl: { evaluation: string; metricsAre: string } };
    expect(meta.split.train).toHaveLength(20);
    expect(meta.split.validation).toEqual([]);
    expect(meta.ssl.evaluation).toBe('cv');
    expect(meta.ssl.metricsAre).toMatch(/cross-validated estimate/);
    expect(out.figures.files.map((f) => f.name)).toEqual(expect.arrayContaining(['ssl-confidence.png', 'ssl-metrics.svg']));
    // the same seed gives the same folds, verdict and final model
    const again = await run(CV, truthLabels);
    expect(again.out.metrics.values).toEqual(out.metrics.values);
    expect(again.out.pseudoLabels).toEqual(out.pseudoLabels);
  });

  it('benchmark on one’s own labels: half the labelled images join the pool, their labels only score', async () => {
    const { out, lines, records } = await run({ ...CV, benchmark: { hideLabelsOf: 0.5 } });
    const text = lines.join('\n');
    expect(text).toMatch(/benchmark: the labels of 10 of 20 labelled images are hidden \(Normal 5, Cancer 5;/);
    expect(text).toMatch(/evaluation: cv — 1×2 outer folds of 10 labelled images/);
    const meta = out.model.meta as { split: { train: string[] } };
    expect(meta.split.train).toHaveLength(10);
    const hidden = dataset.images.filter((r) => r.split === 'labelled' && !meta.split.train.includes(r.id)).map((r) => r.id);
    expect(hidden).toHaveLength(10);
    // the hidden images are pool images now: pseudo-label candidates, scored against their true labels
    for (const r of records.filter((x) => x.phase === 'cv-round')) expect(r).toHaveProperty('pseudoAccuracy');
    expect(out.pseudoLabels.items.every((p) => !meta.split.train.includes(p.id))).toBe(true);
    await expect(run({ ...CV, evaluation: 'holdout', benchmark: { hideLabelsOf: 0.5 } })).rejects.toThrow(/hideLabelsOf needs/);
  });
});
