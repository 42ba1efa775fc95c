// Training-time augmentation for semi-supervised learning (FixMatch-style weak / strong views): weak
// is a flip, a small rotation and shift and a brightness change; strong is a RandAugment policy for
// greyscale slices (rand-augment.ts) whose size the YAML's `strongAugment` sets.
// Everything is plain TypeScript arithmetic with inverse-mapped bilinear sampling: no native library
// and no thread timing is involved, so the same image and the same Rng give identical bytes.
//
// All random draws happen up front, in a fixed order, into an AugmentParams record
// (drawAugmentParams); applying them (applyAugment) uses no randomness except a noise stream seeded
// from the params. That makes a view reproducible and easy to log or test.

import { createRng, type Rng } from '../util/rng.js';
import { assertGreyImage, createGreyImage, type GreyImage } from './grey-image.js';
import { DEFAULT_STRONG_AUGMENT, drawRandAugment, type StrongAugmentPolicy } from './rand-augment.js';

export type AugmentLevel = 'weak' | 'strong';

export interface AugmentParams {
  /** Mirror left-right (before the affine part). */
  flip: boolean;
  /** Degrees, counter-clockwise as displayed. */
  rotation: number;
  /** Isotropic zoom factor (> 1 enlarges). */
  scale: number;
  /** Translation as a fraction of width / height. */
  shiftX: number;
  shiftY: number;
  /**
   * Shear about the image centre, PIL's convention: output pixel (x, y) reads the source at
   * x + shearX * y (and y + shearY * x), offsets from the centre, after undoing rotation and scale.
   */
  shearX: number;
  shearY: number;
  /** Multiplies every value. */
  brightness: number;
  /** Stretches values around the image mean (1 = unchanged). */
  contrast: number;
  /** v -> 255 (v / 255)^gamma on values clamped to [0, 255]; 1 = unchanged, < 1 brightens the darks. */
  gamma: number;
  /**
   * PIL's ImageEnhance.Sharpness: blend of the 3x3-smoothed image (0) and the image (1); > 1 sharpens.
   * Border pixels are kept, as PIL does.
   */
  sharpness: number;
  /** Gaussian blur sigma in pixels; 0 = none. */
  blurSigma: number;
  /** Gaussian noise sigma in grey levels; 0 = none. */
  noiseSigma: number;
  /** Seed of the noise stream. */
  noiseSeed: number;
  /** Black square, as fractions of the image (x, y of its top-left corner, side of min(w, h)); null = none. */
  cutout: { x: number; y: number; size: number } | null;
}

export const IDENTITY_AUGMENT: Readonly<AugmentParams> = Object.freeze({
  flip: false,
  rotation: 0,
  scale: 1,
  shiftX: 0,
  shiftY: 0,
  shearX: 0,
  shearY: 0,
  brightness: 1,
  contrast: 1,
  gamma: 1,
  sharpness: 1,
  blurSigma: 0,
  noiseSigma: 0,
  noiseSeed: 0,
  cutout: null,
});

/**
 * Draw one view's parameters. The number and order of draws is fixed per level (and, for strong, per
 * policy: see drawRandAugment).
 */
export function drawAugmentParams(level: AugmentLevel, rng: Rng, policy: StrongAugmentPolicy = DEFAULT_STRONG_AUGMENT): AugmentParams {
  if (level === 'strong') return drawRandAugment(rng, policy).params;
  return {
    ...IDENTITY_AUGMENT,
    flip: rng.next() < 0.5,
    rotation: rng.uniform(-10, 10),
    shiftX: rng.uniform(-0.05, 0.05),
    shiftY: rng.uniform(-0.05, 0.05),
    brightness: rng.uniform(0.9, 1.1),
  };
}

/**
 * Apply one view. Output has the input's size. Order: the warp (flip, then shear, rotation, scale and
 * shift as one resampling), brightness and contrast, gamma, sharpness, blur, noise, rounding, cutout.
 */
