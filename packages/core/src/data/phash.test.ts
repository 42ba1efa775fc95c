import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { BR35H_DIR } from '../__fixtures__/shared-paths.js';
import { slice } from './__fixtures__/synthetic-dataset.js';
import { hammingDistance } from './dhash.js';
import { computeImageHashes, computePhash, lowFrequencyDct, PHASH_SIZE, phashFromCoefficients, phashOfGrey } from './phash.js';

describe('phashFromCoefficients', () => {
  it('sets a bit per coefficient above the median of the 64, row-major, MSB first', () => {
    const rising = Float64Array.from({ length: 64 }, (_, i) => i);
    expect(phashFromCoefficients(rising)).toBe('00000000ffffffff');
    const first = new Float64Array(64);
    first[0] = 1;
    expect(phashFromCoefficients(first)).toBe('8000000000000000');
    expect(() => phashFromCoefficients(new Float64Array(63))).toThrow(/64 coefficients/);
  });
});

describe('lowFrequencyDct', () => {
  it('puts a flat image in the DC coefficient alone, and a horizontal cosine in (0, 1)', () => {
    const flat = lowFrequencyDct(new Float64Array(PHASH_SIZE * PHASH_SIZE).fill(10));
    expect(flat[0]).toBeCloseTo(10 * PHASH_SIZE * PHASH_SIZE, 6);
    for (let i = 1; i < 64; i++) expect(Math.abs(flat[i]!)).toBeLessThan(1e-9);
    const wave = Float64Array.from({ length: PHASH_SIZE * PHASH_SIZE }, (_, i) => Math.cos((Math.PI * ((i % PHASH_SIZE) + 0.5)) / PHASH_SIZE));
    const c = lowFrequencyDct(wave);
    const largest = [...c].reduce((best, v, i) => (Math.abs(v) > Math.abs(c[best]!) ? i : best), 0);
    expect(largest).toBe(1);
  });
});

describe('computeImageHashes', () => {
  const original = { width: 480, height: 400, seed: 7, blob: { x: 0.3, y: 0.6 } };

  it('hashes the same pixels identically whatever the container (one decode, one resampling kernel)', async () => {
    // 480×400 → 32×32: a JPEG decoder shrinking on load (1/8 DCT scaling) would see other pixels.
    const jpeg = await slice(original).jpeg({ quality: 90 }).toBuffer();
    const png = await sharp(jpeg).png().toBuffer();
    const webp = await sharp(jpeg).webp({ lossless: true }).toBuffer();
    const a = await computeImageHashes(jpeg);
    expect(a).toMatchObject({ width: 480, height: 400 });
    expect(a.phash).toMatch(/^[0-9a-f]{16}$/);
    expect(await computeImageHashes(png)).toEqual(a);
    expect(await computeImageHashes(webp)).toEqual(a);
    expect(await computePhash(jpeg)).toBe(a.phash);
  });

  it('moves a few bits at most for resized, re-encoded and re-contrasted copies; distinct slices are far', async () => {
    const hash = (await computeImageHashes(await slice(original).png().toBuffer())).phash;
    const copies = [
      slice(original).resize(240, 200).jpeg({ quality: 70 }),
      slice(original).resize(720, 600).png(),
      slice(original).linear(0.8, 20).png(),
      slice(original).linear(1.2, -15).jpeg({ quality: 85 }),
      slice(original).gamma(2.2, 1.8).png(),
    ];
    for (const copy of copies) expect(hammingDistance(hash, await computePhash(await copy.toBuffer()))).toBeLessThanOrEqual(4);
    for (const seed of [8, 9, 10]) {
      const other = await computePhash(await slice({ ...original, seed }).png().toBuffer());
      expect(hammingDistance(hash, other)).toBeGreaterThan(10);
    }
  });

  it('interpolates images smaller than 32 px up rather than failing', () => {
    const tiny = { width: 3, height: 2, data: Uint8Array.of(0, 50, 100, 150, 200, 250) };
    expect(phashOfGrey(tiny)).toMatch(/^[0-9a-f]{16}$/);
  });

  it('throws on a truncated file (a full decode, not just the header)', async () => {
    const jpeg = await slice(original).jpeg().toBuffer();
    await expect(computeImageHashes(jpeg.subarray(0, jpeg.length >> 1))).rejects.toThrow();
  });

  it.skipIf(!existsSync(BR35H_DIR))('on real Br35H slices, a JPEG and its decoded pixels saved as PNG hash identically', async () => {
    // Before the hashes were computed from the full decode, such pairs were up to 12 dHash bits apart.
    const dir = path.join(BR35H_DIR, 'sans_label');
    const names = (await fs.readdir(dir)).sort().slice(0, 24);
    for (const name of names) {
      const bytes = await fs.readFile(path.join(dir, name));
      const png = await sharp(bytes).png().toBuffer();
      const [a, b] = [await computeImageHashes(bytes), await computeImageHashes(png)];
      expect({ name, phash: b.phash, dhash: b.dhash }).toEqual({ name, phash: a.phash, dhash: a.dhash });
    }
  });
});
