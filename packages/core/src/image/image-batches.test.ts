import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PreprocessConfig } from '../data/data-config.js';
import { createRng } from '../util/rng.js';
import { createGreyImage, type GreyImage } from './grey-image.js';
import { imageBatches, type ImageBatch, type ImageBatchItem, type ImageBatchOptions } from './image-batches.js';
import { MINUS_ONE_ONE_NORMALIZATION } from './normalization.js';

const SIZE = 16;
const cfg: PreprocessConfig = { normalize: false, clahe: false, crop: 'none', imageSize: SIZE };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const items = (n: number): ImageBatchItem[] => Array.from({ length: n }, (_, i) => ({ id: `img-${i}`, path: `/nowhere/${i}.png` }));

/** A loader that returns image i filled with value 10*i (plus a gradient, for augmentation to act on), after a random delay. */
function slowLoader(stats = { started: 0, inFlight: 0, maxInFlight: 0 }) {
  const load = async (item: ImageBatchItem): Promise<GreyImage> => {
    stats.started++;
    stats.inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    await sleep(Math.random() * 8);
    stats.inFlight--;
    const index = Number(item.id.slice(4));
    const img = createGreyImage(SIZE, SIZE, 10 * index);
    img.data[0] = 255;
    return img;
  };
  return { load, stats };
}

async function collect(gen: AsyncGenerator<ImageBatch>): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for await (const b of gen) out.push(b);
  return out;
}

function options(extra: Partial<ImageBatchOptions>): ImageBatchOptions {
  return { preprocess: cfg, normalization: MINUS_ONE_ONE_NORMALIZATION, batchSize: 4, concurrency: 4, ...extra };
}

describe('imageBatches', () => {
  it('keeps input order, batches NHWC with a partial last batch, and bounds concurrency', async () => {
    const { load, stats } = slowLoader();
    const batches = await collect(imageBatches(items(10), options({ load, concurrency: 3 })));
    expect(batches.map((b) => b.shape)).toEqual([
      [4, SIZE, SIZE, 3],
      [4, SIZE, SIZE, 3],
      [2, SIZE, SIZE, 3],
    ]);
    expect(batches.flatMap((b) => b.ids)).toEqual(items(10).map((i) => i.id));
    const per = SIZE * SIZE * 3;
    for (const [b, batch] of batches.entries()) {
      expect(batch.data.length).toBe(batch.shape[0] * per);
      for (let k = 0; k < batch.shape[0]; k++) {
        const index = b * 4 + k;
        // Pixel 1 (value 10*index) on all three channels.
        const expected = Math.fround((10 * index) / 127.5 - 1);
        expect(Array.from(batch.data.subarray(k * per + 3, k * per + 6))).toEqual([expected, expected, expected]);
      }
    }
    expect(stats.maxInFlight).toBeLessThanOrEqual(3);
    expect(stats.maxInFlight).toBeGreaterThan(1);
  });

  it('decodes ahead of the consumer, but no more than prefetchBatches ahead', async () => {
    const { load, stats } = slowLoader();
    const gen = imageBatches(items(40), options({ load, prefetchBatches: 2 }));
    const first = await gen.next();
    expect(first.done).toBe(false);
    await sleep(80);
    // Batch 0 held by the consumer, batches 1 and 2 prefetched: 12 started, not more.
    expect(stats.started).toBe(12);
    await gen.return(undefined);
    await sleep(30);
    expect(stats.started).toBe(12);
  });

  it('augmentation is deterministic whatever the decode timing and concurrency', async () => {
    const run = async (concurrency: number) =>
      collect(imageBatches(items(11), options({ load: slowLoader().load, concurrency, augment: 'strong', rng: createRng(7) })));
    const a = await run(4);
    const b = await run(4);
    const c = await run(1);
    for (let i = 0; i < a.length; i++) {
      expect(Buffer.from(a[i]!.data.buffer).equals(Buffer.from(b[i]!.data.buffer))).toBe(true);
      expect(Buffer.from(a[i]!.data.buffer).equals(Buffer.from(c[i]!.data.buffer))).toBe(true);
    }
    // The same Rng used again (next epoch) gives different views.
    const rng = createRng(7);
    const epoch1 = await collect(imageBatches(items(4), options({ load: slowLoader().load, augment: 'weak', rng })));
    const epoch2 = await collect(imageBatches(items(4), options({ load: slowLoader().load, augment: 'weak', rng })));
    expect(Buffer.from(epoch1[0]!.data.buffer).equals(Buffer.from(epoch2[0]!.data.buffer))).toBe(false);
  });

  it('stops on abort, between batches and while waiting for a decode', async () => {
    const controller = new AbortController();
    const gen = imageBatches(items(12), options({ load: slowLoader().load, signal: controller.signal }));
    expect((await gen.next()).done).toBe(false);
    controller.abort();
    await expect(gen.next()).rejects.toMatchObject({ name: 'AbortError' });

    const hanging = new AbortController();
    const never = () => new Promise<GreyImage>(() => undefined);
    const stuck = imageBatches(items(4), options({ load: never, signal: hanging.signal }));
    setTimeout(() => hanging.abort(), 20);
    await expect(stuck.next()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('reports which item failed, after delivering the batches before it', async () => {
    const { load } = slowLoader();
    const failing = async (item: ImageBatchItem) => {
      if (item.id === 'img-5') throw new Error('corrupt');
      return load(item);
    };
    const gen = imageBatches(items(8), options({ load: failing }));
    expect((await gen.next()).value?.ids).toEqual(['img-0', 'img-1', 'img-2', 'img-3']);
    await expect(gen.next()).rejects.toThrow(/img-5.*corrupt/);
  });

  it('rejects bad options and yields nothing for no items', async () => {
    expect(() => imageBatches(items(2), options({ batchSize: 0 }))).toThrow(RangeError);
    expect(() => imageBatches(items(2), options({ concurrency: 0 }))).toThrow(RangeError);
    expect(() => imageBatches(items(2), options({ augment: 'weak' }))).toThrow(/rng/);
    expect(await collect(imageBatches([], options({})))).toEqual([]);
  });
});

describe('imageBatches with files on disk', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'neuro-ssl-batches-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('decodes, preprocesses and normalises real files', async () => {
    const files: ImageBatchItem[] = [];
    for (let i = 0; i < 5; i++) {
      const file = path.join(dir, `scan-${i}.jpg`); // PNG bytes behind a .jpg name, as in real data
      await sharp(Buffer.alloc(40 * 30, 20 + 40 * i), { raw: { width: 40, height: 30, channels: 1 } }).png().toFile(file);
      files.push({ id: `scan-${i}`, path: file });
    }
    const batches = await collect(imageBatches(files, options({ batchSize: 2, concurrency: 4, preprocess: { ...cfg, imageSize: 20 } })));
    expect(batches.map((b) => b.shape[0])).toEqual([2, 2, 1]);
    expect(batches[0]!.shape).toEqual([2, 20, 20, 3]);
    // Centre pixel of image 3 (value 140), letterboxed 40x30 → 20x20 keeps the middle.
    const centre = (10 * 20 + 10) * 3;
    expect(batches[1]!.data[20 * 20 * 3 + centre]).toBeCloseTo(140 / 127.5 - 1, 5);
  });
});
