// Our backbones and every training mode on the webgpu backend, against cpu: the forward pass of each
// backbone, and one training step of probe / partial / finetune through trainClassifier (the loop, the
// BCE loss, weight decay and Adam that the train stage runs). Small models and inputs: shader
// compilation on a software adapter (lavapipe) is slow when Mesa's cache is cold. Without an adapter
// the tests skip, saying why — unless NEURO_SSL_REQUIRE_WEBGPU=1, where a missing adapter fails them.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Tensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanDataset } from '../data/scan-dataset.js';
import { writeSyntheticScans } from '../data/synthetic-scans.js';
import { MINUS_ONE_ONE_NORMALIZATION } from '../image/normalization.js';
import { getBackbone } from '../models/registry.js';
import { seededInit } from '../models/seeded-init.js';
import { silentLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { BackendName, Tf } from '../tf/types.js';
import { probeWebGpu } from '../tf/webgpu.js';
import { createRng } from '../util/rng.js';
import type { TrainItem } from './batch-sources.js';
import { DEFAULT_CHECKPOINT_RULE } from './checkpoint-rule.js';
import { attachHead, buildBackbone, featureExtractor, initHead, type BatchNormMode, type ClassifierSpec, type TrainMode } from './classifier.js';
import { ProbeFeatureCache } from './probe-features.js';
import { trainClassifier, type ValidationItem } from './train-classifier.js';

const probe = await probeWebGpu();
const required = process.env.NEURO_SSL_REQUIRE_WEBGPU === '1';
const skip = !probe.available && !required;
const skipped = probe.available ? '' : ` (skipped: ${probe.reason})`;
if (skip && !probe.available) console.warn(`train-modes.webgpu.test: skipped, ${probe.reason} (NEURO_SSL_REQUIRE_WEBGPU=1 fails instead)`);

/** Activates `backend` (TensorFlow.js has one global engine) and returns its tf. */
async function on(backend: BackendName): Promise<Tf> {
  if (backend === 'webgpu' && !probe.available) throw new Error(`NEURO_SSL_REQUIRE_WEBGPU=1 but there is no webgpu adapter: ${probe.reason}`);
  const handle = await loadTensorflow({ backend });
  expect(handle.tf.getBackend()).toBe(backend);
  return handle.tf;
}

const TOLERANCE = 1e-4;
/** lavapipe compiles each new shader with LLVM: cold (empty Mesa cache, a busy CI machine) a test can take a minute. */
const COLD = { timeout: 240_000 };

/** max |a − b| / max(max |b|, floor): the error relative to the reference's scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-12): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, floor);
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]!));
  return m;
}

/** Every backbone at a small width (the ResNets' and EfficientNet's test widths, MobileNetV2's alpha 0.35). */
const BACKBONES = [
  { name: 'resnet18', width: 0.125 },
  { name: 'resnet34', width: 0.125 },
  { name: 'efficientnet_b0', width: 0.25 },
  { name: 'mobilenet_v2', width: 0.35 },
] as const;
const SIZE = 32;

/** Seeded weights, a fixed input of 2 images: the pooled features in inference mode. */
async function backboneFeatures(tf: Tf, name: string, width: number): Promise<Float32Array> {
  const model = getBackbone(name).build(tf, { imageSize: SIZE, width });
  seededInit(tf, model, createRng(11));
  const n = 2 * SIZE * SIZE * 3;
  const x = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.013) + 0.5 * Math.cos(i * 0.31)), [2, SIZE, SIZE, 3]);
  const y = model.predict(x) as Tensor;
  const out = (await y.data()) as Float32Array;
  tf.dispose([x, y]);
  model.dispose();
  return out;
}

describe('backbones on webgpu', () => {
  for (const { name, width } of BACKBONES) {
    it.skipIf(skip)(`${name} (width ${width}, ${SIZE} px): pooled features match cpu within 1e-4 relative${skipped}`, COLD, async () => {
      const cpu = await backboneFeatures(await on('cpu'), name, width);
      const gpu = await backboneFeatures(await on('webgpu'), name, width);
      expect(cpu).toHaveLength(2 * getBackbone(name).featureDim({ imageSize: SIZE, width }));
      expect(maxAbs(cpu)).toBeGreaterThan(0);
      expect(relativeError(gpu, cpu)).toBeLessThan(TOLERANCE);
    });
  }
});

let dir: string;
let train: TrainItem[];
let validation: ValidationItem[];
const preprocessAt = (imageSize: number) => ({ normalize: true, clahe: false, crop: 'brain' as const, imageSize });
const specAt = (imageSize: number): ClassifierSpec => ({ backbone: 'mobilenet_v2', width: 0.35, imageSize, head: { type: 'linear', hidden: 0, dropout: 0 } });

