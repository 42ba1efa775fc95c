import { describe, expect, it } from 'vitest';
import { assertGreyImage, cloneGreyImage, createGreyImage, cropGreyImage, histogram, meanValue, padToSquare } from './grey-image.js';

const img3x2 = () => ({ width: 3, height: 2, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) });

describe('grey-image helpers', () => {
  it('creates, validates and clones', () => {
    const img = createGreyImage(4, 2, 7);
    expect(img.data.length).toBe(8);
    expect(img.data.every((v) => v === 7)).toBe(true);
    expect(() => assertGreyImage({ width: 3, height: 3, data: new Uint8Array(8) })).toThrow(/expected 3x3=9/);
    expect(() => createGreyImage(0, 3)).toThrow(RangeError);
    const copy = cloneGreyImage(img);
    copy.data[0] = 0;
    expect(img.data[0]).toBe(7);
  });

  it('crops a box and rejects boxes outside the image', () => {
    expect(Array.from(cropGreyImage(img3x2(), { x: 1, y: 0, width: 2, height: 2 }).data)).toEqual([2, 3, 5, 6]);
    expect(() => cropGreyImage(img3x2(), { x: 2, y: 0, width: 2, height: 1 })).toThrow(RangeError);
  });

  it('pads to a centred square', () => {
    const sq = padToSquare(img3x2());
    expect(sq.width).toBe(3);
    expect(sq.height).toBe(3);
    expect(Array.from(sq.data)).toEqual([1, 2, 3, 4, 5, 6, 0, 0, 0]);
    const tall = padToSquare({ width: 1, height: 3, data: Uint8Array.from([9, 9, 9]) });
    expect(Array.from(tall.data)).toEqual([0, 9, 0, 0, 9, 0, 0, 9, 0]);
  });

  it('computes histogram and mean', () => {
    const h = histogram(img3x2());
    expect(h[1]).toBe(1);
    expect(h.reduce((a, b) => a + b, 0)).toBe(6);
    expect(meanValue(img3x2())).toBe(3.5);
  });
});
