import { describe, expect, it } from 'vitest';
import { IMAGENET_NORMALIZATION } from '../image/normalization.js';
import { createRng } from '../util/rng.js';
import { featureBatchSource, imageBatchSource, type BatchPlan, type TrainItem } from './batch-sources.js';
import type { TrainBatch } from './fit.js';

const items: TrainItem[] = Array.from({ length: 6 }, (_, i) => ({ id: `i${i}`, path: `/x/${i}.jpg`, target: i % 2 }));
// Feature j of item i is 10·i + j, so a row names its item.
const features = { dim: 2, views: [Float32Array.from(items.flatMap((_, i) => [10 * i, 10 * i + 1]))] };

async function collect(source: (epoch: number) => AsyncIterable<TrainBatch>, epoch = 0): Promise<TrainBatch[]> {
  const out: TrainBatch[] = [];
  for await (const b of source(epoch)) out.push(b);
  return out;
}

describe('batch plans', () => {
  it('let a plan choose the batches (repeats allowed) and rewrite each loaded batch', async () => {
    const seen: number[] = [];
    const plan: BatchPlan = {
      batches: (epoch) => [
        [0, 1, 0],
        [2 + epoch, 5],
      ],
      transform: (batch, indices) => {
        seen.push(...indices);
        return { ...batch, targets: batch.targets.map((t) => t * 0.5) };
      },
    };
    const batches = await collect(featureBatchSource(items, features, 3, createRng(1), plan), 1);
    expect(batches.map((b) => Array.from(b.data))).toEqual([
      [0, 1, 10, 11, 0, 1],
      [30, 31, 50, 51],
    ]);
    expect(batches.map((b) => Array.from(b.targets))).toEqual([
      [0, 0.5, 0],
      [0.5, 0.5],
    ]);
    expect(seen).toEqual([0, 1, 0, 3, 5]);
  });

  it('without a plan keep the seeded shuffle', async () => {
    const a = await collect(featureBatchSource(items, features, 4, createRng(3)));
    const b = await collect(featureBatchSource(items, features, 4, createRng(3)));
    expect(a.map((x) => Array.from(x.data))).toEqual(b.map((x) => Array.from(x.data)));
    expect(a.flatMap((x) => Array.from(x.data).filter((_, k) => k % 2 === 0)).sort((p, q) => p - q)).toEqual([0, 10, 20, 30, 40, 50]);
  });

  it('reject batches an image stream cannot deliver, and items that do not exist', async () => {
    const options = {
      preprocess: { normalize: true, clahe: false, crop: 'none' as const, imageSize: 32 },
      normalization: IMAGENET_NORMALIZATION,
      batchSize: 3,
      concurrency: 1,
      augment: null,
      rng: createRng(1),
    };
    const uneven = imageBatchSource(items, { ...options, plan: { batches: () => [[0, 1], [2, 3, 4]] } });
    await expect(collect(uneven)).rejects.toThrow('batch plan: batch 0 has 2 items, expected exactly 3');
    const outside = featureBatchSource(items, features, 3, createRng(1), { batches: () => [[0, 6]] });
    await expect(collect(outside)).rejects.toThrow('batch plan: batch 0 names item 6, outside 0..5');
  });
});
