// The self-training stage with evaluation: cv (the default for small labelled sets): both arms per
// fold, a verdict on every labelled image out of fold, and a final model on every labelled image.
import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS, type DatasetIndex, type PoolLabels } from '@neuro-ssl/core';
import { runSslStage, syntheticSslData, type SyntheticSslData } from './__fixtures__/synthetic-ssl-run.js';
import { sslStage } from './ssl-stage.js';

let data: SyntheticSslData;
let dataset: DatasetIndex;
let truthLabels: PoolLabels;
const NO_POOL_LABELS: PoolLabels = { source: null, labels: {} };

// Probe mode at test size; two outer folds keep the test short.
const CV = { schedule: { type: 'linear', from: 0.6, to: 0.9, rounds: 2 }, epochs: 8, learningRate: 0.01, views: 2, batchSize: 8, bootstrap: 200, cv: { folds: 2 } };

async function run(raw: Record<string, unknown>, poolLabels: PoolLabels = NO_POOL_LABELS) {
  return runSslStage(data, sslStage, raw, { batchSize: 8, poolLabels });
}

beforeAll(async () => {
  data = await syntheticSslData('ssl-cv-');
  ({ dataset, truthLabels } = data);
}, 120_000);

afterAll(async () => {
  await fs.rm(data.dir, { recursive: true, force: true });
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
