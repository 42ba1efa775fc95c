import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PreprocessConfig } from '../data/data-config.js';
import { clutteredScan } from './__fixtures__/synthetic.js';
import { createGreyImage } from './grey-image.js';
import { imageBatches } from './image-batches.js';
import { IMAGENET_NORMALIZATION } from './normalization.js';
import { preprocessGrey } from './preprocess.js';
import { BR35H_DIR } from '../__fixtures__/shared-paths.js';

const base: PreprocessConfig = { normalize: false, clahe: false, crop: 'none', imageSize: 64 };

describe('preprocessGrey', () => {
  it('letterboxes a non-square image to imageSize without cropping', async () => {
    const img = createGreyImage(200, 100, 150);
    const out = await preprocessGrey(img, base);
    expect(out.width).toBe(64);
    expect(out.height).toBe(64);
    expect(out.data[0]).toBe(0); // black band above
    expect(out.data[32 * 64 + 32]).toBe(150);
  });

  it('crops to the brain: the frame and text vanish, the head fills the square', async () => {
    const { img } = clutteredScan();
    const none = await preprocessGrey(img, base);
    const brain = await preprocessGrey(img, { ...base, crop: 'brain' });
    expect(brain.width).toBe(64);
    // Frame pixels sit on the outer rows without cropping, not with it.
    expect(Math.max(...none.data.subarray(0, 64 * 2))).toBeGreaterThan(100);
    // (Only resampling spill-over of the head's edge, never a 255 frame.)
    expect(Math.max(...brain.data.subarray(0, 64))).toBeLessThan(40);
    expect(Math.max(...brain.data.subarray(63 * 64))).toBeLessThan(40);
    // The head (taller than wide, so letterboxed left-right) spans most of the middle row.
    const middle = Array.from(brain.data.subarray(32 * 64, 33 * 64));
    expect(middle.filter((v) => v > 60).length).toBeGreaterThan(40);
  });

  it('applies normalise and CLAHE after resizing', async () => {
    const img = createGreyImage(80, 80, 100);
    for (let i = 0; i < img.data.length; i++) img.data[i] = 100 + (i % 13);
    const out = await preprocessGrey(img, { ...base, normalize: true, clahe: true });
    expect(out.width).toBe(64);
    expect(Math.max(...out.data) - Math.min(...out.data)).toBeGreaterThan(100);
    await expect(preprocessGrey(img, { ...base, imageSize: 0 })).rejects.toThrow(RangeError);
  });
});

const realRoot = BR35H_DIR;
const realDir = path.join(realRoot, 'avec_labels', 'Cancer');
const haveReal = existsSync(realDir);

describe('real images (br35h-oc)', () => {
  it.skipIf(!haveReal)('preprocesses 3 real scans to 224x224x3 ImageNet-normalised floats', async () => {
    const names = readdirSync(realDir).sort().slice(0, 3);
    const items = names.map((name) => ({ id: name, path: path.join(realDir, name) }));
    const cfg: PreprocessConfig = { normalize: true, clahe: true, crop: 'brain', imageSize: 224 };
    const batches = [];
    for await (const b of imageBatches(items, { preprocess: cfg, normalization: IMAGENET_NORMALIZATION, batchSize: 8, concurrency: 3 })) batches.push(b);
    expect(batches).toHaveLength(1);
    const [batch] = batches;
    expect(batch!.shape).toEqual([3, 224, 224, 3]);
    expect(batch!.ids).toEqual(names);
    let min = Infinity;
    let max = -Infinity;
    for (const v of batch!.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(Math.fround((0 - 0.485) / 0.229));
    expect(max).toBeLessThanOrEqual(Math.fround((1 - 0.406) / 0.225));
    // Real content, not a blank: the stretch and CLAHE use most of the range.
    expect(max - min).toBeGreaterThan(3);
  });
});
