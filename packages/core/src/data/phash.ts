// 64-bit DCT perceptual hash (pHash), the hash near-duplicate groups are built on. The decoded
// greyscale image is area-averaged to 32×32 (the one resampling kernel, pure TS, float64), its 2-D
// DCT-II taken, and the 8×8 lowest frequencies compared with their median: bit = coefficient above
// the median, row-major (vertical frequency, then horizontal), most significant bit first — the
// imagehash `phash` convention, on our own resampling.
//
// Why pHash rather than the dHash alone: low frequencies average over large areas, so JPEG noise,
// resampling and a brightness/contrast change (an affine map of the grey levels leaves the signs of
// the AC coefficients relative to their median unchanged) barely move it; and on Br35H it separates
// unrelated slices far better — dHash's bits compare neighbouring cells of an ellipse on black, which
// every axial slice shares, so any threshold that catches re-contrasted copies chains hundreds of
// unrelated images into one group (measured in the README, "The dataset").

import type { GreyImage } from '../image/grey-image.js';
import { resizeGreyFloat } from '../image/resize.js';
import { decodeForHash, dhashOfGrey, type DhashOptions } from './dhash.js';

/** Side of the area-averaged square the DCT is taken of. */
export const PHASH_SIZE = 32;
/** Side of the low-frequency block kept (8 × 8 = 64 bits). */
export const PHASH_LOW = 8;

/** cos(π (n + ½) k / N) for k < 8, n < 32: the DCT-II basis, computed once. */
const BASIS: Float64Array[] = Array.from({ length: PHASH_LOW }, (_, k) =>
  Float64Array.from({ length: PHASH_SIZE }, (_, n) => Math.cos((Math.PI * (n + 0.5) * k) / PHASH_SIZE)),
);

/** The 8×8 lowest-frequency coefficients (unnormalised DCT-II) of a 32×32 raster, row-major [v][u]. */
export function lowFrequencyDct(pixels: ArrayLike<number>): Float64Array {
  const n = PHASH_SIZE;
  if (pixels.length !== n * n) throw new Error(`phash: expected ${n * n} values, got ${pixels.length}`);
  // Rows first (horizontal frequencies u), then columns (vertical frequencies v); a fixed summation
  // order, so the coefficients are the same on every run and platform.
  const rows = new Float64Array(n * PHASH_LOW);
  for (let y = 0; y < n; y++) {
    for (let u = 0; u < PHASH_LOW; u++) {
      const basis = BASIS[u]!;
      let acc = 0;
      for (let x = 0; x < n; x++) acc += basis[x]! * (pixels[y * n + x] ?? 0);
      rows[y * PHASH_LOW + u] = acc;
    }
  }
  const out = new Float64Array(PHASH_LOW * PHASH_LOW);
  for (let v = 0; v < PHASH_LOW; v++) {
    const basis = BASIS[v]!;
    for (let u = 0; u < PHASH_LOW; u++) {
      let acc = 0;
      for (let y = 0; y < n; y++) acc += basis[y]! * rows[y * PHASH_LOW + u]!;
      out[v * PHASH_LOW + u] = acc;
    }
  }
  return out;
}

/** 64 coefficients → 16 hex digits: bit = coefficient > median of the 64, MSB first. */
export function phashFromCoefficients(coefficients: ArrayLike<number>): string {
  if (coefficients.length !== 64) throw new Error(`phash: expected 64 coefficients, got ${coefficients.length}`);
  const sorted = Float64Array.from(coefficients).sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 64; i++) {
    const bit = (coefficients[i] ?? 0) > median ? 1 : 0;
    if (i < 32) hi = ((hi << 1) | bit) >>> 0;
    else lo = ((lo << 1) | bit) >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** pHash of a decoded greyscale image (any size; images smaller than 32 px are interpolated up). */
export function phashOfGrey(img: GreyImage): string {
  return phashFromCoefficients(lowFrequencyDct(resizeGreyFloat(img, PHASH_SIZE, PHASH_SIZE)));
}

export interface ImageHashes {
  /** 64-bit DCT perceptual hash, 16 hex digits: what near-duplicate groups are built on. */
  phash: string;
  /** 64-bit difference hash, 16 hex digits. */
  dhash: string;
  /** Size of the decoded image, after EXIF orientation. */
  width: number;
  height: number;
}

/** One full decode, both hashes. Throws when the file does not decode (truncated, corrupt). */
export async function computeImageHashes(input: Buffer | string, options: DhashOptions = {}): Promise<ImageHashes> {
  const grey = await decodeForHash(input, options);
  return { phash: phashOfGrey(grey), dhash: dhashOfGrey(grey), width: grey.width, height: grey.height };
}

/** Decodes the whole image and returns its pHash. */
export async function computePhash(input: Buffer | string, options: DhashOptions = {}): Promise<string> {
  return phashOfGrey(await decodeForHash(input, options));
}
