import { describe, expect, it } from 'vitest';
import { noiseImage } from './__fixtures__/synthetic.js';
import { createGreyImage } from './grey-image.js';
import { resizeGrey, resizeGreyBilinear } from './resize.js';

describe('resizeGrey (sharp)', () => {
  it('resizes to the requested size, keeps flat images flat, and is deterministic', async () => {
    const flat = await resizeGrey(createGreyImage(300, 200, 123), 64, 64);
    expect(flat.width).toBe(64);
    expect(flat.height).toBe(64);
    expect(flat.data.length).toBe(64 * 64);
    expect(new Set(flat.data)).toEqual(new Set([123]));
    const noise = noiseImage(517, 311, 7);
    const a = await resizeGrey(noise, 224, 224);
    const b = await resizeGrey(noise, 224, 224);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
  });

  it('returns a copy when the size already matches', async () => {
    const img = noiseImage(16, 16);
    const out = await resizeGrey(img, 16, 16);
    expect(Array.from(out.data)).toEqual(Array.from(img.data));
    expect(out.data).not.toBe(img.data);
  });
});

describe('resizeGreyBilinear (pure TS)', () => {
  it('averages blocks when shrinking by an integer factor', () => {
    const img = { width: 4, height: 2, data: Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70]) };
    expect(Array.from(resizeGreyBilinear(img, 2, 1).data)).toEqual([25, 45]);
  });

  it('interpolates when enlarging and keeps flat images flat', () => {
    const img = { width: 2, height: 1, data: Uint8Array.from([0, 100]) };
    expect(Array.from(resizeGreyBilinear(img, 4, 1).data)).toEqual([0, 25, 75, 100]);
    expect(new Set(resizeGreyBilinear(createGreyImage(7, 5, 9), 13, 3).data)).toEqual(new Set([9]));
  });
});
