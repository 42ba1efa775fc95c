import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { augment } from '../image/augment.js';
import type { ImageBatchItem } from '../image/image-batches.js';
import * as preprocessModule from '../image/preprocess.js';
import { IMAGENET_NORMALIZATION } from '../image/normalization.js';
import { writeSyntheticScans } from '../data/synthetic-scans.js';
import { foldForInference } from '../models/fold-batchnorm.js';
import { runOnImages } from '../models/run-on-images.js';
import { seededInit } from '../models/seeded-init.js';
import { createLogger } from '../progress/logger.js';
import { loadOnnxRuntime } from '../models/onnx/onnx-session.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { createRng } from '../util/rng.js';
import { attachHead, buildBackbone, featureExtractor, type ClassifierSpec } from './classifier.js';
import { partialTrunk } from '../models/partial-split.js';
import { ProbeFeatureCache } from './probe-features.js';

// Counts decodes (the views test): the real function, called through.
const loads = vi.hoisted(() => ({ count: 0 }));
vi.mock('../image/preprocess.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../image/preprocess.js')>();
  return {
    ...original,
    loadPreprocessed: (...args: Parameters<typeof original.loadPreprocessed>) => {
      loads.count++;
      return original.loadPreprocessed(...args);
    },
  };
});

let dir: string;
let tf: Tf;
let items: ImageBatchItem[];
const preprocess = { normalize: true, clahe: false, crop: 'brain' as const, imageSize: 32 };
const spec: ClassifierSpec = { backbone: 'mobilenet_v2', width: 0.35, imageSize: 32, head: { type: 'linear', hidden: 0, dropout: 0 } };

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'probe-features-'));
  await writeSyntheticScans(path.join(dir, 'data'), { labelledPerClass: 3, size: 40 });
  const files: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else if (/\.(png|jpe?g)$/i.test(e.name)) files.push(path.join(d, e.name));
    }
  };
  await walk(path.join(dir, 'data'));
  items = files.sort().map((p, i) => ({ id: String(i), path: p }));
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
}, 120_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ProbeFeatureCache', () => {
  it('computes the frozen backbone’s features with BatchNorm folded: the same numbers, no tensor kept, one log line', async () => {
    const backbone = buildBackbone(tf, spec);
    seededInit(tf, backbone, createRng(1));
    // BatchNorm far from the identity, so that folding it changes the convolutions.
    const rng = createRng(2);
    for (const layer of backbone.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      const values = layer.getWeights().map((w, i) => tf.tensor1d(Float32Array.from({ length: w.shape[0] as number }, () => (i === 0 || i === 3 ? 0.5 + rng.next() : 0.2 * rng.normal()))));
      layer.setWeights(values);
      tf.dispose(values);
    }
    const classifier = attachHead(tf, backbone, spec);
    const extractor = featureExtractor(tf, classifier);
    expect(items.length).toBeGreaterThanOrEqual(6);
    const options = { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2 };
    const reference = await runOnImages(tf, extractor, items, { ...options, outputDim: 1280 });

    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sinks: [(level, line) => lines.push(`${level} ${line}`)] });
    const tensors = tf.memory().numTensors;
    const cache = new ProbeFeatureCache(tf, extractor, { ...options, featureDim: 1280, rng: createRng(3), logger });
    const first = await cache.clean(items.slice(0, 3));
    const all = await cache.clean(items);
    expect(all.subarray(0, first.length)).toEqual(first);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < reference.length; i++) {
      diff = Math.max(diff, Math.abs(reference[i]! - all[i]!));
      scale = Math.max(scale, Math.abs(reference[i]!));
    }
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-4);
    await cache.views(items.slice(0, 2), 1);
    // Folded once for every batch of every view, released by dispose().
    expect(lines).toEqual([`debug BatchNorm folding: 52 BatchNormalization layer(s) of features merged into their convolutions`]);
    await cache.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    classifier.dispose();
  });

  it('a view depends on the image alone (not on what was computed with it); views: 0 means the clean features', async () => {
    const backbone = buildBackbone(tf, spec);
    seededInit(tf, backbone, createRng(3));
    const options = { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2, featureDim: 1280, rng: createRng(9) };
    const all = new ProbeFeatureCache(tf, backbone, options);
    const a = await all.views(items, 2);
    // Another cache, the items asked for in another order and in two calls: the same rows.
    const parts = new ProbeFeatureCache(tf, backbone, options);
    const reversed = items.slice().reverse();
    await parts.views(reversed.slice(0, 2), 2);
    const b = await parts.views(reversed, 2);
    const row = (v: Float32Array, i: number): number[] => Array.from(v.subarray(i * 1280, (i + 1) * 1280));
    for (let i = 0; i < items.length; i++) {
      expect(row(b.views[0]!, items.length - 1 - i)).toEqual(row(a.views[0]!, i));
      expect(row(b.views[1]!, items.length - 1 - i)).toEqual(row(a.views[1]!, i));
    }
    expect(row(a.views[0]!, 0)).not.toEqual(row(a.views[1]!, 0)); // two views differ
    // Per-item counts: views 0 → the clean row in every slot; views 1 → view 0 in every slot.
    const clean = await all.clean(items.slice(0, 1));
    const mixed = await all.views([{ ...items[0]!, views: 0 }, { ...items[1]!, views: 1 }], 2);
    expect(row(mixed.views[0]!, 0)).toEqual(Array.from(clean));
    expect(row(mixed.views[1]!, 0)).toEqual(Array.from(clean));
    expect(row(mixed.views[0]!, 1)).toEqual(row(a.views[0]!, 1));
    expect(row(mixed.views[1]!, 1)).toEqual(row(a.views[0]!, 1));
    backbone.dispose();
  });

  it('ONNX Runtime computes the same features as TF.js (1e-4 relative), on one engine it names once', async () => {
    const ortMissing = await loadOnnxRuntime().then(
      () => null,
      (err: Error) => err.message,
    );
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    const backbone = buildBackbone(tf, spec);
    seededInit(tf, backbone, createRng(4));
    const options = { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2, featureDim: 1280, rng: createRng(9) };
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sinks: [(level, line) => lines.push(`${level} ${line}`)] });
    const onnx = new ProbeFeatureCache(tf, backbone, { ...options, inference: { request: 'onnx', threads: 1 }, logger });
    const tfjs = new ProbeFeatureCache(tf, backbone, options);
    const [a, b] = [await onnx.views(items, 2), await tfjs.views(items, 2)];
    const [ca, cb] = [await onnx.clean(items), await tfjs.clean(items)];
    for (const [x, y] of [[a.views[0]!, b.views[0]!], [a.views[1]!, b.views[1]!], [ca, cb]] as const) {
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < x.length; i++) {
        diff = Math.max(diff, Math.abs(x[i]! - y[i]!));
        scale = Math.max(scale, Math.abs(y[i]!));
      }
      expect(scale).toBeGreaterThan(0);
      expect(diff / scale).toBeLessThan(1e-4);
    }
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^info .*: frozen features on ONNX Runtime .*1 thread\)$/);
    await onnx.dispose();
    await tfjs.dispose();
    backbone.dispose();
  });

  it('strong views are cached apart: the weak views stay the same bytes, the strong ones differ and repeat', async () => {
    const backbone = buildBackbone(tf, spec);
    seededInit(tf, backbone, createRng(5));
    const options = { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2, featureDim: 1280, rng: createRng(9) };
    const cache = new ProbeFeatureCache(tf, backbone, options);
    const some = items.slice(0, 3);
    const weak = await cache.views(some, 2);
    const strong = await cache.views(some, 2, 'strong');
    const again = await new ProbeFeatureCache(tf, backbone, options).views(some, 2, 'strong');
    expect(await cache.views(some, 2)).toEqual(weak);
    expect(strong.views[0]).toEqual(again.views[0]);
    expect(strong.views[1]).toEqual(again.views[1]);
    expect(strong.views[0]).not.toEqual(weak.views[0]);
    expect(strong.views[0]).not.toEqual(strong.views[1]);
    expect(cache.size).toEqual({ rows: 4 * 3, bytes: 4 * 3 * 1280 * 4 });
    await cache.dispose();
    backbone.dispose();
  });

  it('caches a partial-mode trunk: rows of the cut’s shape, equal to the trunk’s own output', async () => {
    const backbone = buildBackbone(tf, spec);
    seededInit(tf, backbone, createRng(6));
    const { trunk, cutShape } = partialTrunk(tf, backbone, spec.backbone);
    expect(cutShape).toEqual([1, 1, 56]);
    const dim = 56;
    const options = { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2 };
    const cache = new ProbeFeatureCache(tf, trunk, { ...options, featureDim: dim, rowShape: cutShape, rng: createRng(9) });
    expect(cache.rowShape).toEqual([1, 1, 56]);
    const views = await cache.views(items.slice(0, 2), 1);
    expect(views.rowShape).toEqual([1, 1, 56]);
    expect(views.views[0]).toHaveLength(2 * dim);
    const reference = await runOnImages(tf, trunk, items.slice(0, 2), { ...options, outputDim: dim });
    const clean = await cache.clean(items.slice(0, 2));
    for (let i = 0; i < clean.length; i++) expect(Math.abs(clean[i]! - reference[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(reference[i]!)));
    expect(() => new ProbeFeatureCache(tf, trunk, { ...options, featureDim: 50, rowShape: cutShape, rng: createRng(9) })).toThrow(/rowShape \[1, 1, 56\] holds 56 numbers, featureDim says 50/);
    await cache.dispose();
    backbone.dispose();
  });

  it('decode each image once for all the views of a call, and give the rows a decode per view gives', async () => {
    const backbone = buildBackbone(tf, spec);
    seededInit(tf, backbone, createRng(7));
    const rng = createRng(9);
    const options = { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 2 };
    const cache = new ProbeFeatureCache(tf, backbone, { ...options, featureDim: 1280, rng });
    loads.count = 0;
    const { views } = await cache.views(items, 3);
    expect(loads.count).toBe(items.length);
    // Strong views of the same images in another call: decoded again, once each.
    await cache.views(items, 2, 'strong');
    expect(loads.count).toBe(2 * items.length);
    // View v as documented: the preprocessed image, augmented with rng.fork(`view-${v}`).fork(id), through
    // the BatchNorm-folded backbone the cache runs.
    const folded = foldForInference(tf, backbone);
    for (const v of [0, 2]) {
      const viewRng = rng.fork(`view-${v}`);
      const reference = await runOnImages(tf, folded, items, {
        ...options,
        outputDim: 1280,
        load: async (item) => augment(await preprocessModule.loadPreprocessed(item.path, preprocess), 'weak', viewRng.fork(item.id)),
      });
      expect(views[v]).toEqual(reference);
    }
    await cache.dispose();
    folded.dispose();
    backbone.dispose();
  });
});
