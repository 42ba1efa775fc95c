// Training-time augmentation for semi-supervised learning (FixMatch-style weak / strong views).
// Everything is plain TypeScript arithmetic with inverse-mapped bilinear sampling: no native library
// and no thread timing is involved, so the same image and the same Rng give identical bytes.
//
// All random draws happen up front, in a fixed order, into an AugmentParams record
// (drawAugmentParams); applying them (applyAugment) uses no randomness except a noise stream seeded
// from the params. That makes a view reproducible and easy to log or test.

import { createRng, type Rng } from '../util/rng.js';
import { assertGreyImage, createGreyImage, type GreyImage } from './grey-image.js';

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
  /** Multiplies every value. */
  brightness: number;
  /** Stretches values around the image mean (1 = unchanged). */
  contrast: number;
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
  brightness: 1,
  contrast: 1,
  blurSigma: 0,
  noiseSigma: 0,
  noiseSeed: 0,
  cutout: null,
});

/** Draw one view's parameters. The number and order of draws is fixed per level. */
export function drawAugmentParams(level: AugmentLevel, rng: Rng): AugmentParams {
  const flip = rng.next() < 0.5;
  if (level === 'weak') {
    return {
      ...IDENTITY_AUGMENT,
      flip,
      rotation: rng.uniform(-10, 10),
      shiftX: rng.uniform(-0.05, 0.05),
      shiftY: rng.uniform(-0.05, 0.05),
      brightness: rng.uniform(0.9, 1.1),
    };
  }
  const rotation = rng.uniform(-25, 25);
  const scale = rng.uniform(0.85, 1.15);
  const shiftX = rng.uniform(-0.1, 0.1);
  const shiftY = rng.uniform(-0.1, 0.1);
  const brightness = rng.uniform(0.9, 1.1);
  const contrast = rng.uniform(0.7, 1.3);
  // Either blur or noise, never both: each degrades the image enough on its own.
  const blurInstead = rng.next() < 0.5;
  const sigma = rng.next();
  const noiseSeed = rng.int(0x100000000);
  const size = rng.uniform(0.1, 0.25);
  const cx = rng.next();
  const cy = rng.next();
  return {
    flip,
    rotation,
    scale,
    shiftX,
    shiftY,
    brightness,
    contrast,
    blurSigma: blurInstead ? 0.5 + sigma : 0,
    noiseSigma: blurInstead ? 0 : 3 + 9 * sigma,
    noiseSeed,
    cutout: { x: cx * (1 - size), y: cy * (1 - size), size },
  };
}

/** Apply one view. Output has the input's size. */
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

/** Random weak or strong view of an image. */
export function augment(img: GreyImage, level: AugmentLevel, rng: Rng): GreyImage {
  return applyAugment(img, drawAugmentParams(level, rng));
}

/**
 * Flip, rotate, scale and shift about the image centre, by inverse mapping: each output pixel looks
 * up where it came from and samples bilinearly; outside the source reads as 0 (black background).
 */
function warp(img: GreyImage, p: AugmentParams): Float32Array {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(w * h);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const theta = (p.rotation * Math.PI) / 180;
  // Inverse: p = R(theta) * (q - c - t) / s + c, R the usual [[cos, -sin], [sin, cos]]. Forward that
  // is q = s * R(-theta) * (p - c) + c + t; with y pointing down, positive theta turns the picture
  // counter-clockwise on screen.
  const cos = Math.cos(theta) / p.scale;
  const sin = Math.sin(theta) / p.scale;
  const tx = p.shiftX * w;
  const ty = p.shiftY * h;
  const at = (x: number, y: number): number => (x < 0 || y < 0 || x >= w || y >= h ? 0 : data[y * w + x]!);
  for (let qy = 0; qy < h; qy++) {
    const dy = qy - cy - ty;
    for (let qx = 0; qx < w; qx++) {
      const dx = qx - cx - tx;
      let sx = cos * dx - sin * dy + cx;
      const sy = sin * dx + cos * dy + cy;
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
