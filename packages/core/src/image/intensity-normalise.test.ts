import { describe, expect, it } from 'vitest';
import { createGreyImage, histogram } from './grey-image.js';
import { normaliseIntensity, percentileFromHistogram } from './intensity-normalise.js';

/** Values 50..149, ten pixels each. */
function ramp() {
  const img = createGreyImage(100, 10);
  for (let i = 0; i < img.data.length; i++) img.data[i] = 50 + (i % 100);
  return img;
}

describe('percentile stretch', () => {
  it('finds percentiles on a histogram', () => {
    const hist = histogram(ramp());
    expect(percentileFromHistogram(hist, 0)).toBe(50);
    expect(percentileFromHistogram(hist, 1)).toBe(50);
    expect(percentileFromHistogram(hist, 50)).toBe(99);
    expect(percentileFromHistogram(hist, 99)).toBe(148);
    expect(percentileFromHistogram(hist, 100)).toBe(149);
  });

  it('maps the 1st percentile to 0 and the 99th to 255, linearly between', () => {
    const img = ramp();
    const out = normaliseIntensity(img);
    const at = (v: number) => out.data[img.data.indexOf(v)];
    expect(at(50)).toBe(0);
    expect(at(148)).toBe(255);
    expect(at(149)).toBe(255);
    expect(at(99)).toBe(Math.round(((99 - 50) * 255) / 98));
    expect(img.data[0]).toBe(50); // input untouched
  });

  it('honours custom percentiles and leaves flat images alone', () => {
    const img = ramp();
    const out = normaliseIntensity(img, { lowPercentile: 10, highPercentile: 90 });
    expect(out.data[img.data.indexOf(59)]).toBe(0);
    expect(out.data[img.data.indexOf(139)]).toBe(255);
    const flat = createGreyImage(5, 5, 77);
    expect(Array.from(normaliseIntensity(flat).data)).toEqual(Array.from(flat.data));
    expect(() => normaliseIntensity(img, { lowPercentile: 60, highPercentile: 40 })).toThrow(RangeError);
  });
});
