// fit()'s onStep hook: called once after every optimizer step, with the batch just trained on and the
// step's new weights already in the model (what a moving average of the weights reads).

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { DEFAULT_CHECKPOINT_RULE } from './checkpoint-rule.js';
import { fit, type TrainBatch } from './fit.js';

let tf: Tf;
let dir: string;
beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fit-on-step-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('fit: onStep', () => {
  it('runs after each step with that step’s batch, seeing the updated weights', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], name: 'head_logit' })] });
    model.setWeights([tf.tensor2d([0.1, -0.2], [2, 1]), tf.tensor1d([0])]);
    const batches: TrainBatch[] = [
      { data: Float32Array.from([1, 0, 0, 1]), shape: [2, 2], targets: Float32Array.from([1, 0]) },
      { data: Float32Array.from([0.5, 0.5, -1, 1, 2, 0]), shape: [3, 2], targets: Float32Array.from([1, 0, 1]) },
    ];
    const seen: { rows: number; bias: number }[] = [];
    const result = await fit(tf, model, {
      epochs: 2,
      learningRate: 0.1,
      loss: { posWeight: 1 },
      weightDecay: 0,
      train: async function* () {
        for (const b of batches) yield b;
      },
      trainSize: 5,
      validate: async () => Float32Array.from((model.predict(tf.tensor2d([1, 0, 0, 1], [2, 2])) as Tensor).dataSync()),
      validationLabels: [1, 0],
      evaluation: { threshold: 0.5, beta: 2, eceBins: 10 },
      checkpoint: DEFAULT_CHECKPOINT_RULE,
      checkpointDir: path.join(dir, 'a'),
      resumeKey: 'k',
      logger: silentLogger,
      onStep: (batch) => seen.push({ rows: batch.targets.length, bias: model.getWeights()[1]!.dataSync()[0]! }),
    });
    result.optimizer.dispose();
    expect(seen.map((s) => s.rows)).toEqual([2, 3, 2, 3]);
    // Each call sees the weights after its own step: the bias moved at the first step and at every one after.
    expect(seen[0]!.bias).not.toBe(0);
    expect(new Set(seen.map((s) => s.bias)).size).toBe(4);
    model.dispose();
  });
});
