import { describe, expect, it } from 'vitest';
import { createGreyImage } from './grey-image.js';
import { IMAGENET_NORMALIZATION, MINUS_ONE_ONE_NORMALIZATION, toFloatRGB } from './normalization.js';

describe('toFloatRGB', () => {
  const img = { width: 2, height: 1, data: Uint8Array.from([255, 0]) };

  it('applies ImageNet mean/std per channel, interleaved HxWx3', () => {
    const out = toFloatRGB(img, IMAGENET_NORMALIZATION);
    expect(out.length).toBe(6);
    const expected = [
      (1 - 0.485) / 0.229,
      (1 - 0.456) / 0.224,
      (1 - 0.406) / 0.225,
      (0 - 0.485) / 0.229,
      (0 - 0.456) / 0.224,
      (0 - 0.406) / 0.225,
    ].map(Math.fround);
    expect(Array.from(out)).toEqual(expected);
  });

  it('maps 0..255 to -1..1 for the Keras MobileNet convention', () => {
    const mid = { width: 3, height: 1, data: Uint8Array.from([0, 255, 51]) };
    const out = toFloatRGB(mid, MINUS_ONE_ONE_NORMALIZATION);
    expect(Array.from(out.subarray(0, 6))).toEqual([-1, -1, -1, 1, 1, 1]);
    expect(out[6]).toBe(Math.fround(51 / 127.5 - 1));
  });

  it('writes into a batch buffer at an offset and checks bounds', () => {
    const batch = new Float32Array(2 + 6 + 2).fill(7);
    const ret = toFloatRGB(img, MINUS_ONE_ONE_NORMALIZATION, batch, 2);
    expect(ret).toBe(batch);
    expect(Array.from(batch)).toEqual([7, 7, 1, 1, 1, -1, -1, -1, 7, 7]);
    expect(() => toFloatRGB(img, MINUS_ONE_ONE_NORMALIZATION, batch, 5)).toThrow(RangeError);
    expect(() => toFloatRGB(createGreyImage(4, 4), IMAGENET_NORMALIZATION, new Float32Array(10))).toThrow(RangeError);
  });
});
