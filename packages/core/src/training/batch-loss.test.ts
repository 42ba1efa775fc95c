// fit()'s per-batch loss hook: the default (weighted BCE) gives the very floats the loop gave before
// the hook existed, and a custom hook is what trains.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel, Scalar } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { DEFAULT_CHECKPOINT_RULE } from './checkpoint-rule.js';
import { fit, weightedBceLoss, type BatchLoss, type FitOptions, type LossContext, type TrainBatch } from './fit.js';

let tf: Tf;
let dir: string;

beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'batch-loss-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

// Eight rows of three features; the second batch has soft targets and per-row weights (one of them 0).
const X = [0.5, -1, 2, 1, 0.3, -0.7, -1.2, 0.8, 0.1, 0.9, 0.9, -0.4, -0.3, -0.6, 1.5, 2, -0.2, 0.6, 0.1, 1.1, -1.3, -0.8, 0.4, 0.2];
const BATCHES: TrainBatch[] = [
  { data: Float32Array.from(X.slice(0, 12)), shape: [4, 3], targets: Float32Array.from([1, 0, 1, 0]) },
  { data: Float32Array.from(X.slice(12, 24)), shape: [4, 3], targets: Float32Array.from([0.8, 0, 1, 0.3]), weights: Float32Array.from([1, 0.5, 2, 0]) },
];
const VALIDATION_LABELS = [1, 0, 1, 0, 0, 1, 1, 0];

/** A linear head with fixed starting weights. */
function head(): LayersModel {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [3], name: 'head_logit' })] });
  m.layers[0]!.setWeights([tf.tensor2d([0.2, -0.1, 0.05], [3, 1]), tf.tensor1d([0.1])]);
  return m;
}

async function train<B extends TrainBatch>(model: LayersModel, over: Partial<FitOptions<B>> & Pick<FitOptions<B>, 'loss' | 'weightDecay'>, batches: B[]) {
  const valX = tf.tensor2d(X, [8, 3]);
  const result = await fit<B>(tf, model, {
    epochs: 3,
    learningRate: 0.05,
    train: async function* () {
      for (const b of batches) yield b;
    },
    trainSize: 8,
    validate: async () => Float32Array.from((model.predict(valX) as import('@tensorflow/tfjs').Tensor).dataSync()),
    validationLabels: VALIDATION_LABELS,
    evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
    checkpoint: DEFAULT_CHECKPOINT_RULE,
    checkpointDir: await fs.mkdtemp(path.join(dir, 'ckpt-')),
    resumeKey: 'k',
    logger: silentLogger,
    ...over,
  });
  valX.dispose();
  result.optimizer.dispose();
  return { result, weights: model.getWeights().map((t) => Array.from(t.dataSync())) };
}

describe('fit: the per-batch loss hook', () => {
  // Recorded with the loop as it was before the hook (BCE written inline in fit, commit 657cd22), on
  // the cpu backend: the default hook must reproduce these floats exactly.
  const BEFORE = [
    {
      loss: { posWeight: 3, labelSmoothing: 0.1 },
      weightDecay: 0.01,
      trainLoss: [1.5985272526741028, 1.4686022996902466, 1.3644299507141113],
      valLoss: [1.280506369944336, 1.2497716960938423, 1.2287935603983682],
      weights: [[-0.0646432489156723, -0.008301068097352982, 0.10370311141014099], [0.3805042505264282]],
    },
    {
      loss: { posWeight: 1 },
      weightDecay: 0,
      trainLoss: [0.7541539072990417, 0.7091188132762909, 0.6745755970478058],
      valLoss: [0.6894893732005241, 0.6921770288298094, 0.6975178860426656],
      weights: [[-0.08017703890800476, -0.08039027452468872, 0.11714507639408112], [0.19787777960300446]],
    },
  ];

  it('the default is weighted BCE (pos_weight, label smoothing, row weights, weight decay): the same floats as before the hook', async () => {
    for (const before of BEFORE) {
      const implicit = await train(head(), { loss: before.loss, weightDecay: before.weightDecay }, BATCHES);
      expect(implicit.result.history.map((h) => h.trainLoss)).toEqual(before.trainLoss);
      expect(implicit.result.history.map((h) => h.valLoss)).toEqual(before.valLoss);
      expect(implicit.weights).toEqual(before.weights);
      // Named explicitly, the default hook is the same path.
      const explicit = await train(head(), { loss: before.loss, weightDecay: before.weightDecay, batchLoss: weightedBceLoss(before.loss) }, BATCHES);
      expect(explicit.weights).toEqual(before.weights);
    }
  });

  it('a custom hook gets every batch and the model, and its gradient is what trains', async () => {
    const model = head();
    const seen: LossContext[] = [];
    // Pulls the first kernel weight to 0.7 and ignores the targets: nothing else may move.
    const pull: BatchLoss = (ctx) => {
      seen.push(ctx);
      const kernel = ctx.model.trainableWeights[0]!.read();
      return kernel.slice([0, 0], [1, 1]).sub(0.7).square().sum() as Scalar;
    };
    const before = model.getWeights().map((t) => Array.from(t.dataSync()));
    const { result, weights } = await train(model, { loss: { posWeight: 3 }, weightDecay: 0, epochs: 60, batchLoss: pull }, BATCHES);
    expect(seen).toHaveLength(60 * BATCHES.length);
    expect(seen.slice(0, 2).map((c) => c.batch)).toEqual(BATCHES);
    expect(seen.every((c) => c.model === model && c.training === true && c.tf === tf)).toBe(true);
    expect(weights[0]![0]).toBeCloseTo(0.7, 2);
    expect(weights[0]!.slice(1)).toEqual(before[0]!.slice(1));
    expect(weights[1]).toEqual(before[1]);
    // The reported training loss is the hook's.
    expect(result.history.at(-1)!.trainLoss).toBeLessThan(1e-4);
  });

  it('a batch type with more than one view takes a consistency loss (weak → strong, FixMatch-style) in the same loop', async () => {
    interface TwoViewBatch extends TrainBatch {
      /** The same rows under strong augmentation. */
      strong: Float32Array;
    }
    const strongOf = (b: TrainBatch): TwoViewBatch => ({ ...b, strong: b.data.map((v, i) => v * (i % 2 ? 0.8 : 1.2)) });
    const confident = 0.5;
    // Hard pseudo-labels from the weak view (no gradient through them), BCE of the strong view against them.
    const consistency: BatchLoss<TwoViewBatch> = ({ tf: t, batch, forward }) => {
      const weak = forward(batch.data, batch.shape).dataSync();
      const pseudo = t.tensor1d(Array.from(weak, (z) => (1 / (1 + Math.exp(-z)) >= confident ? 1 : 0)));
      const strong = forward(batch.strong, batch.shape).reshape([-1]);
      return t.losses.sigmoidCrossEntropy(pseudo, strong) as Scalar;
    };
    const { result } = await train<TwoViewBatch>(head(), { loss: { posWeight: 1 }, weightDecay: 0, batchLoss: consistency }, BATCHES.map(strongOf));
    expect(result.history).toHaveLength(3);
    expect(result.history.every((h) => Number.isFinite(h.trainLoss))).toBe(true);
    expect(result.history[2]!.trainLoss).toBeLessThan(result.history[0]!.trainLoss);
  });
});
