// Every mode trains on the wasm backend too: its missing gradient kernels (Conv2DBackpropFilter,
// depthwise) are ours, registered by loadTensorflow. MobileNetV2 exercises the depthwise ones.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanDataset } from '../data/scan-dataset.js';
import { writeSyntheticScans } from '../data/synthetic-scans.js';
import { MINUS_ONE_ONE_NORMALIZATION } from '../image/normalization.js';
import { seededInit } from '../models/seeded-init.js';
import { silentLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import { createRng } from '../util/rng.js';
import type { TrainItem } from './batch-sources.js';
import { DEFAULT_CHECKPOINT_RULE } from './checkpoint-rule.js';
import { attachHead, buildBackbone, featureExtractor, type ClassifierSpec, type TrainMode } from './classifier.js';
import { ProbeFeatureCache } from './probe-features.js';
import { trainClassifier, type ValidationItem } from './train-classifier.js';

let dir: string;
let train: TrainItem[];
let validation: ValidationItem[];
const preprocess = { normalize: true, clahe: false, crop: 'brain' as const, imageSize: 32 };
const spec: ClassifierSpec = { backbone: 'mobilenet_v2', width: 0.35, imageSize: 32, head: { type: 'linear', hidden: 0, dropout: 0 } };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'train-wasm-'));
  await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 4, size: 40 });
  const index = await scanDataset(
    { root: path.join(dir, 'data'), labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } }, onBadFile: 'fail', duplicates: { threshold: 0 }, preprocess },
    { logger: silentLogger },
  );
  const images = index.images.slice().sort((a, b) => (a.id < b.id ? -1 : 1));
  train = images.filter((_, i) => i % 2 === 0).map((r) => ({ id: r.id, path: r.path, target: r.label }));
  validation = images.filter((_, i) => i % 2 === 1).map((r) => ({ id: r.id, path: r.path, label: r.label }));
}, 120_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('training on the wasm backend', () => {
  for (const mode of ['finetune', 'partial', 'probe'] as TrainMode[]) {
    it(`${mode}: one epoch changes the trainable weights and gives finite metrics`, async () => {
      const { tf, backend } = await loadTensorflow({ backend: 'wasm' });
      expect(backend).toBe('wasm');
      const backbone = buildBackbone(tf, spec);
      seededInit(tf, backbone, createRng(1));
      const model = attachHead(tf, backbone, spec);
      // By name: model.weights lists trainable weights first, so its order changes with the mode.
      const before = new Map(model.weights.map((w) => [w.originalName, Array.from(w.read().dataSync())]));
      const probe =
        mode === 'probe'
          ? new ProbeFeatureCache(tf, featureExtractor(tf, model), { preprocess, normalization: MINUS_ONE_ONE_NORMALIZATION, batchSize: 4, concurrency: 2, featureDim: 1280, rng: createRng(2) })
          : undefined;
      const r = await trainClassifier(tf, {
        spec,
        classifier: model,
        settings: { mode, epochs: 1, learningRate: 1e-3, loss: { posWeight: 3 }, weightDecay: 0, augment: 'weak', views: 1, batchSize: 4 },
        preprocess,
        normalization: MINUS_ONE_ONE_NORMALIZATION,
        concurrency: 2,
        train,
        validation,
        evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
        checkpoint: DEFAULT_CHECKPOINT_RULE,
        checkpointDir: path.join(dir, `ckpt-${mode}`),
        resumeKey: mode,
        rng: createRng(3),
        logger: silentLogger,
        initHead: false,
        ...(probe ? { probe } : {}),
      });
      expect(Number.isFinite(r.history[0]!.trainLoss)).toBe(true);
      const changed = model.weights.filter((w) => w.read().dataSync().some((v, j) => v !== before.get(w.originalName)![j])).map((w) => w.originalName);
      expect(changed.some((n) => n.startsWith('head_'))).toBe(true);
      if (mode === 'finetune') expect(changed.some((n) => n.includes('depthwise_kernel'))).toBe(true);
      if (mode !== 'finetune') expect(changed.filter((n) => n.startsWith('Conv1') || n.startsWith('block_1_'))).toEqual([]);
      if (mode === 'partial') expect(changed.some((n) => n.startsWith('block_16_'))).toBe(true);
      model.dispose();
    });
  }
});
