// Percentile intensity stretch. Scanners and exports differ in window/level, so the same tissue can
// be grey 90 in one file and 200 in another; stretching the 1st..99th percentiles to 0..255 puts
// every image on a comparable scale while a few saturated pixels (text, frames) cannot dictate it.

import { createGreyImage, histogram, type GreyImage } from './grey-image.js';

export interface NormaliseOptions {
  /** Percentile (0..100) mapped to 0. Default 1. */
  lowPercentile?: number;
  /** Percentile (0..100) mapped to 255. Default 99. */
  highPercentile?: number;
}

/** Smallest value v such that at least p% of the pixels are <= v. */
export function percentileFromHistogram(hist: ArrayLike<number>, p: number): number {
  let total = 0;
  for (let v = 0; v < 256; v++) total += hist[v]!;
  if (total === 0) return 0;
  const target = (Math.min(100, Math.max(0, p)) / 100) * total;
  let cumulative = 0;
  for (let v = 0; v < 256; v++) {
    cumulative += hist[v]!;
    if (cumulative >= target && cumulative > 0) return v;
  }
  return 255;
}

/** Linear stretch of [low percentile, high percentile] to [0, 255], clamped. A flat image is returned unchanged (copied). */
export function normaliseIntensity(img: GreyImage, options: NormaliseOptions = {}): GreyImage {
  const lowP = options.lowPercentile ?? 1;
  const highP = options.highPercentile ?? 99;
  if (!(lowP < highP)) throw new RangeError(`lowPercentile (${lowP}) must be below highPercentile (${highP})`);
  const hist = histogram(img);
  const lo = percentileFromHistogram(hist, lowP);
  const hi = percentileFromHistogram(hist, highP);
  const out = createGreyImage(img.width, img.height);
  if (hi <= lo) {
    out.data.set(img.data);
    return out;
  }
  const lut = new Uint8Array(256);
  const scale = 255 / (hi - lo);
  for (let v = 0; v < 256; v++) lut[v] = Math.min(255, Math.max(0, Math.round((v - lo) * scale)));
  const src = img.data;
  const dst = out.data;
  for (let i = 0; i < src.length; i++) dst[i] = lut[src[i]!]!;
  return out;
}
