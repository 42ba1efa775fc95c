import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { scanDataset } from '../data/scan-dataset.js';
import { writeSyntheticScans } from '../data/synthetic-scans.js';
import type { DataConfig } from '../data/data-config.js';
import { IMAGENET_NORMALIZATION } from '../image/normalization.js';
import { seededInit } from '../models/seeded-init.js';
import { silentLogger, type Logger } from '../progress/logger.js';
import { loadOnnxRuntime } from '../models/onnx/onnx-session.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { createRng } from '../util/rng.js';
import type { TrainItem } from './batch-sources.js';
import { DEFAULT_CHECKPOINT_RULE } from './checkpoint-rule.js';
import { attachHead, buildBackbone, featureExtractor, initHead, setTrainable, type ClassifierSpec } from './classifier.js';
import { runOnImages } from '../models/run-on-images.js';
import { loadModelFolder, saveModelFolder } from './model-folder.js';
import { augment } from '../image/augment.js';
import { imageBatches } from '../image/image-batches.js';
import { loadPreprocessed } from '../image/preprocess.js';
import { bceWithLogitsValue } from './bce-loss.js';
import { ProbeFeatureCache } from './probe-features.js';
import { createTrunkCache } from './trunk-cache.js';
import { trainClassifier, type TrainClassifierOptions, type TrainSettings, type ValidationItem } from './train-classifier.js';

let dir: string;
let tf: Tf;
let train: TrainItem[];
let validation: ValidationItem[];
const preprocess = { normalize: true, clahe: false, crop: 'brain' as const, imageSize: 32 };
const spec: ClassifierSpec = { backbone: 'resnet18', width: 0.125, imageSize: 32, head: { type: 'linear', hidden: 0, dropout: 0 } };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'train-classifier-'));
  await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 10, size: 40 });
  const data: DataConfig = {
    root: path.join(dir, 'data'),
    labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } },
    onBadFile: 'fail',
    duplicates: { threshold: 0 },
    preprocess,
  };
  const index = await scanDataset(data, { logger: silentLogger });
  // Even ids to training, odd ones to validation (both classes on both sides).
  const images = index.images.slice().sort((a, b) => (a.id < b.id ? -1 : 1));
  train = images.filter((_, i) => i % 2 === 0).map((r) => ({ id: r.id, path: r.path, target: r.label }));
  validation = images.filter((_, i) => i % 2 === 1).map((r) => ({ id: r.id, path: r.path, label: r.label }));
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
}, 120_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function classifier(seed = 3): LayersModel {
  const backbone = buildBackbone(tf, spec);
  seededInit(tf, backbone, createRng(seed));
  return attachHead(tf, backbone, spec);
}

const settings = (over: Partial<TrainSettings> = {}): TrainSettings => ({
  mode: 'finetune',
  epochs: 2,
  learningRate: 1e-3,
  loss: { posWeight: 3 },
  weightDecay: 0,
  augment: 'weak',
  views: 2,
  batchSize: 4,
  ...over,
});

async function run(model: LayersModel, s: TrainSettings, checkpointDir: string, extra: Pick<TrainClassifierOptions, 'probe' | 'trunk' | 'inference'> & { logger?: Logger } = {}) {
  return trainClassifier(tf, {
    spec,
    classifier: model,
    settings: s,
    preprocess,
    normalization: IMAGENET_NORMALIZATION,
    concurrency: 2,
    train,
    validation,
    evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
    checkpoint: DEFAULT_CHECKPOINT_RULE,
    checkpointDir,
    resumeKey: 'k',
    rng: createRng(11),
    logger: silentLogger,
    initHead: true,
    ...extra,
  });
}

const weightsOf = (m: LayersModel): number[][] => m.weights.map((w) => Array.from(w.read().dataSync()));

