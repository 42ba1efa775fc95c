// A training interrupted after any epoch and resumed from its checkpoint ends bit for bit where the
// uninterrupted one does (cpu backend): weights, Adam's state, the history. What used to differ:
// TF.js's Adam recomputes its bias-correction products as pow(β, t + 1) on restore, while training
// multiplies them step by step in float32 (a relative 1e-6 on every later update); and dropout masks
// seeded from Math.random. The same holds whether checkpoints are written after every epoch or by
// time (checkpointEverySeconds): then the last completed epoch, held in memory, is written when the
// run is interrupted — after an epoch, in the middle of one, or by an error.

import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { createRng } from '../util/rng.js';
import { DEFAULT_CHECKPOINT_RULE, type CheckpointRule } from './checkpoint-rule.js';
import { epochResults, fit, type EpochRecord, type TrainBatch } from './fit.js';
import { restoreWeights } from './model-folder.js';

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

/** 8 steps of 6 rows per epoch; 1-based epochs, 0-based steps below. */
interface TrainOptions {
  /** Abort after this epoch (from onEpoch). */
  stopAfter?: number;
  /** Abort in the middle of an epoch, once this many of its steps have run. */
  abortAt?: { epoch: number; steps: number };
  /** The batch source throws in this epoch, once this many of its steps have run. */
  failAt?: { epoch: number; steps: number };
  /** fit's checkpointEverySeconds (default: fit's). */
  every?: number;
  /** Validation labels other than the training ones (default Y) and the rule choosing the best epoch. */
  validationLabels?: number[];
  checkpoint?: CheckpointRule;
  patience?: number;
  log?: string[];
  onEpoch?: (r: EpochRecord, m: LayersModel) => void;
}

const weightsOf = (m: LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));

async function train(m: LayersModel, checkpointDir: string, options: TrainOptions = {}) {
  const controller = new AbortController();
  const xs = tf.tensor2d(X, [ROWS, DIM]);
  const source = async function* (epoch: number): AsyncIterable<TrainBatch> {
    let steps = 0;
    for await (const batch of batches(epoch)) {
      if (options.failAt && epoch + 1 === options.failAt.epoch && steps === options.failAt.steps) throw new Error('the batch source failed');
      if (options.abortAt && epoch + 1 === options.abortAt.epoch && steps === options.abortAt.steps) controller.abort(new Error('interrupted'));
      steps++;
      yield batch;
    }
  };
  const tensors = tf.memory().numTensors;
  try {
    const result = await fit(tf, m, {
      epochs: 12,
      learningRate: 0.01,
      loss: { posWeight: 2 },
      weightDecay: 1e-3,
      train: source,
      trainSize: ROWS,
      validate: async () => {
        const out = m.predict(xs) as Tensor;
        const values = Float32Array.from(await out.data());
        out.dispose();
        return values;
      },
      validationLabels: options.validationLabels ?? Array.from(Y),
      evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
      checkpoint: options.checkpoint ?? DEFAULT_CHECKPOINT_RULE,
      checkpointDir,
      resumeKey: 'k',
      dropoutSeed: 77,
      ...(options.every !== undefined ? { checkpointEverySeconds: options.every } : {}),
      ...(options.patience !== undefined ? { patience: options.patience } : {}),
      logger: { ...silentLogger, info: (line: string) => void options.log?.push(line) },
      signal: controller.signal,
      onEpoch: (r: EpochRecord) => {
        options.onEpoch?.(r, m);
        if (r.epoch === options.stopAfter) controller.abort(new Error('interrupted'));
      },
    });
    const weights = weightsOf(m);
    const named = await result.optimizer.getWeights(); // the step count (a fresh scalar), then the moments
    const adam = named.map((w) => Array.from(w.tensor.dataSync()));
    named[0]!.tensor.dispose();
    result.optimizer.dispose();
    // Whatever was held between checkpoints (snapshots of the weights and of Adam) is released.
    const leaked = tf.memory().numTensors - tensors;
    return { result, weights, adam, leaked };
  } finally {
    xs.dispose();
  }
}

/**
 * What a checkpoint folder holds, less what differs between two runs of the same training: the
 * model's auto-numbered name (sequential_1, sequential_2…) and the wall-clock timings of the history.
 */
async function folder(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const name of (await fs.readdir(dir)).sort()) {
    const bytes = await fs.readFile(path.join(dir, name));
    if (name === 'model.json') {
      const json = JSON.parse(bytes.toString('utf8')) as { modelTopology: { config: { name?: string } } };
      delete json.modelTopology.config.name;
      files[name] = JSON.stringify(json);
    } else if (name === 'state.json') {
      const state = JSON.parse(bytes.toString('utf8')) as { history: EpochRecord[] };
      files[name] = JSON.stringify({ ...state, history: epochResults(state.history) });
    } else files[name] = bytes.toString('base64');
  }
  return files;
}

