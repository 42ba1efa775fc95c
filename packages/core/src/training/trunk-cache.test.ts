import { describe, expect, it } from 'vitest';
import { IMAGENET_NORMALIZATION } from '../image/normalization.js';
import { seededInit } from '../models/seeded-init.js';
import { createLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import { createRng } from '../util/rng.js';
import { buildBackbone, type ClassifierSpec } from './classifier.js';
import { createTrunkCache } from './trunk-cache.js';

const spec: ClassifierSpec = { backbone: 'resnet18', width: 0.125, imageSize: 32, head: { type: 'linear', hidden: 0, dropout: 0 } };

describe('createTrunkCache', () => {
  it('sizes the cache from the cut (rows × views + clean) and refuses one over the limit with a warning', async () => {
    const { tf } = await loadTensorflow({ backend: 'cpu' });
    const backbone = buildBackbone(tf, spec);
    seededInit(tf, backbone, createRng(1));
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', sinks: [(level, line) => lines.push(`${level} ${line}`)] });
    const options = { preprocess: { normalize: true, clahe: false, crop: 'brain' as const, imageSize: 32 }, normalization: IMAGENET_NORMALIZATION, batchSize: 4, concurrency: 1, rng: createRng(2), logger, images: 100, views: 8 };
    // [2, 2, 32] floats = 512 B a row; 100 images × 9 rows = 460,800 B.
    const cache = createTrunkCache(tf, backbone, spec.backbone, { ...options, limitBytes: 460_800 });
    expect(cache?.rowShape).toEqual([2, 2, 32]);
    expect(createTrunkCache(tf, backbone, spec.backbone, { ...options, limitBytes: 400_000 })).toBeNull();
    expect(lines).toEqual([
      'info partial mode: the frozen trunk (up to layer4_0_conv1_pad) runs once per image and view, its output cached (100 images × (8 views + clean) × [2×2×32] floats = 450.0 KiB); the top trains on it',
      "warn partial mode: caching the frozen trunk's output (before layer4_0_conv1_pad) would take 100 images × (8 views + clean) × [2×2×32] floats = 450.0 KiB, over the 390.6 KiB limit; augmenting whole images on the fly instead",
    ]);
    await cache?.dispose();
    backbone.dispose();
  });
});