describe('trainClassifier', () => {
  it('finetune is deterministic for a seed, returns the best epoch’s weights, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const a = classifier();
    const ra = await run(a, settings(), path.join(dir, 'ft-a'));
    const b = classifier();
    const rb = await run(b, settings(), path.join(dir, 'ft-b'));
    expect(ra.history).toHaveLength(2);
    expect(ra.history.map((h) => [h.trainLoss, h.valLoss, h.fBeta])).toEqual(rb.history.map((h) => [h.trainLoss, h.valLoss, h.fBeta]));
    expect(Array.from(ra.validationLogits)).toEqual(Array.from(rb.validationLogits));
    expect(ra.history.every((h) => Number.isFinite(h.trainLoss) && h.n === validation.length)).toBe(true);
    // The returned validation logits are those of the best epoch: same validation loss.
    const best = ra.history[ra.bestEpoch - 1]!;
    expect(best.best).toBe(true);
    const { bceWithLogitsValue } = await import('./bce-loss.js');
    expect(bceWithLogitsValue(ra.validationLogits, validation.map((v) => v.label), { posWeight: 3 })).toBeCloseTo(best.valLoss, 5);
    a.dispose();
    b.dispose();
    ra.optimizer.dispose();
    rb.optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 240_000);

  it('resumes after an interruption with the same result as an uninterrupted run', async () => {
    const straight = classifier();
    const rs = await run(straight, settings({ epochs: 3 }), path.join(dir, 'straight'));
    const first = classifier();
    await run(first, settings({ epochs: 2 }), path.join(dir, 'resumed'));
    const lines: string[] = [];
    const second = classifier(99); // other init: the checkpoint must replace it
    const rr = await run(second, settings({ epochs: 3 }), path.join(dir, 'resumed'), { logger: { ...silentLogger, info: (m: string) => lines.push(m) } });
    expect(lines.join('\n')).toMatch(/resuming after epoch 2/);
    expect(rr.history.map((h) => h.valLoss)).toEqual(rs.history.map((h) => h.valLoss));
    expect(weightsOf(second)).toEqual(weightsOf(straight));
  }, 240_000);

  it('partial trains the last stage and the head only; frozen BatchNorm statistics stay put', async () => {
    const model = classifier();
    const before = new Map(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
    await run(model, settings({ mode: 'partial', epochs: 1 }), path.join(dir, 'partial'));
    const changed = model.weights.filter((w) => before.get(w.originalName)!.some((v, i) => v !== w.read().dataSync()[i])).map((w) => w.originalName);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((n) => n.startsWith('layer4_') || n.startsWith('head_'))).toBe(true);
    expect(changed.some((n) => n.startsWith('layer4_') && n.includes('moving_mean'))).toBe(true);
    // Trainable BatchNorm adapts its running statistics at torch's pace (momentum 0.1), frozen ones keep theirs.
    const momentum = (name: string): number => (model.getLayer(name) as unknown as { momentum: number }).momentum;
    expect(momentum('layer4_0_bn1')).toBe(0.9);

    // batchNorm: frozen — γ and β of layer4 learn, its running statistics do not move.
    const frozenBn = classifier();
    const start = new Map(frozenBn.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
    await run(frozenBn, settings({ mode: 'partial', epochs: 1, batchNorm: 'frozen' }), path.join(dir, 'partial-frozen-bn'));
    const moved = frozenBn.weights.filter((w) => start.get(w.originalName)!.some((v, i) => v !== w.read().dataSync()[i])).map((w) => w.originalName);
    expect(moved.some((n) => n.startsWith('layer4_') && n.endsWith('/gamma'))).toBe(true);
    expect(moved.filter((n) => n.includes('moving_'))).toEqual([]);
  });

  it('probe learns the synthetic tumour from cached features of a frozen random backbone', async () => {
    const model = classifier();
    const frozen = model.weights.filter((w) => !w.originalName.startsWith('head_')).map((w) => [w.originalName, Array.from(w.read().dataSync())]);
    const probe = new ProbeFeatureCache(tf, featureExtractor(tf, model), {
      preprocess,
      normalization: IMAGENET_NORMALIZATION,
      batchSize: 8,
      concurrency: 2,
      featureDim: 64,
      rng: createRng(5),
    });
    const r = await run(model, settings({ mode: 'probe', epochs: 40, learningRate: 0.05 }), path.join(dir, 'probe'), { probe });
    for (const [name, values] of frozen) {
      const now = Array.from(model.weights.find((w) => w.originalName === name)!.read().dataSync());
      expect(now, name as string).toEqual(values);
    }
    const best = r.history[r.bestEpoch - 1]!;
    expect(best.rocAuc).toBeGreaterThan(0.85);
  });

  it('a saved classifier loads back and predicts the same logits', async () => {
    const model = classifier();
    await saveModelFolder(tf, model, path.join(dir, 'saved'));
    const loaded = await loadModelFolder(tf, path.join(dir, 'saved'));
    const x = tf.randomUniform([2, 32, 32, 3]);
    const a = (model.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync();
    const b = (loaded.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync();
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('partial on a cached trunk: one step updates only the top, with the loss of the whole classifier on the same view', async () => {
    // The cache comes from another backbone with the same weights, as in the train stage.
    const source = buildBackbone(tf, spec);
    seededInit(tf, source, createRng(3));
    const trunk = createTrunkCache(tf, source, spec.backbone, {
      preprocess,
      normalization: IMAGENET_NORMALIZATION,
      batchSize: 4,
      concurrency: 2,
      rng: createRng(5),
      images: train.length + validation.length,
      views: 1,
      logger: silentLogger,
    })!;
    expect(trunk.rowShape).toEqual([2, 2, 32]);
    const model = classifier();
    const before = new Map(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
    // One batch holds every training image: one step, whose loss is the mean over all of them.
    const s = settings({ mode: 'partial', epochs: 1, views: 1, batchSize: train.length });
    const r = await run(model, s, path.join(dir, 'partial-cached'), { trunk });
    const changed = model.weights.filter((w) => before.get(w.originalName)!.some((v, i) => v !== w.read().dataSync()[i])).map((w) => w.originalName);
    expect(changed.some((n) => n.startsWith('layer4_'))).toBe(true);
    expect(changed.some((n) => n.startsWith('head_'))).toBe(true);
    expect(changed.every((n) => n.startsWith('layer4_') || n.startsWith('head_'))).toBe(true);

    // Reference: the whole classifier (same init, same frozen trunk) on the very images view 0 holds.
    const reference = classifier();
    setTrainable(reference, spec.backbone, 'partial');
    initHead(tf, reference, createRng(11).fork('head'));
    const viewRng = createRng(5).fork('view-0');
    const load = async (item: { id: string; path: string }) => augment(await loadPreprocessed(item.path, preprocess), 'weak', viewRng.fork(item.id));
    const batches = imageBatches(train.slice(), { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: train.length, concurrency: 2, load });
    const { value: batch } = await batches.next();
    const logits = tf.tidy(() => Array.from((reference.apply(tf.tensor4d(batch!.data, batch!.shape), { training: true }) as import('@tensorflow/tfjs').Tensor).dataSync()));
    const expected = bceWithLogitsValue(logits, train.map((t) => t.target), { posWeight: 3 });
    expect(Math.abs(r.history[0]!.trainLoss - expected)).toBeLessThan(1e-4 * expected);

    // The trained weights are the classifier's: saved and loaded back, it predicts what the split did.
    await saveModelFolder(tf, model, path.join(dir, 'partial-cached-saved'));
    const loaded = await loadModelFolder(tf, path.join(dir, 'partial-cached-saved'));
    const x = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 3);
    expect(Array.from((loaded.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync())).toEqual(Array.from((model.predict(x) as import('@tensorflow/tfjs').Tensor).dataSync()));
    const val = await runOnImages(tf, model, validation.slice(), { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2, outputDim: 1 });
    r.validationLogits.forEach((v, i) => expect(Math.abs(v - val[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(val[i]!))));
    await trunk.dispose();
    for (const m of [source, model, reference, loaded]) m.dispose();
  }, 120_000);

  it('finetune validation on ONNX Runtime gives the TF.js logits', async () => {
    const ortMissing = await loadOnnxRuntime().then(
      () => null,
      (err: Error) => err.message,
    );
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    const a = classifier();
    const onnx = await run(a, settings({ epochs: 1 }), path.join(dir, 'ft-onnx'), { inference: { request: 'onnx', threads: 1 } });
    // The returned logits were computed on ONNX Runtime from the kept weights: TF.js on them agrees.
    const tfjs = await runOnImages(tf, a, validation.slice(), { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2, outputDim: 1 });
    onnx.validationLogits.forEach((v, i) => expect(Math.abs(v - tfjs[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(v))));
    expect(new Set(onnx.validationLogits).size).toBeGreaterThan(1);
    a.dispose();
  }, 120_000);
});
