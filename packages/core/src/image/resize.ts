// Resizing a GreyImage. sharp (libvips, SIMD) does the work: it is several times faster than a JS
// loop and its Lanczos kernel antialiases when shrinking a 1920-wide export to 224. For a given sharp
// build the result depends only on the input bytes, so it is deterministic. resizeGreyBilinear is
// a pure-TS fallback with bit-exact results on every platform (used where no sharp call is wanted).

import sharp from 'sharp';
import { assertGreyImage, createGreyImage, type GreyImage } from './grey-image.js';

export type ResizeKernel = 'nearest' | 'linear' | 'cubic' | 'mitchell' | 'lanczos2' | 'lanczos3';

/** Stretch to exactly width x height (callers pad to the target aspect ratio first). */
export async function resizeGrey(img: GreyImage, width: number, height: number, kernel: ResizeKernel = 'lanczos3'): Promise<GreyImage> {
  assertGreyImage(img);
  if (img.width === width && img.height === height) return { width, height, data: img.data.slice() };
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(width, height, { fit: 'fill', kernel })
    // Without this sharp 0.35 writes 1-band raw input back out as 3-band sRGB.
    .toColourspace('b-w')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width !== width || info.height !== height) {
    throw new Error(`sharp resize returned ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x1`);
  }
  return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/**
 * Pure-TS resize: area averaging on each axis when shrinking (no aliasing), bilinear when enlarging.
 * Pixel centres are aligned (half-pixel convention), like sharp and OpenCV INTER_LINEAR.
 */
export function resizeGreyBilinear(img: GreyImage, width: number, height: number): GreyImage {
  const vertical = resizeGreyFloat(img, width, height);
  const out = createGreyImage(width, height);
  for (let i = 0; i < vertical.length; i++) out.data[i] = Math.min(255, Math.max(0, Math.round(vertical[i]!)));
  return out;
}

/**
 * resizeGreyBilinear without the final rounding: width × height float64 values, row-major. Plain
 * float64 arithmetic in a fixed order, so the values are the same on every platform (the perceptual
 * hashes of the dataset scan are computed on it).
 */
export function resizeGreyFloat(img: GreyImage, width: number, height: number): Float64Array {
  assertGreyImage(img);
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`resize target must be positive integers, got ${width}x${height}`);
  }
  const tmp = resizeAxis(img.data, img.width, img.height, width, true);
  return resizeAxis(tmp, width, img.height, height, false);
}

/** Weights mapping `srcSize` samples onto `dstSize` samples along one axis. */
function axisWeights(srcSize: number, dstSize: number): { start: Int32Array; count: Int32Array; weights: Float64Array[] } {
  const start = new Int32Array(dstSize);
  const count = new Int32Array(dstSize);
  const weights: Float64Array[] = [];
  const scale = srcSize / dstSize;
  for (let d = 0; d < dstSize; d++) {
    if (scale > 1) {
      // Shrinking: average the source interval [d*scale, (d+1)*scale), weighting partial pixels.
      const a = d * scale;
      const b = (d + 1) * scale;
      const s0 = Math.floor(a);
      const s1 = Math.min(srcSize, Math.ceil(b));
      const w = new Float64Array(s1 - s0);
      for (let s = s0; s < s1; s++) w[s - s0] = (Math.min(b, s + 1) - Math.max(a, s)) / scale;
      start[d] = s0;
      count[d] = s1 - s0;
      weights.push(w);
    } else {
      const c = Math.min(srcSize - 1, Math.max(0, (d + 0.5) * scale - 0.5));
      const s0 = Math.floor(c);
      const s1 = Math.min(srcSize - 1, s0 + 1);
      const f = c - s0;
      start[d] = s0;
      count[d] = s1 === s0 ? 1 : 2;
      weights.push(s1 === s0 ? Float64Array.of(1) : Float64Array.of(1 - f, f));
    }
  }
  return { start, count, weights };
}

function resizeAxis(src: ArrayLike<number>, w: number, h: number, dstSize: number, horizontal: boolean): Float64Array {
  const srcSize = horizontal ? w : h;
  const { start, count, weights } = axisWeights(srcSize, dstSize);
  const outW = horizontal ? dstSize : w;
  const outH = horizontal ? h : dstSize;
  const out = new Float64Array(outW * outH);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const d = horizontal ? x : y;
      const wts = weights[d]!;
      const s0 = start[d]!;
      let acc = 0;
      for (let k = 0; k < count[d]!; k++) {
        const s = s0 + k;
        acc += wts[k]! * src[horizontal ? y * w + s : s * w + x]!;
      }
      out[y * outW + x] = acc;
    }
  }
  return out;
}
