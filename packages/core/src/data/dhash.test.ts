import { describe, expect, it } from 'vitest';

import { slice } from './__fixtures__/synthetic-dataset.js';
import { computeDhash, dhashFromPixels, hammingDistance, popcount32 } from './dhash.js';

describe('dhashFromPixels', () => {
  it('sets a bit where the right neighbour is brighter, row-major, MSB first', () => {
    const rising = Uint8Array.from({ length: 72 }, (_, i) => (i % 9) * 10);
    expect(dhashFromPixels(rising)).toBe('ffffffffffffffff');
    const falling = Uint8Array.from({ length: 72 }, (_, i) => 100 - (i % 9) * 10);
    expect(dhashFromPixels(falling)).toBe('0000000000000000');
    // Only the first pair of the first row rises: the most significant bit.
    const first = new Uint8Array(72);
    first[1] = 1;
    expect(dhashFromPixels(first)).toBe('8000000000000000');
    // Only the last pair of the last row rises: the least significant bit.
    const last = new Uint8Array(72);
    last[71] = 1;
    expect(dhashFromPixels(last)).toBe('0000000000000001');
  });

  it('rejects a raster of the wrong size', () => {
    expect(() => dhashFromPixels(new Uint8Array(64))).toThrow(/72 grey pixels/);
  });
});

describe('hammingDistance', () => {
  it('counts differing bits across both halves', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('00000000ffffffff', 'FFFFFFFF00000000')).toBe(64);
    expect(hammingDistance('0f0f0f0f00000000', '0000000000000000')).toBe(16);
  });

  it('rejects malformed hashes', () => {
    expect(() => hammingDistance('abc', '0000000000000000')).toThrow(/16 hex digits/);
    expect(() => hammingDistance('zzzzzzzzzzzzzzzz', '0000000000000000')).toThrow(/16 hex digits/);
  });

  it('popcount32 handles the sign bit', () => {
    expect(popcount32(0xffffffff)).toBe(32);
    expect(popcount32(0x80000000)).toBe(1);
    expect(popcount32(0)).toBe(0);
  });
});

describe('computeDhash', () => {
  const original = { width: 240, height: 200, seed: 7, blob: { x: 0.3, y: 0.6 } };

  it('is stable under rescaling, re-encoding and a contrast change, and differs between images', async () => {
    const png = await slice(original).png().toBuffer();
    const hash = await computeDhash(png);
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(await computeDhash(png)).toBe(hash);

    // A few bits flip where neighbouring cells are equal (flat black background) and JPEG noise
    // decides; still well inside the default threshold of 6.
    const rescaled = await slice(original).resize(150, 125).jpeg({ quality: 70 }).toBuffer();
    expect(hammingDistance(hash, await computeDhash(rescaled))).toBeLessThanOrEqual(5);
    // Contrast changes keep the order of neighbouring cells (none clips here).
    const flatter = await slice(original).linear(0.8, 20).png().toBuffer();
    expect(hammingDistance(hash, await computeDhash(flatter))).toBeLessThanOrEqual(2);
    const rgb = await slice(original, 3).webp({ lossless: true }).toBuffer();
    expect(hammingDistance(hash, await computeDhash(rgb))).toBeLessThanOrEqual(1);

    const other = await slice({ ...original, seed: 8 }).png().toBuffer();
    expect(hammingDistance(hash, await computeDhash(other))).toBeGreaterThan(8);
  });

  it('throws on a truncated file (a full decode, not just the header)', async () => {
    const jpeg = await slice(original).jpeg().toBuffer();
    await expect(computeDhash(jpeg.subarray(0, jpeg.length >> 1))).rejects.toThrow();
  });
});
