// The probe cache decodes and preprocesses an image once for all the views of one call: a view is the
// preprocessed image with its own augmentation on top, so decoding it again per view only cost time.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeSyntheticScans } from '../data/synthetic-scans.js';
import { augment } from '../image/augment.js';
import type { ImageBatchItem } from '../image/image-batches.js';
import { IMAGENET_NORMALIZATION } from '../image/normalization.js';
import * as preprocessModule from '../image/preprocess.js';
import { foldForInference } from '../models/fold-batchnorm.js';
import { runOnImages } from '../models/run-on-images.js';
import { seededInit } from '../models/seeded-init.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { createRng } from '../util/rng.js';
import { buildBackbone, type ClassifierSpec } from './classifier.js';
import { ProbeFeatureCache } from './probe-features.js';

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
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'probe-decode-'));
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

describe('ProbeFeatureCache views', () => {
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
