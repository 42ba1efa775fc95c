// One consistency training (FixMatch, FlexMatch) through core's `fit`: every step takes B labelled
// weak rows and μB unlabelled images; the current weights (outside the gradient) read each unlabelled
// image's weak view, the calibrated probability sigmoid(logit / T) is aligned to the labelled prior
// (distribution alignment, optional), the threshold policy masks it into hard pseudo-labels, and the
// strong views are trained on them (consistency-loss.ts). An epoch is one pass over the pool in
// unlabelled batches of μB (the labelled images are re-drawn as often as needed); the epoch is chosen
// on validation by the checkpoint rule, with the moving average of the weights when `ema` is set.
//
// A resumed training continues fit's weights and Adam state, but the moving average, the alignment's
// running mean and FlexMatch's learning status start afresh.

import type { LayersModel, Logger, Rng, Tensor, Tf } from '@neuro-ssl/core';
import { fit, restoreWeights, type BatchSource, type CheckpointRule, type EpochRecord, type EvaluationOptions } from '@neuro-ssl/core/learn';
import { consistencyLoss, type ConsistencyBatch } from './consistency-loss.js';
import type { ConsistencyViews } from './consistency-views.js';
import { DistributionAlignment } from './distribution-alignment.js';
import { WeightEma, writeWeights } from './ema.js';
import type { ThresholdPolicy } from './threshold-policy.js';

export interface ConsistencyEpoch extends EpochRecord {
  /** Share of the pool images seen this epoch whose pseudo-label passed its threshold. */
  maskRate: number;
  /** The same, split by the pseudo-label's class: the shares sum to maskRate. */
  maskRateNegative: number;
  maskRatePositive: number;
  /** [negative, positive] thresholds at the end of the epoch. */
  thresholds: [number, number];
  /** Benchmark: the share of the masked pseudo-labels that match the pool's true labels (null without truth). */
  pseudoLabelAccuracy: number | null;
  /** The alignment's running mean of the positive probability (null without alignment). */
  modelMean: number | null;
}

export interface ConsistencyTrainingOptions {
  /** Trained in place; on return it holds the chosen epoch's weights (averaged ones with `ema`). */
  model: LayersModel;
  views: ConsistencyViews;
  /** Labelled targets (0/1), in the order the views index them. */
  labelledTargets: ArrayLike<number>;
  poolSize: number;
  /** Labelled rows per step (B). */
  batchSize: number;
  /** μ: unlabelled images per step = μ·B. */
  ratio: number;
  epochs: number;
  learningRate: number;
  weightDecay: number;
  posWeight: number;
  /** λu. */
  unlabelledWeight: number;
  policy: ThresholdPolicy;
  /** The weak view's probability is sigmoid(logit / temperature). */
  temperature: number;
  /** Labelled prior of the positive class for distribution alignment; null: no alignment. */
  alignPrior: number | null;
  /** Decay of the weights' moving average for evaluation and the kept model; null: the weights themselves. */
  ema: number | null;
  /** The model (as it is when called) on the validation rows: logits. */
  validate: () => Promise<Float32Array>;
  validationLabels: ArrayLike<number>;
  evaluation: EvaluationOptions;
  checkpoint: CheckpointRule;
  checkpointDir: string;
  resumeKey: string;
  rng: Rng;
  logger: Logger;
  label?: string;
  /** Benchmark: true label per pool index (NaN: unknown). */
  truth?: Float32Array;
  signal?: AbortSignal;
  onEpoch?: (record: ConsistencyEpoch) => void;
}

export interface ConsistencyResult {
  history: ConsistencyEpoch[];
  /** 1-based; 0 when no epoch completed (the model is then as it started). */
  bestEpoch: number;
  /** The kept weights on the validation rows. */
  validationLogits: Float32Array;
  /** Pool index → the last pseudo-label that passed its threshold (−1: never), for the PseudoLabels artifact. */
  lastPseudoLabels: Int32Array;
  lastConfidences: Float32Array;
}

interface EpochTally {
  seen: number;
  masked: [number, number];
  correct: number;
  known: number;
}

