// Turning grey bytes into the float input a pretrained network expects. Backbones were trained with
// a specific per-channel normalisation of [0,1] RGB values; feeding anything else silently costs
// accuracy, so the normalisation travels with the model choice as a value, not as scattered constants.

import { assertGreyImage, type GreyImage } from './grey-image.js';

export interface Normalization {
  name: string;
  /** Per-channel (R, G, B) mean of the [0,1]-scaled input. */
  mean: [number, number, number];
  /** Per-channel (R, G, B) standard deviation of the [0,1]-scaled input. */
  std: [number, number, number];
}

/** torchvision / most ImageNet backbones: (x/255 - mean) / std. */
export const IMAGENET_NORMALIZATION: Normalization = Object.freeze({
  name: 'imagenet',
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
}) as Normalization;

/** Keras MobileNet / Inception "tf" mode: x/127.5 - 1, i.e. [-1, 1]. */
export const MINUS_ONE_ONE_NORMALIZATION: Normalization = Object.freeze({
  name: 'minus-one-one',
  mean: [0.5, 0.5, 0.5],
  std: [0.5, 0.5, 0.5],
}) as Normalization;

/** Per channel, the float for each byte value: (v/255 - mean) / std. */
export function normalizationTables(norm: Normalization): [Float32Array, Float32Array, Float32Array] {
  const table = (c: 0 | 1 | 2): Float32Array => {
    const t = new Float32Array(256);
    for (let v = 0; v < 256; v++) t[v] = (v / 255 - norm.mean[c]) / norm.std[c];
    return t;
  };
  return [table(0), table(1), table(2)];
}

/**
 * Write the image as H x W x 3 interleaved floats (NHWC), the grey value replicated on R, G and B and
 * normalised per channel. Writes into `out` at `offset` (floats) when given, e.g. one slot of a batch.
 */
export function toFloatRGB(img: GreyImage, norm: Normalization, out?: Float32Array, offset = 0): Float32Array {
  assertGreyImage(img);
  const n = img.width * img.height;
  const target = out ?? new Float32Array(n * 3);
  if (offset < 0 || offset + n * 3 > target.length) {
    throw new RangeError(`toFloatRGB: ${n * 3} floats at offset ${offset} do not fit in ${target.length}`);
  }
  const [r, g, b] = normalizationTables(norm);
  const src = img.data;
  for (let i = 0, o = offset; i < n; i++, o += 3) {
    const v = src[i]!;
    target[o] = r[v]!;
    target[o + 1] = g[v]!;
    target[o + 2] = b[v]!;
  }
  return target;
}