const exists = (p: string): Promise<boolean> => fs.access(p).then(
  () => true,
  () => false,
);

// cpu: plain JS, one thread, the same operations in the same order → the same floats. wasm (XNNPACK,
// single-threaded under Node) is as deterministic here. GPU backends reduce in parallel, in an order
// that may change from run to run: a resumed run there agrees to float rounding, not to the bit.
describe.each(['cpu', 'wasm'] as const)('fit: resume, on %s', (backend) => {
  beforeAll(async () => {
    tf = (await loadTensorflow({ backend })).tf;
  });

  // 0: a checkpoint after every epoch; 1e9 s: none by time, only the final epoch and the interruption.
  it.each([0, 1e9])('an interruption after epoch 7 of 12 (56 Adam steps), resumed, ends bit for bit where the uninterrupted training does (checkpoint every %s s)', async (every) => {
    const straight = await train(model(), await fs.mkdtemp(path.join(dir, 'straight-')), { every });
    expect(straight.result.history).toHaveLength(12);
    expect(straight.leaked).toBe(0);

    const checkpointDir = await fs.mkdtemp(path.join(dir, 'resumed-'));
    const cut = await train(model(), checkpointDir, { stopAfter: 7, every });
    expect(cut.result.stopped).toBe('interrupted');
    expect(cut.result.history).toHaveLength(7);
    expect(cut.leaked).toBe(0);
    const log: string[] = [];
    const resumed = await train(model(9), checkpointDir, { log, every }); // another init: the checkpoint replaces it
    expect(log.join('\n')).toMatch(/resuming after epoch 7/);

    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.adam).toEqual(straight.adam);
    expect(epochResults(resumed.result.history)).toEqual(epochResults(straight.result.history));
    expect(resumed.result.bestEpoch).toBe(straight.result.bestEpoch);
  }, 120_000);

  it('checkpoints by time: nothing is written while the interval has not passed, and an interruption writes the last completed epoch', async () => {
    const checkpointDir = await fs.mkdtemp(path.join(dir, 'by-time-'));
    const lastState = path.join(checkpointDir, 'last', 'state.json');
    const seen: boolean[] = [];
    const cut = await train(model(), checkpointDir, { stopAfter: 5, every: 1e9, onEpoch: () => void seen.push(existsSync(lastState)) });
    expect(seen).toEqual([false, false, false, false, false]);
    const state = JSON.parse(await fs.readFile(lastState, 'utf8')) as { epoch: number; history: unknown[]; bestEpoch: number };
    expect(state.epoch).toBe(5);
    expect(state.history).toHaveLength(5);
    expect(state.bestEpoch).toBe(cut.result.bestEpoch);
    // With every 0, last/ holds each epoch as soon as it ends.
    const everyEpoch = await fs.mkdtemp(path.join(dir, 'every-epoch-'));
    const epochs: number[] = [];
    await train(model(), everyEpoch, {
      stopAfter: 3,
      every: 0,
      onEpoch: () => epochs.push((JSON.parse(readFileSync(path.join(everyEpoch, 'last', 'state.json'), 'utf8')) as { epoch: number }).epoch),
    });
    expect(epochs).toEqual([1, 2, 3]);
  }, 120_000);

  it('an interruption in the middle of epoch 8 keeps epoch 7 (not the half-trained weights), and the resumed run ends where the uninterrupted one does', async () => {
    const straight = await train(model(), await fs.mkdtemp(path.join(dir, 'straight-')), { every: 1e9 });
    const checkpointDir = await fs.mkdtemp(path.join(dir, 'mid-epoch-'));
    const byEpoch: number[][][] = [];
    const cut = await train(model(), checkpointDir, { abortAt: { epoch: 8, steps: 3 }, every: 1e9, onEpoch: (_, m) => void byEpoch.push(weightsOf(m)) });
    expect(cut.result.stopped).toBe('interrupted');
    expect(cut.result.history).toHaveLength(7);
    expect(cut.leaked).toBe(0);
    // Three steps of epoch 8 moved the live model; last/ holds epoch 7's weights, best/ the best epoch's.
    expect(cut.weights).not.toEqual(byEpoch[6]);
    const saved = model(9);
    await restoreWeights(tf, saved, path.join(checkpointDir, 'last'));
    expect(weightsOf(saved)).toEqual(byEpoch[6]);
    expect(cut.result.bestEpoch).toBeGreaterThan(0);
    await restoreWeights(tf, saved, cut.result.bestDir);
    expect(weightsOf(saved)).toEqual(byEpoch[cut.result.bestEpoch - 1]);

    const log: string[] = [];
    const resumed = await train(model(9), checkpointDir, { log, every: 1e9 });
    expect(log.join('\n')).toMatch(/resuming after epoch 7/);
    expect(resumed.weights).toEqual(straight.weights);
    expect(resumed.adam).toEqual(straight.adam);
    expect(epochResults(resumed.result.history)).toEqual(epochResults(straight.result.history));
  }, 120_000);

  it('an error in epoch 8 writes epoch 7 before it propagates, and the resumed run ends where the uninterrupted one does', async () => {
    const straight = await train(model(), await fs.mkdtemp(path.join(dir, 'straight-')), { every: 1e9 });
    const checkpointDir = await fs.mkdtemp(path.join(dir, 'error-'));
    await expect(train(model(), checkpointDir, { failAt: { epoch: 8, steps: 2 }, every: 1e9 })).rejects.toThrow(/batch source failed/);
    const state = JSON.parse(await fs.readFile(path.join(checkpointDir, 'last', 'state.json'), 'utf8')) as { epoch: number };
    expect(state.epoch).toBe(7);
    const resumed = await train(model(9), checkpointDir, { every: 1e9 });
    expect(resumed.weights).toEqual(straight.weights);
    expect(epochResults(resumed.result.history)).toEqual(epochResults(straight.result.history));
  }, 120_000);

  it('on return best/ holds the best epoch’s weights, and last/ and best/ hold the same bytes whether written every epoch or by time', async () => {
    const byEpoch: number[][][] = [];
    const everyDir = await fs.mkdtemp(path.join(dir, 'best-every-'));
    // Validation on a quarter of the labels flipped, best = lowest validation loss: it falls, then rises as
    // the model fits the other labels more confidently.
    const picky = { validationLabels: Array.from(Y, (y, i) => (i % 4 === 0 ? 1 - y : y)), checkpoint: { rule: 'metric', metric: 'loss' } as const };
    const every = await train(model(), everyDir, { ...picky, every: 0, onEpoch: (_, m) => void byEpoch.push(weightsOf(m)) });
    const timedDir = await fs.mkdtemp(path.join(dir, 'best-timed-'));
    const timed = await train(model(), timedDir, { ...picky, every: 1e9 });
    const { bestEpoch } = timed.result;
    // The best epoch is neither the first nor the last: best/ was held in memory, then written at the end.
    expect(bestEpoch).toBeGreaterThan(1);
    expect(bestEpoch).toBeLessThan(12);
    expect(every.result.bestEpoch).toBe(bestEpoch);
    const best = model(9);
    await restoreWeights(tf, best, timed.result.bestDir);
    expect(weightsOf(best)).toEqual(byEpoch[bestEpoch - 1]);
    expect(weightsOf(best)).not.toEqual(timed.weights);
    expect(await folder(path.join(timedDir, 'best'))).toEqual(await folder(path.join(everyDir, 'best')));
    expect(await folder(path.join(timedDir, 'last'))).toEqual(await folder(path.join(everyDir, 'last')));
    // Nothing but the two folders (no temp or old sibling left behind).
    expect((await fs.readdir(timedDir)).sort()).toEqual(['best', 'last']);
    expect(await exists(path.join(timedDir, 'last', 'optimizer.bin'))).toBe(true);
  }, 120_000);

  it('a training that stopped early stays stopped when resumed: no epoch past the stop', async () => {
    const checkpointDir = await fs.mkdtemp(path.join(dir, 'patience-'));
    // Validation labels the model cannot fit: the loss stops improving after a few epochs.
    const validationLabels = Array.from(Y, (y, i) => (i % 3 === 0 ? 1 - y : y));
    const options = { patience: 2, checkpoint: { rule: 'nll' } as CheckpointRule, validationLabels };
    const first = await train(model(), checkpointDir, options);
    expect(first.result.stopped).toBe('patience');
    expect(first.result.history.length).toBeLessThan(12);
    const log: string[] = [];
    const again = await train(model(9), checkpointDir, { ...options, log });
    expect(log.join('\n')).toMatch(/resuming after epoch \d+[\s\S]*early stop: 2 epoch\(s\) without improvement \(at epoch \d+, before the resume\)/);
    expect(again.result.stopped).toBe('patience');
    expect(epochResults(again.result.history)).toEqual(epochResults(first.result.history));
    expect(again.weights).toEqual(first.weights);
    expect(again.leaked).toBe(0);
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
