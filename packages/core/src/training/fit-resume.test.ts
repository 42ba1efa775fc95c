// A training interrupted after any epoch and resumed from its checkpoint ends bit for bit where the
// uninterrupted one does (cpu backend): weights, Adam's state, the history. What used to differ:
// TF.js's Adam recomputes its bias-correction products as pow(β, t + 1) on restore, while training
// multiplies them step by step in float32 (a relative 1e-6 on every later update); and dropout masks
// seeded from Math.random.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { createRng } from '../util/rng.js';
import { DEFAULT_CHECKPOINT_RULE } from './checkpoint-rule.js';
import { epochResults, fit, type EpochRecord, type TrainBatch } from './fit.js';

let tf: Tf;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fit-resume-'));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const ROWS = 48;
const DIM = 6;
const rng = createRng(5);
const X = Float32Array.from({ length: ROWS * DIM }, () => rng.normal());
const Y = Float32Array.from({ length: ROWS }, (_, i) => ((X[i * DIM]! + 0.5 * X[i * DIM + 1]! + 0.3 * rng.normal()) > 0 ? 1 : 0));

/** Hidden layer, dropout, logit; fixed starting weights (seeded), whatever `seed` the caller passes. */
function model(seed = 1): LayersModel {
  const m = tf.sequential({
    layers: [
      tf.layers.dense({ units: 8, inputShape: [DIM], activation: 'relu', name: 'hidden' }),
      tf.layers.dropout({ rate: 0.3, name: 'drop' }),
      tf.layers.dense({ units: 1, name: 'logit' }),
    ],
  });
  const init = createRng(seed);
  m.setWeights(m.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => init.normal() * 0.3), w.shape)));
  return m;
}

/** Batches of 6 rows in an order that depends on the epoch only (as the real batch sources do). */
async function* batches(epoch: number): AsyncIterable<TrainBatch> {
  const order = createRng(100 + epoch).shuffle(Array.from({ length: ROWS }, (_, i) => i));
  for (let i = 0; i < ROWS; i += 6) {
    const rows = order.slice(i, i + 6);
    const data = new Float32Array(rows.length * DIM);
    rows.forEach((r, k) => data.set(X.subarray(r * DIM, (r + 1) * DIM), k * DIM));
    yield { data, shape: [rows.length, DIM], targets: Float32Array.from(rows, (r) => Y[r]!) };
  }
}

async function train(m: LayersModel, checkpointDir: string, options: { stopAfter?: number; log?: string[] } = {}) {
  const controller = new AbortController();
  const xs = tf.tensor2d(X, [ROWS, DIM]);
  try {
    const result = await fit(tf, m, {
      epochs: 12,
      learningRate: 0.01,
      loss: { posWeight: 2 },
      weightDecay: 1e-3,
      train: batches,
      trainSize: ROWS,
      validate: async () => {
        const out = m.predict(xs) as Tensor;
        const values = Float32Array.from(await out.data());
        out.dispose();
        return values;
      },
      validationLabels: Array.from(Y),
      evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
      checkpoint: DEFAULT_CHECKPOINT_RULE,
      checkpointDir,
      resumeKey: 'k',
      dropoutSeed: 77,
      logger: { ...silentLogger, info: (line: string) => void options.log?.push(line) },
      signal: controller.signal,
      onEpoch: (r: EpochRecord) => {
        if (r.epoch === options.stopAfter) controller.abort(new Error('interrupted'));
      },
    });
    const weights = m.getWeights().map((w) => Array.from(w.dataSync()));
    const adam = (await result.optimizer.getWeights()).map((w) => Array.from(w.tensor.dataSync())); // step count, then the moments
    result.optimizer.dispose();
    return { result, weights, adam };
  } finally {
    xs.dispose();
  }
}

// cpu: plain JS, one thread, the same operations in the same order → the same floats. wasm (XNNPACK,
// single-threaded under Node) is as deterministic here. GPU backends reduce in parallel, in an order
// that may change from run to run: a resumed run there agrees to float rounding, not to the bit.
describe.each(['cpu', 'wasm'] as const)('fit: resume, on %s', (backend) => {
  beforeAll(async () => {
    tf = (await loadTensorflow({ backend })).tf;
  });

  it('an interruption after epoch 7 of 12 (56 Adam steps), resumed, ends bit for bit where the uninterrupted training does', async () => {
    const straight = await train(model(), await fs.mkdtemp(path.join(dir, 'straight-')));
    expect(straight.result.history).toHaveLength(12);

    const checkpointDir = await fs.mkdtemp(path.join(dir, 'resumed-'));
    const cut = await train(model(), checkpointDir, { stopAfter: 7 });
    expect(cut.result.stopped).toBe('interrupted');
    expect(cut.result.history).toHaveLength(7);
    const log: string[] = [];
    const resumed = await train(model(9), checkpointDir, { log }); // another init: the checkpoint replaces it
    expect(log.join('\n')).toMatch(/resuming after epoch 7/);

    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.adam).toEqual(straight.adam);
    expect(epochResults(resumed.result.history)).toEqual(epochResults(straight.result.history));
    expect(resumed.result.bestEpoch).toBe(straight.result.bestEpoch);
  }, 120_000);

  it('dropout masks come from the seed: two trainings are identical, and the saved topology carries no seed', async () => {
    const a = await train(model(), await fs.mkdtemp(path.join(dir, 'a-')));
    const b = await train(model(), await fs.mkdtemp(path.join(dir, 'b-')));
    expect(b.weights).toEqual(a.weights);
    const m = model();
    await train(m, await fs.mkdtemp(path.join(dir, 'c-')));
    expect(JSON.stringify(m.layers[1]!.getConfig())).not.toContain('seed');
  }, 120_000);

});

describe('epochResults', () => {
  it('drops the wall-clock timings and keeps everything else', () => {
    const record = { epoch: 1, trainLoss: 0.5, valLoss: 0.6, seconds: 3.2, samplesPerSecond: 15, best: true } as unknown as EpochRecord;
    expect(epochResults([record])).toEqual([{ epoch: 1, trainLoss: 0.5, valLoss: 0.6, best: true }]);
  });
});