beforeAll(async () => {
  if (skip) return;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'train-webgpu-'));
  await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 4, size: 40 });
  const index = await scanDataset(
    { root: path.join(dir, 'data'), labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } }, onBadFile: 'fail', duplicates: { threshold: 0 }, preprocess: preprocessAt(SIZE) },
    { logger: silentLogger },
  );
  const images = index.images.slice().sort((a, b) => (a.id < b.id ? -1 : 1));
  // 4 training images = one batch = one Adam step; 4 for validation.
  train = images.filter((_, i) => i % 2 === 0).map((r) => ({ id: r.id, path: r.path, target: r.label }));
  validation = images.filter((_, i) => i % 2 === 1).map((r) => ({ id: r.id, path: r.path, label: r.label }));
});

afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

interface Step {
  trainLoss: number;
  validationLogits: Float32Array;
  /** Every weight of the classifier (trainable and BatchNorm statistics), before and after the step. */
  before: Map<string, Float32Array>;
  after: Map<string, Float32Array>;
  /** Adam's first moment after its first step, (1 − β1)·gradient, per trained weight: the gradient the loop computed. */
  moments: Map<string, Float32Array>;
  /** Adam's second moment, (1 − β2)·gradient². */
  secondMoments: Map<string, Float32Array>;
}

const LEARNING_RATE = 0.01;

/** One epoch of one batch — one Adam step — of `mode` through trainClassifier on the active backend. */
async function trainOneStep(tf: Tf, mode: TrainMode, batchNorm: BatchNormMode, imageSize: number, backend: BackendName): Promise<Step> {
  const spec = specAt(imageSize);
  const preprocess = preprocessAt(imageSize);
  const backbone = buildBackbone(tf, spec);
  seededInit(tf, backbone, createRng(1));
  const model = attachHead(tf, backbone, spec);
  initHead(tf, model, createRng(2));
  const read = async (): Promise<Map<string, Float32Array>> =>
    new Map(await Promise.all(model.weights.map(async (w) => [w.originalName, (await w.read().data()) as Float32Array] as const)));
  const before = await read();
  const probeCache =
    mode === 'probe'
      ? new ProbeFeatureCache(tf, featureExtractor(tf, model), {
          preprocess,
          normalization: MINUS_ONE_ONE_NORMALIZATION,
          batchSize: 4,
          concurrency: 2,
          featureDim: getBackbone(spec.backbone).featureDim({ imageSize, width: spec.width }),
          rng: createRng(3),
        })
      : undefined;
  const result = await trainClassifier(tf, {
    spec,
    classifier: model,
    settings: { mode, epochs: 1, learningRate: LEARNING_RATE, loss: { posWeight: 3 }, weightDecay: 1e-4, augment: 'weak', views: 1, batchSize: 4, batchNorm },
    preprocess,
    normalization: MINUS_ONE_ONE_NORMALIZATION,
    concurrency: 2,
    train,
    validation,
    evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
    checkpoint: DEFAULT_CHECKPOINT_RULE,
    checkpointDir: path.join(dir, `${mode}-${batchNorm}-${backend}`),
    resumeKey: mode,
    rng: createRng(4),
    logger: silentLogger,
    initHead: false,
    ...(probeCache ? { probe: probeCache } : {}),
  });
  expect(result.history).toHaveLength(1);
  const after = await read();
  model.dispose();
  // Adam's state is named after the trained variables ("<layer>/<weight>[_k]/m", k when the name was taken).
  const moments = new Map<string, Float32Array>();
  const secondMoments = new Map<string, Float32Array>();
  for (const { name, tensor } of await result.optimizer.getWeights()) {
    const [, weight, moment] = /^(.+?)(?:_\d+)?\/([mv])$/.exec(name) ?? [];
    if (weight) (moment === 'm' ? moments : secondMoments).set(weight, (await tensor.data()) as Float32Array);
  }
  return { trainLoss: result.history[0]!.trainLoss, validationLogits: result.validationLogits, before, after, moments, secondMoments };
}

/**
 * The worst of `error(name, floor)` over `names`, where `floor` is 1e-3 of the largest |reference| in
 * the group: a tensor below it is zero but for rounding (the gradient of β of a BatchNorm followed by
 * a batch-statistics BatchNorm) and is measured against the floor, not its own noise.
 */
function worst(names: string[], reference: (name: string) => Float32Array, error: (name: string, floor: number) => number): { name: string; error: number } {
  const floor = 1e-3 * Math.max(...names.map((n) => maxAbs(reference(n))));
  let found = { name: '', error: 0 };
  for (const name of names) {
    const e = error(name, floor);
    if (e >= found.error) found = { name, error: e };
  }
  return found;
}

/**
 * How far the step webgpu took is from Adam's, computed in float64 from webgpu's own moments:
 * w − lr·m̂/(√v̂ + ε) with m̂ = m/(1 − β1), v̂ = v/(1 − β2) after one step. Relative to the largest step
 * in the tensor. (Not against cpu's step: at its first step Adam moves by about lr·sign(g), so an element
 * whose gradient is within rounding of zero goes either way on any two backends, cpu and wasm too.)
 */