export async function trainConsistency(tf: Tf, o: ConsistencyTrainingOptions): Promise<ConsistencyResult> {
  if (o.poolSize === 0) throw new Error('consistency training: the pool is empty');
  if (o.labelledTargets.length === 0) throw new Error('consistency training: no labelled image');
  const unlabelledPerStep = Math.max(1, Math.round(o.ratio * o.batchSize));
  const alignment = o.alignPrior === null ? null : new DistributionAlignment(o.alignPrior);
  const ema = o.ema === null ? null : new WeightEma(tf, o.model, o.ema);
  const lastPseudoLabels = new Int32Array(o.poolSize).fill(-1);
  const lastConfidences = new Float32Array(o.poolSize);
  const tallies: EpochTally[] = [];
  const rowSize = o.views.rowShape.reduce((a, b) => a * b, 1);

  // In chunks of the labelled batch size: μB images at once would be a large inference batch in image modes.
  const predictLogits = (data: Float32Array, rows: number): Float32Array => {
    const out = new Float32Array(rows);
    for (let i = 0; i < rows; i += o.batchSize) {
      const k = Math.min(o.batchSize, rows - i);
      out.set(tf.tidy(() => (o.model.predict(tf.tensor(data.subarray(i * rowSize, (i + k) * rowSize), [k, ...o.views.rowShape])) as Tensor).dataSync() as Float32Array), i);
    }
    return out;
  };

  const source: BatchSource<ConsistencyBatch> = async function* (epoch) {
    const rng = o.rng.fork(`epoch-${epoch}`);
    const poolOrder = rng.fork('pool').shuffle(Array.from({ length: o.poolSize }, (_, i) => i));
    const labelledRng = rng.fork('labelled');
    let labelledOrder: number[] = [];
    const tally: EpochTally = { seen: 0, masked: [0, 0], correct: 0, known: 0 };
    tallies[epoch] = tally;
    for (let start = 0, step = 0; start < poolOrder.length; start += unlabelledPerStep, step++) {
      const poolIndices = poolOrder.slice(start, start + unlabelledPerStep);
      const labelledIndices: number[] = [];
      while (labelledIndices.length < o.batchSize) {
        if (labelledOrder.length === 0) labelledOrder = labelledRng.shuffle(Array.from({ length: o.labelledTargets.length }, (_, i) => i));
        labelledIndices.push(labelledOrder.pop()!);
      }
      const stepRng = rng.fork(`step-${step}`);
      const weak = await o.views.poolWeak(poolIndices, stepRng.fork('weak'));
      // The pseudo-labels: current weights, inference mode, no gradient.
      const logits = predictLogits(weak, poolIndices.length);
      const calibrated = Float32Array.from(logits, (z) => 1 / (1 + Math.exp(-z / o.temperature)));
      const probabilities = alignment ? alignment.updateAndAlign(calibrated) : calibrated;
      const masked = o.policy.mask(poolIndices, probabilities);
      poolIndices.forEach((p, k) => {
        tally.seen++;
        if (masked.mask[k] === 0) return;
        const label = masked.labels[k]!;
        tally.masked[label]!++;
        lastPseudoLabels[p] = label;
        lastConfidences[p] = masked.confidence[k]!;
        const truth = o.truth?.[p];
        if (truth !== undefined && !Number.isNaN(truth)) {
          tally.known++;
          if (truth === label) tally.correct++;
        }
      });
      const labelledRows = await o.views.labelled(labelledIndices, stepRng.fork('labelled'));
      const strong = await o.views.poolStrong(poolIndices, stepRng.fork('strong'));
      const rows = labelledIndices.length + poolIndices.length;
      const data = new Float32Array(rows * rowSize);
      data.set(labelledRows, 0);
      data.set(strong, labelledRows.length);
      const targets = new Float32Array(rows);
      labelledIndices.forEach((i, k) => (targets[k] = o.labelledTargets[i]!));
      targets.set(masked.labels, labelledIndices.length);
      yield { data, shape: [rows, ...o.views.rowShape], targets, labelledRows: labelledIndices.length, mask: masked.mask, poolIndices };
    }
  };

  let bestAverage: Float32Array[] | null = null;
  const history: ConsistencyEpoch[] = [];
  const result = await fit<ConsistencyBatch>(tf, o.model, {
    epochs: o.epochs,
    learningRate: o.learningRate,
    loss: { posWeight: o.posWeight },
    batchLoss: consistencyLoss({ posWeight: o.posWeight, unlabelledWeight: o.unlabelledWeight }),
    weightDecay: o.weightDecay,
    train: source,
    trainSize: Math.ceil(o.poolSize / unlabelledPerStep) * o.batchSize + o.poolSize,
    validate: () => (ema ? ema.withAverage(o.validate) : o.validate()),
    validationLabels: o.validationLabels,
    evaluation: o.evaluation,
    checkpoint: o.checkpoint,
    checkpointDir: o.checkpointDir,
    resumeKey: o.resumeKey,
    dropoutSeed: o.rng.fork('dropout').seed,
    logger: o.logger,
    quietEpochs: true,
    ...(o.label ? { label: o.label } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(ema ? { onStep: () => ema.update() } : {}),
    onEpoch: (record) => {
      if (ema && record.best) bestAverage = ema.snapshot();
      const t = tallies[record.epoch - 1] ?? { seen: 0, masked: [0, 0], correct: 0, known: 0 };
      const share = (n: number): number => (t.seen ? n / t.seen : 0);
      const full: ConsistencyEpoch = {
        ...record,
        maskRate: share(t.masked[0] + t.masked[1]),
        maskRateNegative: share(t.masked[0]),
        maskRatePositive: share(t.masked[1]),
        thresholds: o.policy.thresholds(),
        pseudoLabelAccuracy: t.known ? t.correct / t.known : null,
        modelMean: alignment ? alignment.modelMean : null,
      };
      history.push(full);
      o.onEpoch?.(full);
    },
  });
  // The kept weights: the best epoch's average (ema), else fit's best checkpoint.
  if (result.bestEpoch > 0) {
    if (ema && bestAverage) writeWeights(tf, o.model, bestAverage);
    else await restoreWeights(tf, o.model, result.bestDir);
  }
  return { history, bestEpoch: result.bestEpoch, validationLogits: await o.validate(), lastPseudoLabels, lastConfidences };
}
