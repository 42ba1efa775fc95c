// A two-class problem whose truth is known in closed form, for checking the estimates the stage
// reports: features x ~ N(±(δ/2)·e₁, I) in `dim` dimensions (one informative, the rest noise), and a
// logistic-regression "head" trained as the probe trains its head (seeded init, Adam on mini-batches
// of BCE, one validation pass per epoch, the best epoch kept by core's checkpoint rule). For a linear
// score s = w·x + b, s | y is normal, so the model's true AUC, recall, false-positive rate, Brier score
// and log-loss on new images are integrals over one dimension.

import { createRng, type Rng } from '@neuro-ssl/core';
import { FIXED_SCHEDULE_RULE, evaluateBinary, improves, metrics, type CheckpointRule, type CheckpointScore, type EpochRecord, type SplitItem } from '@neuro-ssl/core/learn';
import type { SplitTrainer, TrainedRun } from '../nested-cv.js';

export interface GaussianProblem {
  dim: number;
  /** Separation of the class means along the first axis: Bayes AUC = Φ(δ/√2). */
  delta: number;
}

export interface Sample {
  items: SplitItem[];
  features: Map<string, Float64Array>;
}

/** n images, half of each class, one group each. */
export function sample(problem: GaussianProblem, n: number, rng: Rng): Sample {
  const items: SplitItem[] = [];
  const features = new Map<string, Float64Array>();
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    const x = Float64Array.from({ length: problem.dim }, () => rng.normal());
    x[0] = x[0]! + (label === 1 ? problem.delta / 2 : -problem.delta / 2);
    const id = `img${String(i).padStart(4, '0')}`;
    items.push({ id, label, group: id });
    features.set(id, x);
  }
  return { items, features };
}

export interface LinearModel {
  w: Float64Array;
  b: number;
}

export interface LogisticSettings {
  epochs: number;
  learningRate: number;
  batchSize: number;
  checkpoint: CheckpointRule;
}

const sig = (z: number): number => metrics.sigmoid(z);

function logits(model: LinearModel, ids: readonly string[], features: ReadonlyMap<string, Float64Array>): Float32Array {
  return Float32Array.from(ids, (id) => {
    const x = features.get(id)!;
    let z = model.b;
    for (let j = 0; j < x.length; j++) z += model.w[j]! * x[j]!;
    return z;
  });
}

/** Adam on BCE over seeded mini-batches; every epoch scored on `score`; the best (or last) epoch kept. */
function train(s: Sample, ids: readonly string[], score: readonly string[], settings: LogisticSettings, rule: CheckpointRule, rng: Rng): TrainedRun<LinearModel> {
  const dim = s.features.get(ids[0]!)!.length;
  const bound = 1 / Math.sqrt(dim);
  const model: LinearModel = { w: Float64Array.from({ length: dim }, () => (rng.next() * 2 - 1) * bound), b: (rng.next() * 2 - 1) * bound };
  const m = new Float64Array(dim + 1);
  const v = new Float64Array(dim + 1);
  const [b1, b2, eps] = [0.9, 0.999, 1e-7];
  const label = new Map(s.items.map((i) => [i.id, i.label]));
  const scoreLabels = score.map((id) => label.get(id)!);
  let step = 0;
  let best: { score: CheckpointScore; epoch: number; model: LinearModel; logits: Float32Array } | null = null;
  const history: EpochRecord[] = [];
  for (let e = 0; e < settings.epochs; e++) {
    const order = rng.fork(`epoch-${e}`).shuffle([...ids]);
    for (let k = 0; k < order.length; k += settings.batchSize) {
      const batch = order.slice(k, k + settings.batchSize);
      const grad = new Float64Array(dim + 1);
      for (const id of batch) {
        const x = s.features.get(id)!;
        let z = model.b;
        for (let j = 0; j < dim; j++) z += model.w[j]! * x[j]!;
        const r = (sig(z) - label.get(id)!) / batch.length;
        for (let j = 0; j < dim; j++) grad[j] = grad[j]! + r * x[j]!;
        grad[dim] = grad[dim]! + r;
      }
      step++;
      for (let j = 0; j <= dim; j++) {
        m[j] = b1 * m[j]! + (1 - b1) * grad[j]!;
        v[j] = b2 * v[j]! + (1 - b2) * grad[j]! * grad[j]!;
        const update = (settings.learningRate * (m[j]! / (1 - b1 ** step))) / (Math.sqrt(v[j]! / (1 - b2 ** step)) + eps);
        if (j < dim) model.w[j] = model.w[j]! - update;
        else model.b -= update;
      }
    }
    const z = logits(model, score, s.features);
    const evaluation = evaluateBinary(scoreLabels, z, { threshold: 0.5, beta: 2, eceBins: 15 });
    const record: EpochRecord = { ...evaluation, epoch: e + 1, trainLoss: Number.NaN, valLoss: evaluation.nll, seconds: 0, samplesPerSecond: 0, best: false };
    const current: CheckpointScore = { evaluation, loss: evaluation.nll };
    if (improves(rule, current, best?.score ?? null)) {
      record.best = true;
      best = { score: current, epoch: e + 1, model: { w: Float64Array.from(model.w), b: model.b }, logits: z };
    }
    history.push(record);
  }
  return { model: best!.model, bestEpoch: best!.epoch, history, logits: best!.logits };
}