export function applyAugment(img: GreyImage, p: AugmentParams): GreyImage {
  assertGreyImage(img);
  const { width: w, height: h } = img;
  const values = warp(img, p);
  const n = w * h;

  if (p.brightness !== 1 || p.contrast !== 1) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += values[i]!;
    mean = (mean / n) * p.brightness;
    for (let i = 0; i < n; i++) values[i] = (values[i]! * p.brightness - mean) * p.contrast + mean;
  }
  if (p.gamma !== 1) {
    for (let i = 0; i < n; i++) values[i] = 255 * (Math.min(255, Math.max(0, values[i]!)) / 255) ** p.gamma;
  }
  if (p.sharpness !== 1) sharpen(values, w, h, p.sharpness);
  if (p.blurSigma > 0) gaussianBlur(values, w, h, p.blurSigma);
  if (p.noiseSigma > 0) {
    const noise = createRng(p.noiseSeed);
    for (let i = 0; i < n; i++) values[i]! += p.noiseSigma * noise.normal();
  }

  const out = createGreyImage(w, h);
  for (let i = 0; i < n; i++) out.data[i] = Math.min(255, Math.max(0, Math.round(values[i]!)));
  if (p.cutout) {
    const side = Math.max(1, Math.round(p.cutout.size * Math.min(w, h)));
    const x0 = Math.min(w - side, Math.max(0, Math.round(p.cutout.x * w)));
    const y0 = Math.min(h - side, Math.max(0, Math.round(p.cutout.y * h)));
    for (let y = y0; y < y0 + side; y++) out.data.fill(0, y * w + x0, y * w + x0 + side);
  }
  return out;
}

/** Random weak or strong view of an image; `policy` sizes the strong one (default DEFAULT_STRONG_AUGMENT). */
export function augment(img: GreyImage, level: AugmentLevel, rng: Rng, policy?: StrongAugmentPolicy): GreyImage {
  return applyAugment(img, drawAugmentParams(level, rng, policy));
}

/**
 * Flip, shear, rotate, scale and shift about the image centre, by inverse mapping: each output pixel looks
 * up where it came from and samples bilinearly; outside the source reads as 0 (black background).
 */
function warp(img: GreyImage, p: AugmentParams): Float32Array {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(w * h);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const theta = (p.rotation * Math.PI) / 180;
  // Inverse: p = H * R(theta) * (q - c - t) / s + c, R the usual [[cos, -sin], [sin, cos]] and H the
  // shear [[1, shearX], [shearY, 1]]. Forward that is q = s * R(-theta) * H^-1 * (p - c) + c + t; with
  // y pointing down, positive theta turns the picture counter-clockwise on screen.
  const cos = Math.cos(theta) / p.scale;
  const sin = Math.sin(theta) / p.scale;
  const tx = p.shiftX * w;
  const ty = p.shiftY * h;
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : data[y * w + x]!);
  for (let qy = 0; qy < h; qy++) {
    const dy = qy - cy - ty;
    for (let qx = 0; qx < w; qx++) {
      const dx = qx - cx - tx;
      // Adding a zero shear term leaves the sum's bits unchanged: views without shear are as before.
      const ux = cos * dx - sin * dy;
      const uy = sin * dx + cos * dy;
      let sx = ux + p.shearX * uy + cx;
      const sy = uy + p.shearY * ux + cy;
      if (p.flip) sx = w - 1 - sx;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= w || y0 >= h) continue;
      const fx = sx - x0;
      const fy = sy - y0;
      const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
      const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
      out[qy * w + qx] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

/** In-place separable Gaussian blur, edges clamped. */
function gaussianBlur(values: Float32Array, w: number, h: number, sigma: number): void {
  const radius = Math.max(1, Math.ceil(3 * sigma));
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    kernel[k + radius] = Math.exp(-(k * k) / (2 * sigma * sigma));
    sum += kernel[k + radius]!;
  }
  for (let k = 0; k < kernel.length; k++) kernel[k]! /= sum;
  const tmp = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * values[y * w + Math.min(w - 1, Math.max(0, x + k))]!;
      tmp[y * w + x] = acc;
    }
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let acc = 0;
      for (let k = -radius; k <= radius; k++) acc += kernel[k + radius]! * tmp[Math.min(h - 1, Math.max(0, y + k)) * w + x]!;
      values[y * w + x] = acc;
    }
  }
}

/**
 * In-place PIL ImageEnhance.Sharpness: v -> s + factor * (v - s), s the 3x3 smooth [[1,1,1],[1,5,1],[1,1,1]] / 13;
 * the one-pixel border is left as it is (PIL does the same).
 */
function sharpen(values: Float32Array, w: number, h: number, factor: number): void {
  if (w < 3 || h < 3) return;
  const src = values.slice();
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      let sum = 4 * src[i]!;
      for (let dy = -w; dy <= w; dy += w) for (let dx = -1; dx <= 1; dx++) sum += src[i + dy + dx]!;
      const smooth = sum / 13;
      values[i] = smooth + factor * (src[i]! - smooth);
    }
  }
}
