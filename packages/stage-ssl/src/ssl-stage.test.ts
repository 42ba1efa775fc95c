import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS, createTestContext, silentLogger, type DatasetIndex, type MetricRecord, type ModelArtifact, type PoolLabels, type Tf } from '@neuro-ssl/core';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { scanDataset, writeSyntheticScans, type DataConfig } from '@neuro-ssl/core/data';
import { loadModelFolder } from '@neuro-ssl/core/learn';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { writeSupervisedModel } from './__fixtures__/supervised-model.js';
import { sslConfigSchema, type SslConfig } from './ssl-config.js';
import { sslStage } from './ssl-stage.js';

let dir: string;
let data: DataConfig;
let dataset: DatasetIndex;
let model: ModelArtifact;
let tf: Tf;
let truthLabels: PoolLabels;
let wrongLabels: PoolLabels;
const preprocess = { normalize: true, clahe: false, crop: 'brain' as const, imageSize: 32 };

/** The `with:` block as the runner hands it over: validated, defaults filled. */
function config(raw: Record<string, unknown>): SslConfig {
  const { value, issues } = validateWithSchema<SslConfig>(sslConfigSchema(), raw, { file: 'test.yaml' });
  if (issues.length) throw new Error(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return value;
}

// Probe mode at test size: the head needs a larger step than the notebook's 5e-5 to move in 12 epochs.
// These tests pin the holdout evaluation (the input model's split); evaluation: cv is ssl-cv.test.ts's.
const PROBE = { evaluation: 'holdout', schedule: { type: 'linear', from: 0.6, to: 0.9, rounds: 3 }, epochs: 12, learningRate: 0.01, views: 2, batchSize: 8, bootstrap: 200 };

interface Outcome {
  out: Awaited<ReturnType<typeof sslStage.run>>;
  lines: string[];
  records: MetricRecord[];
}

const NO_POOL_LABELS: PoolLabels = { source: null, labels: {} };

async function run(raw: Record<string, unknown>, options: { poolLabels?: PoolLabels; checkpointDir?: string; onRecord?: (r: MetricRecord, abort: () => void) => void } = {}): Promise<Outcome> {
  const lines: string[] = [];
  const records: MetricRecord[] = [];
  const controller = new AbortController();
  const ctx = createTestContext({
    runtime: { batchSize: 8 },
    seed: 5,
    lines,
    workDir: await fs.mkdtemp(path.join(dir, 'work-')),
    checkpointDir: options.checkpointDir ?? (await fs.mkdtemp(path.join(dir, 'ckpt-'))),
    signal: controller.signal,
  });
  ctx.stageId = 'ssl';
  ctx.metric = (r) => {
    records.push(r);
    options.onRecord?.(r, () => controller.abort());
  };
  const out = await sslStage.run(ctx, config(raw), { dataset, model, poolLabels: options.poolLabels ?? NO_POOL_LABELS });
  return { out, lines, records };
}

const rounds = (o: Outcome): MetricRecord[] => o.records.filter((r) => r.phase === 'round');
const weightsOf = async (m: ModelArtifact): Promise<number[][]> => {
  const loaded = await loadModelFolder(tf, m.dir);
  const values = loaded.weights.map((w) => Array.from(w.read().dataSync()));
  loaded.dispose();
  return values;
};

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ssl-stage-'));
  const scans = await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 10, unlabelledPerClass: 20, size: 40 });
  data = {
    root: scans.root,
    labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } },
    unlabelled: { dir: 'sans_label' },
    onBadFile: 'fail',
    duplicates: { threshold: 0 },
    preprocess,
  };
  dataset = await scanDataset(data, { logger: silentLogger });
  // What the runner reads from a labels file: image id → true class (and, for the wrong one, the other class).
  const rows = [...scans.unlabelledTruth];
  truthLabels = { source: 'truth.csv', labels: Object.fromEntries(rows.map(([f, l]) => [`sans_label/${f}`, l])) };
  wrongLabels = { source: 'wrong.csv', labels: Object.fromEntries(rows.map(([f, l]) => [`sans_label/${f}`, 1 - l])) };
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
  model = await writeSupervisedModel(tf, { dir: path.join(dir, 'supervised'), dataset, preprocess, trainPerClass: 6, epochs: 10, seed: 3 });
}, 120_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ssl stage, probe mode on cached features', () => {
  let benchmarked: Outcome;

  it('self-trains end to end: pseudo-labels well above chance, per-round metrics, figures, model and verdict', async () => {
    benchmarked = await run(PROBE, { poolLabels: truthLabels });
    const { out, lines } = benchmarked;
    for (const [name, kind] of [
      ['model', 'Model'],
      ['pseudoLabels', 'PseudoLabels'],
      ['metrics', 'Metrics'],
      ['figures', 'Figure'],
    ] as const) {
      expect(CODECS[kind].check(out[name]), name).toBeNull();
    }
    const perRound = rounds(benchmarked);
    expect(perRound.length).toBeGreaterThanOrEqual(1);
    expect(perRound.map((r) => r.cutoff)).toEqual([0.6, 0.75, 0.9].slice(0, perRound.length));
    // `threshold` is the decision threshold, as in the YAML; the schedule's pseudo-label cutoff is `cutoff`.
    expect(perRound.map((r) => r.threshold)).toEqual(perRound.map(() => 0.5));
    for (const r of perRound) {
      // each round trains on the 12 labelled training images plus this round's pseudo-labels only
      expect(r.trainSize).toBe(12 + (r.selected as number));
      expect(r.selected).toBe((r.selected_Cancer as number) + (r.selected_Normal as number));
      expect(r.selected).toBe(out.pseudoLabels.items.filter((p) => p.round === r.round).length);
      // the synthetic tumour is easy: pseudo-labels far above chance (0.5)
      expect(r.pseudoAccuracy as number).toBeGreaterThanOrEqual(0.8);
      for (const key of ['fBeta', 'rocAuc', 'prAuc', 'ece', 'improved', 'rolledBack', 'pseudoPrecision_Cancer', 'pseudoPrecision_Normal']) expect(r, key).toHaveProperty(key);
    }
    const items = out.pseudoLabels.items;
    expect(items.every((p) => p.id.startsWith('sans_label/') && p.path!.endsWith(p.id.slice('sans_label/'.length)))).toBe(true);
    expect(items.every((p) => (p.label === 1 ? p.confidence >= 0.6 : p.confidence <= 0.4))).toBe(true);

    // the final model is a classifier with its own calibration and the model's split
    const meta = out.model.meta as Record<string, unknown> & { split: unknown; temperature: number; metrics: Record<string, number>; ssl: { round: number } };
    expect(meta.split).toEqual(model.meta.split);
    expect(meta.metrics.fBeta).toBe(out.metrics.values.fBeta);
    expect(meta.ssl.round).toBe(out.metrics.values.finalRound);

    // verdict in the log and in the Metrics output's summary (the run folder's ssl-metrics.json)
    const summary = out.metrics.extra?.summary as { verdict: { sentence: string; deltas: Record<string, unknown> }; stop: { reason: string } };
    expect(summary.verdict.sentence).toMatch(/^SSL (beat|did not beat) the supervised baseline/);
    expect(summary.verdict.sentence).toMatch(/ΔF2 [−+]\d\.\d{3} \[[−+]\d\.\d{3}, [−+]\d\.\d{3}\]/);
    expect(lines).toContain(`info verdict: ${summary.verdict.sentence}`);
    expect(lines.filter((l) => l.startsWith('info stop: '))).toHaveLength(1);
    expect(lines.some((l) => l.includes('benchmark mode: true labels for 40 of 40 unlabelled images'))).toBe(true);
    expect(out.metrics.extra?.verdict).toEqual(summary.verdict);

    // figures: PNG + SVG of each
    const names = out.figures.files.map((f) => f.name).sort();
    expect(names).toEqual(['ssl-confidence', 'ssl-metrics', 'ssl-pseudo-labels'].flatMap((b) => [`${b}.png`, `${b}.svg`]).sort());
    const png = out.figures.files.find((f) => f.name === 'ssl-confidence.png')!;
    expect((await sharp(png.data).metadata()).format).toBe('png');
    const keep = process.env.NEURO_SSL_KEEP_FIGURES;
    if (keep) for (const f of out.figures.files) await fs.writeFile(path.join(keep, f.name), f.data);
  });

  it('is deterministic: the same seed gives the same pseudo-labels, metrics and weights', async () => {
    const again = await run(PROBE, { poolLabels: truthLabels });
    expect(again.out.pseudoLabels).toEqual(benchmarked.out.pseudoLabels);
    expect(again.out.metrics.values).toEqual(benchmarked.out.metrics.values);
    expect(rounds(again)).toEqual(rounds(benchmarked));
    expect(await weightsOf(again.out.model)).toEqual(await weightsOf(benchmarked.out.model));
  });

  it('never trains on the labels file: wrong labels or none give the same pseudo-labels and weights, only the report changes', async () => {
    const wrong = await run(PROBE, { poolLabels: wrongLabels });
    const none = await run(PROBE);
    const reference = await weightsOf(benchmarked.out.model);
    for (const other of [wrong, none]) {
      expect(other.out.pseudoLabels.items).toEqual(benchmarked.out.pseudoLabels.items);
      expect(await weightsOf(other.out.model)).toEqual(reference);
      expect(other.out.metrics.values).toEqual(benchmarked.out.metrics.values);
    }
    // the report does change: every pseudo-label is now "wrong"
    const accuracy = (o: Outcome) => rounds(o).map((r) => r.pseudoAccuracy as number);
    expect(accuracy(wrong)).toEqual(accuracy(benchmarked).map((a) => expect.closeTo(1 - a, 12)));
    expect(rounds(none).every((r) => !('pseudoAccuracy' in r))).toBe(true);
  });

  it('rolls a round back to the best weights: maxEce stops at round 1 and the output is the input model', async () => {
    const o = await run({ ...PROBE, maxEce: 1e-6 });
    const [r1] = rounds(o);
    expect(rounds(o)).toHaveLength(1);
    expect(r1!.rolledBack).toBe(true);
    // round 1 did train (its validation loss differs), and the weights went back
    const extra = o.out.metrics.extra as { rounds: { score: { loss: number } }[]; baseline: unknown };
    expect(o.lines.some((l) => l.startsWith('info stop: round 1: validation ECE') && l.endsWith('≥ maxEce 0.000001; the round is rolled back'))).toBe(true);
    expect(o.out.metrics.values.finalRound).toBe(0);
    expect(extra.rounds[0]!.score.loss).not.toBe(o.out.metrics.values.valLoss);
    expect(await weightsOf(o.out.model)).toEqual(await weightsOf(model));
  });

  it('restart: continue lowers the learning rate tenfold per round and resumes after an interruption with the same result', async () => {
    const cfg = { ...PROBE, restart: 'continue', learningRate: 0.02, patience: 5 };
    const straight = await run(cfg);
    expect(rounds(straight).map((r) => r.learningRate)).toEqual([0.02, 0.002, 0.0002].slice(0, rounds(straight).length));
    expect(rounds(straight).length).toBeGreaterThanOrEqual(2);
    const checkpointDir = await fs.mkdtemp(path.join(dir, 'resume-'));
    await expect(run(cfg, { checkpointDir, onRecord: (r, abort) => r.phase === 'round' && r.round === 1 && abort() })).rejects.toThrow(/abort/i);
    const resumed = await run(cfg, { checkpointDir });
    expect(resumed.lines.some((l) => l.includes('resuming after round 1'))).toBe(true);
    expect(resumed.out.pseudoLabels).toEqual(straight.out.pseudoLabels);
    expect(resumed.out.metrics.values).toEqual(straight.out.metrics.values);
    expect(await weightsOf(resumed.out.model)).toEqual(await weightsOf(straight.out.model));
  });

  it('balances the selection per class and refuses a labelled minimum that fills the batch', async () => {
    const o = await run({ ...PROBE, schedule: { type: 'percentile', from: 50, to: 50, rounds: 1 }, balance: 'rarer', minLabelledPerBatch: 3, mixup: { alpha: 0.4 }, softLabels: true });
    const [r] = rounds(o);
    expect(r!.selected_Cancer).toBe(r!.selected_Normal);
    expect(r!.selected_Cancer).toBe(Math.min(r!.passed_Cancer as number, r!.passed_Normal as number));
    await expect(run({ ...PROBE, minLabelledPerBatch: 8 })).rejects.toThrow('invalid ssl config: with.minLabelledPerBatch (8) must be smaller than the batch size (8)');
  });
});

describe('ssl stage, finetune on images', () => {
  it('trains the whole network on strongly augmented images with every switch on', async () => {
    const o = await run({
      evaluation: 'holdout',
      mode: 'finetune',
      schedule: { type: 'percentile', from: 10, to: 10, rounds: 1 },
      epochs: 1,
      learningRate: 1e-3,
      batchSize: 4,
      restart: 'continue',
      minLabelledPerBatch: 2,
      mixup: { alpha: 0.4 },
      softLabels: true,
      poolAugment: 'weak',
      bootstrap: 100,
    });
    const [r] = rounds(o);
    expect(r!.selected).toBe(4);
    expect(r!.trainSize).toBe(16);
    expect(o.records.filter((x) => x.phase === 'epoch')).toHaveLength(1);
    expect((o.out.model.meta as { mode: string }).mode).toBe('finetune');
    // the backbone trained: a backbone weight differs from the input model's (unless the round was rolled back)
    if (!r!.rolledBack) {
      const [before, after] = [await weightsOf(model), await weightsOf(o.out.model)];
      expect(after[0]).not.toEqual(before[0]);
    }
  });
});