function adamStepError(step: Step, name: string): number {
  const m = step.moments.get(name)!;
  const v = step.secondMoments.get(name)!;
  const before = step.before.get(name)!;
  const after = step.after.get(name)!;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < after.length; i++) {
    const move = (LEARNING_RATE * (m[i]! / (1 - 0.9))) / (Math.sqrt(v[i]! / (1 - 0.999)) + 1e-7);
    diff = Math.max(diff, Math.abs(after[i]! - (before[i]! - move)));
    scale = Math.max(scale, Math.abs(move));
  }
  return diff / Math.max(scale, 1e-12);
}

describe('training modes on webgpu', () => {
  // finetune with frozen BatchNorm: through 17 blocks of batch statistics over 4 images the gradient of
  // a randomly initialised MobileNetV2 is ill-conditioned (cpu and wasm differ by 7e-2 relative at 32 px),
  // so batch statistics are trained in partial (the default there), at 64 px where their gradient
  // agrees to 2e-5 (7e-5 at 32 px: too close to the tolerance for other adapters).
  const cases: [TrainMode, BatchNormMode, number][] = [
    ['probe', 'batch', SIZE],
    ['partial', 'batch', 64],
    ['finetune', 'frozen', SIZE],
  ];
  for (const [mode, batchNorm, imageSize] of cases) {
    const bn = mode === 'probe' ? '' : `, BatchNorm ${batchNorm}`;
    const checks = mode === 'partial' ? 'gradient, Adam step and running statistics' : 'gradient, Adam step and validation logits';
    it.skipIf(skip)(`${mode}${bn}, ${imageSize} px: one training step's loss, ${checks} match cpu within 1e-4 relative${skipped}`, COLD, async () => {
      const cpu = await trainOneStep(await on('cpu'), mode, batchNorm, imageSize, 'cpu');
      const gpu = await trainOneStep(await on('webgpu'), mode, batchNorm, imageSize, 'webgpu');
      expect(Number.isFinite(cpu.trainLoss)).toBe(true);
      expect(Math.abs(gpu.trainLoss - cpu.trainLoss) / cpu.trainLoss).toBeLessThan(TOLERANCE);

      // What each mode trains: the head; plus the last stage; everything.
      const trained = [...cpu.moments.keys()];
      expect([...gpu.moments.keys()]).toEqual(trained);
      expect(trained.every((n) => n.startsWith('head_'))).toBe(mode === 'probe');
      if (mode === 'partial') expect(trained.every((n) => n.startsWith('head_') || n.startsWith('block_16_') || n.startsWith('Conv_1'))).toBe(true);
      if (mode === 'finetune') expect(trained).toContain('Conv1/kernel');
      const gradient = worst(trained, (n) => cpu.moments.get(n)!, (n, floor) => relativeError(gpu.moments.get(n)!, cpu.moments.get(n)!, floor));
      expect(gradient.error, `gradient of ${gradient.name}`).toBeLessThan(TOLERANCE);

      const adam = worst(trained, (n) => cpu.moments.get(n)!, (n) => adamStepError(gpu, n));
      expect(adam.error, `Adam's step of ${adam.name}`).toBeLessThan(TOLERANCE);

      // Running BatchNorm statistics move only where BatchNorm trains on batch statistics.
      const moved = (s: Step, n: string) => s.after.get(n)!.some((v, i) => v !== s.before.get(n)![i]);
      const statistics = [...cpu.after.keys()].filter((n) => !trained.includes(n) && moved(cpu, n));
      expect(statistics.length > 0).toBe(mode === 'partial');
      // A running variance relative to its own step; a running mean in units of its channel's standard
      // deviation (the mean of a batch-normalised input is zero but for rounding: Conv_1_bn's).
      const delta = (s: Step, n: string) => s.after.get(n)!.map((v, i) => v - s.before.get(n)![i]!);
      const statisticError = (n: string): number => {
        if (n.endsWith('/moving_variance')) return relativeError(delta(gpu, n), delta(cpu, n));
        const variance = cpu.after.get(n.replace(/moving_mean$/, 'moving_variance'))!;
        return Math.max(...gpu.after.get(n)!.map((v, c) => Math.abs(v - cpu.after.get(n)![c]!) / Math.sqrt(variance[c]!)));
      };
      for (const n of statistics) expect(statisticError(n), `running statistic ${n}`).toBeLessThan(TOLERANCE);
      // Weights that do not train stay exactly as they were on webgpu.
      expect([...gpu.after.keys()].filter((n) => !trained.includes(n) && !statistics.includes(n) && moved(gpu, n))).toEqual([]);
      // After the step. Not in partial: there β of block_16_project_BN has a gradient that is zero but for
      // rounding (Conv_1_bn normalises with batch statistics), so Adam moves it by ±lr at random, and
      // validation (running statistics) sees that.
      if (mode !== 'partial') expect(relativeError(gpu.validationLogits, cpu.validationLogits)).toBeLessThan(TOLERANCE);
    });
  }
});
