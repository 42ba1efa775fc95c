import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { noiseImage } from './__fixtures__/synthetic.js';
import { IDENTITY_AUGMENT, applyAugment, augment, drawAugmentParams, type AugmentParams } from './augment.js';
import { createGreyImage, type GreyImage } from './grey-image.js';
import { imageBatches, type ImageBatch } from './image-batches.js';
import { IMAGENET_NORMALIZATION } from './normalization.js';
import { DEFAULT_STRONG_AUGMENT, RAND_AUGMENT_OPS, checkStrongAugmentPolicy, drawRandAugment } from './rand-augment.js';

const same = (a: GreyImage, b: GreyImage) => Buffer.from(a.data).equals(Buffer.from(b.data));
const view = (img: GreyImage, p: Partial<AugmentParams>) => applyAugment(img, { ...IDENTITY_AUGMENT, ...p });

/** One bright pixel at (x, y) on black. */
function dot(size: number, x: number, y: number): GreyImage {
  const img = createGreyImage(size, size);
  img.data[y * size + x] = 250;
  return img;
}

function brightest(img: GreyImage): { x: number; y: number } {
  let best = 0;
  for (let i = 1; i < img.data.length; i++) if (img.data[i]! > img.data[best]!) best = i;
  return { x: best % img.width, y: Math.floor(best / img.width) };
}

/** Sum of squared 4-neighbour Laplacians over the interior: high-frequency energy. */
function laplacianEnergy(img: GreyImage): number {
  const { width: w, height: h, data } = img;
  let e = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const l = data[i - 1]! + data[i + 1]! + data[i - w]! + data[i + w]! - 4 * data[i]!;
      e += l * l;
    }
  }
  return e;
}

/** Two vertical halves at 100 and 200. */
function halves(size = 32): GreyImage {
  const img = createGreyImage(size, size, 100);
  for (let y = 0; y < size; y++) img.data.fill(200, y * size + size / 2, (y + 1) * size);
  return img;
}