/** The stage's trainer interface over the synthetic features; `trained` sees every reporting model by label. */
export function logisticTrainer(s: Sample, settings: LogisticSettings, seed: number, trained?: Map<string, LinearModel>): SplitTrainer<LinearModel> {
  const keep = (label: string, run: TrainedRun<LinearModel>): TrainedRun<LinearModel> => {
    if (!label.includes('-inner')) trained?.set(label, run.model);
    return run;
  };
  return {
    select: async (ids, validation, label) => keep(label, train(s, ids, validation, settings, settings.checkpoint, createRng(seed).fork(label))),
    fixed: async (ids, score, epochs, label) => keep(label, train(s, ids, score, { ...settings, epochs }, FIXED_SCHEDULE_RULE, createRng(seed).fork(label))),
    release: () => undefined,
  };
}

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 on erf; |error| < 1.5e-7). */
export function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/** E f(s) for s ~ N(mean, sd²): Simpson's rule over mean ± 9 sd. */
function expectNormal(mean: number, sd: number, f: (s: number) => number): number {
  const steps = 600;
  const h = (18 * sd) / steps;
  let sum = 0;
  for (let i = 0; i <= steps; i++) {
    const s = mean - 9 * sd + i * h;
    const u = (s - mean) / sd;
    const weight = i === 0 || i === steps ? 1 : i % 2 === 1 ? 4 : 2;
    sum += weight * f(s) * Math.exp(-0.5 * u * u);
  }
  return (sum * h) / 3 / (sd * Math.sqrt(2 * Math.PI));
}

export interface TrueMetrics {
  rocAuc: number;
  recall: number;
  /** False-positive rate. */
  fpr: number;
  brier: number;
  nll: number;
}

/** What a linear model, at temperature T and threshold t, really scores on new images (classes balanced). */
export function trueMetrics(problem: GaussianProblem, model: LinearModel, temperature: number, threshold: number): TrueMetrics {
  let norm = 0;
  for (const w of model.w) norm += w * w;
  norm = Math.sqrt(norm);
  const shift = (model.w[0]! * problem.delta) / 2;
  const mean = [model.b - shift, model.b + shift];
  const cut = temperature * Math.log(threshold / (1 - threshold));
  const softplus = (x: number): number => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  const perClass = (y: 0 | 1): { brier: number; nll: number } => ({
    brier: expectNormal(mean[y]!, norm, (s) => (sig(s / temperature) - y) ** 2),
    nll: expectNormal(mean[y]!, norm, (s) => softplus(s / temperature) - y * (s / temperature)),
  });
  const [c0, c1] = [perClass(0), perClass(1)];
  return {
    rocAuc: phi((model.w[0]! * problem.delta) / (Math.SQRT2 * norm)),
    recall: 1 - phi((cut - mean[1]!) / norm),
    fpr: 1 - phi((cut - mean[0]!) / norm),
    brier: (c0.brier + c1.brier) / 2,
    nll: (c0.nll + c1.nll) / 2,
  };
}

/** Population F-beta from recall and false-positive rate at prevalence 1/2. */
export function fBetaOf(recall: number, fpr: number, beta: number): number {
  const precision = recall + fpr === 0 ? 0 : recall / (recall + fpr);
  const b2 = beta * beta;
  return precision + recall === 0 ? 0 : ((1 + b2) * precision * recall) / (b2 * precision + recall);
}
