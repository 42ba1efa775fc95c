import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { noiseImage } from './__fixtures__/synthetic.js';
import { IDENTITY_AUGMENT, applyAugment, augment, drawAugmentParams } from './augment.js';
import { createGreyImage, type GreyImage } from './grey-image.js';

/** Bright block in the left third: asymmetric left-right. */
function leftBlob(size = 64): GreyImage {
  const img = createGreyImage(size, size);
  for (let y = 24; y < 40; y++) for (let x = 6; x < 18; x++) img.data[y * size + x] = 200;
  return img;
}

function centroidX(img: GreyImage): number {
  let sum = 0;
  let mass = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      sum += x * img.data[y * img.width + x]!;
      mass += img.data[y * img.width + x]!;
    }
  }
  return sum / mass;
}

const same = (a: GreyImage, b: GreyImage) => Buffer.from(a.data).equals(Buffer.from(b.data));

describe('augment', () => {
  const img = noiseImage(96, 80, 3);

  for (const level of ['weak', 'strong'] as const) {
    it(`${level}: same seed gives identical bytes, different seeds differ`, () => {
      const a = augment(img, level, createRng(42));
      const b = augment(img, level, createRng(42));
      const c = augment(img, level, createRng(43));
      expect(a.width).toBe(96);
      expect(a.height).toBe(80);
      expect(same(a, b)).toBe(true);
      expect(same(a, c)).toBe(false);
      expect(same(a, img)).toBe(false);
    });
  }

  it('identity parameters copy the image exactly; flip alone mirrors it exactly', () => {
    expect(same(applyAugment(img, IDENTITY_AUGMENT), img)).toBe(true);
    const flipped = applyAugment(img, { ...IDENTITY_AUGMENT, flip: true });
    for (let y = 0; y < img.height; y++) {
      for (let x = 0; x < img.width; x++) expect(flipped.data[y * 96 + x]).toBe(img.data[y * 96 + 95 - x]);
    }
  });

  it('weak: flips about half the time, and a flip moves a left blob to the right', () => {
    const blob = leftBlob();
    let flips = 0;
    for (let seed = 0; seed < 40; seed++) {
      const params = drawAugmentParams('weak', createRng(seed));
      const out = augment(blob, 'weak', createRng(seed));
      if (params.flip) flips++;
      // Rotation <= 10 deg and shift <= 5% cannot carry the blob across the middle.
      if (params.flip) expect(centroidX(out)).toBeGreaterThan(40);
      else expect(centroidX(out)).toBeLessThan(24);
    }
    expect(flips).toBeGreaterThan(8);
    expect(flips).toBeLessThan(32);
  });

  it('weak: the same bytes as before the strong policy became RandAugment (digest of 20 views)', () => {
    // Computed from the code before rand-augment.ts existed; a change here changes every weak view of
    // every cached probe feature and finetune run.
    const digest = createHash('sha256');
    for (let seed = 0; seed < 20; seed++) digest.update(augment(img, 'weak', createRng(seed)).data);
    expect(digest.digest('hex')).toBe('305758862d15eccffe02e743dbbbaffc1bb30fe15d84df08b2944655404cdee6');
  });

  it('draws weak parameters within the documented ranges', () => {
    for (let seed = 0; seed < 50; seed++) {
      const w = drawAugmentParams('weak', createRng(seed));
      expect(Math.abs(w.rotation)).toBeLessThanOrEqual(10);
      expect(Math.abs(w.shiftX)).toBeLessThanOrEqual(0.05);
      expect(w.brightness).toBeGreaterThanOrEqual(0.9);
      expect(w.brightness).toBeLessThanOrEqual(1.1);
      expect(w.cutout).toBeNull();
      expect([w.shearX, w.shearY, w.gamma, w.sharpness, w.scale, w.contrast]).toEqual([0, 0, 1, 1, 1, 1]);
    }
  });

  it('cutout blacks out a square of the requested size', () => {
    const bright = createGreyImage(100, 100, 180);
    const out = applyAugment(bright, { ...IDENTITY_AUGMENT, cutout: { x: 0.5, y: 0.2, size: 0.2 } });
    let zeros = 0;
    for (const v of out.data) if (v === 0) zeros++;
    expect(zeros).toBe(20 * 20);
    expect(out.data[25 * 100 + 55]).toBe(0);
    expect(out.data[10 * 100 + 10]).toBe(180);
  });
});