describe('RandAugment strong policy', () => {
  const img = noiseImage(64, 64, 5);

  it('is deterministic: same image and seed give the same ops and bytes; the default policy is FixMatch’s', () => {
    expect(DEFAULT_STRONG_AUGMENT).toEqual({ ops: 2, magnitude: 10 });
    const policy = { ops: 3, magnitude: 7 };
    expect(drawRandAugment(createRng(11), policy)).toEqual(drawRandAugment(createRng(11), policy));
    expect(same(augment(img, 'strong', createRng(11), policy), augment(img, 'strong', createRng(11), policy))).toBe(true);
    expect(drawAugmentParams('strong', createRng(11), policy)).toEqual(drawRandAugment(createRng(11), policy).params);
    // Without a policy, strong is the default one.
    expect(same(augment(img, 'strong', createRng(3)), augment(img, 'strong', createRng(3), DEFAULT_STRONG_AUGMENT))).toBe(true);
    const views = new Set(Array.from({ length: 8 }, (_, s) => Buffer.from(augment(img, 'strong', createRng(s)).data).toString('base64')));
    expect(views.size).toBe(8);
  });

  it('draws N distinct ops per view, every op about equally often', () => {
    for (const ops of [0, 1, 3, RAND_AUGMENT_OPS.length]) {
      for (let seed = 0; seed < 30; seed++) {
        const drawn = drawRandAugment(createRng(seed), { ops, magnitude: 10 }).ops;
        expect(drawn).toHaveLength(ops);
        expect(new Set(drawn).size).toBe(ops);
      }
    }
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 1300; seed++) for (const op of drawRandAugment(createRng(seed)).ops) counts.set(op, (counts.get(op) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...RAND_AUGMENT_OPS].sort());
    // 2600 draws over 13 ops: 200 each expected (binomial sd ≈ 13.6).
    for (const [op, n] of counts) expect(n, op).toBeGreaterThan(150);
    for (const [op, n] of counts) expect(n, op).toBeLessThan(250);
  });

  it('magnitude caps every strength; the range is reached with both signs; cutout comes always', () => {
    const rotations: number[] = [];
    for (let seed = 0; seed < 400; seed++) {
      const { ops, params: p } = drawRandAugment(createRng(seed), { ops: 4, magnitude: 5 });
      expect(Math.abs(p.rotation)).toBeLessThanOrEqual(15);
      for (const v of [p.shearX, p.shearY, p.shiftX, p.shiftY]) expect(Math.abs(v)).toBeLessThanOrEqual(0.15);
      for (const v of [p.contrast, p.brightness, p.sharpness]) expect(Math.abs(v - 1)).toBeLessThanOrEqual(0.45);
      expect(p.gamma).toBeGreaterThanOrEqual(1.5 ** -0.5);
      expect(p.gamma).toBeLessThanOrEqual(1.5 ** 0.5);
      expect(p.noiseSigma).toBeLessThanOrEqual(6);
      expect(p.blurSigma).toBeLessThanOrEqual(0.75);
      expect(p.cutout!.size).toBeLessThanOrEqual(0.25);
      expect(p.cutout!.x + p.cutout!.size).toBeLessThanOrEqual(1);
      // An op that was not drawn leaves its parameter at the identity.
      if (!ops.includes('rotate')) expect(p.rotation).toBe(0);
      if (!ops.includes('flip')) expect(p.flip).toBe(false);
      if (!ops.includes('gamma')) expect(p.gamma).toBe(1);
      if (ops.includes('rotate')) rotations.push(p.rotation);
    }
    expect(Math.min(...rotations)).toBeLessThan(-12);
    expect(Math.max(...rotations)).toBeGreaterThan(12);
  });

  it('magnitude 0: no intensity or geometric change and no cutout — only a drawn flip mirrors', () => {
    for (let seed = 0; seed < 40; seed++) {
      const { ops, params } = drawRandAugment(createRng(seed), { ops: 3, magnitude: 0 });
      expect(params.cutout).toBeNull();
      const out = applyAugment(img, params);
      expect(same(out, ops.includes('flip') ? view(img, { flip: true }) : img)).toBe(true);
    }
  });

  it('geometric ops move a point where they say, about the centre', () => {
    // 65 x 65: the centre is pixel (32, 32). A point 10 below it, sheared x by 0.2: the source x of
    // output (x, y) is x + 0.2 y (offsets from the centre), so it shows at x = -2.
    expect(brightest(view(dot(65, 32, 42), { shearX: 0.2 }))).toEqual({ x: 30, y: 42 });
    expect(brightest(view(dot(65, 32, 42), { shearX: -0.2 }))).toEqual({ x: 34, y: 42 });
    expect(brightest(view(dot(65, 42, 32), { shearY: 0.3 }))).toEqual({ x: 42, y: 29 });
    // Translate is a fraction of the side: 0.25 of 64 = 16 pixels.
    expect(brightest(view(dot(64, 20, 30), { shiftX: 0.25 }))).toEqual({ x: 36, y: 30 });
    expect(brightest(view(dot(64, 20, 30), { shiftY: -0.25 }))).toEqual({ x: 20, y: 14 });
    // Rotation by 90 degrees counter-clockwise: a point right of the centre goes above it.
    expect(brightest(view(dot(65, 42, 32), { rotation: 90 }))).toEqual({ x: 32, y: 22 });
  });

  it('intensity ops map known values', () => {
    const grey = createGreyImage(8, 8, 128);
    // gamma: 255 (128/255)^0.5 = 180.7, 255 (128/255)^2 = 64.25.
    expect(view(grey, { gamma: 0.5 }).data[0]).toBe(181);
    expect(view(grey, { gamma: 2 }).data[0]).toBe(64);
    expect(view(createGreyImage(8, 8, 255), { gamma: 1.5 }).data[0]).toBe(255);
    // contrast stretches around the mean (150): 100 -> 75, 200 -> 225; brightness scales.
    const c = view(halves(), { contrast: 1.5 });
    expect([c.data[0], c.data[31]]).toEqual([75, 225]);
    const b = view(halves(), { brightness: 0.5 });
    expect([b.data[0], b.data[31]]).toEqual([50, 100]);
    // sharpness keeps a flat image flat, and factor 0 is the 3x3 smooth: 100*8/13 + 200*5/13 at the edge.
    expect(same(view(grey, { sharpness: 1.9 }), grey)).toBe(true);
    const smooth = view(halves(), { sharpness: 0 });
    expect(smooth.data[5 * 32 + 15]).toBe(Math.round((100 * 10 + 200 * 3) / 13));
    expect(smooth.data[5 * 32 + 16]).toBe(Math.round((100 * 3 + 200 * 10) / 13));
  });

  it('sharpness raises the Laplacian energy, blur lowers it, noise adds spread', () => {
    const base = noiseImage(48, 48, 9);
    const blurred = view(base, { blurSigma: 1 });
    const e0 = laplacianEnergy(blurred);
    expect(laplacianEnergy(view(blurred, { sharpness: 1.9 }))).toBeGreaterThan(1.5 * e0);
    expect(laplacianEnergy(view(blurred, { sharpness: 0.1 }))).toBeLessThan(0.7 * e0);
    expect(laplacianEnergy(view(base, { blurSigma: 1.5 }))).toBeLessThan(0.2 * laplacianEnergy(base));
    const flat = createGreyImage(64, 64, 128);
    const noisy = view(flat, { noiseSigma: 12, noiseSeed: 1 });
    let ss = 0;
    for (const v of noisy.data) ss += (v - 128) ** 2;
    expect(Math.sqrt(ss / noisy.data.length)).toBeCloseTo(12, 0);
  });

  it('rejects a policy out of range, naming the field and the expected values', () => {
    expect(() => checkStrongAugmentPolicy({ ops: 14, magnitude: 5 })).toThrow('strongAugment.ops: expected an integer from 0 to 13, got 14');
    expect(() => checkStrongAugmentPolicy({ ops: 1.5, magnitude: 5 })).toThrow(/ops: expected an integer/);
    expect(() => drawRandAugment(createRng(1), { ops: 2, magnitude: 11 })).toThrow('strongAugment.magnitude: expected a number from 0 to 10, got 11');
    expect(() => checkStrongAugmentPolicy({ ops: 2, magnitude: Number.NaN }, 'stages[2].with.strongAugment')).toThrow(/^stages\[2\]\.with\.strongAugment\.magnitude/);
    expect(() => imageBatches([], { preprocess: {} as never, normalization: IMAGENET_NORMALIZATION, batchSize: 2, concurrency: 1, strongAugment: { ops: -1, magnitude: 1 } })).toThrow(/ops/);
  });

  it('imageBatches applies the policy it is given to strong views', async () => {
    const items = [0, 1, 2].map((i) => ({ id: `i${i}`, path: `p${i}` }));
    const load = async (item: { id: string }) => noiseImage(16, 16, Number(item.id.slice(1)) + 1);
    const preprocess = { imageSize: 16 } as never;
    const collect = async (gen: AsyncGenerator<ImageBatch>) => {
      const out: number[] = [];
      for await (const b of gen) out.push(...b.data);
      return out;
    };
    const base = { preprocess, normalization: IMAGENET_NORMALIZATION, batchSize: 2, concurrency: 2, load };
    const clean = await collect(imageBatches(items, base));
    // ops 0 at magnitude 0 is the identity: strong views are the clean images.
    const identity = await collect(imageBatches(items, { ...base, augment: 'strong', rng: createRng(1), strongAugment: { ops: 0, magnitude: 0 } }));
    expect(identity).toEqual(clean);
    const strong = await collect(imageBatches(items, { ...base, augment: 'strong', rng: createRng(1) }));
    expect(strong).not.toEqual(clean);
  });
});
