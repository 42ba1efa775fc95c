// The strong view of FixMatch-style training: a RandAugment policy for greyscale MRI slices.
//
// Each view draws `ops` operations from RAND_AUGMENT_OPS (uniformly, without replacement), gives each
// a strength drawn uniformly in [0, magnitude] (on RandAugment's 0..10 scale) and, where a direction
// makes sense, a random sign; a cutout square follows always, as in FixMatch. The random strength is
// FixMatch's "RandAugment with random magnitude" (Sohn et al. 2020, §4 and appendix; kekmodel's
// RandAugmentMC(2, 10), USB's RandAugment), which needs no magnitude search: `magnitude` is the cap.
//
// Ranges at magnitude 10 are RandAugment's (Cubuk et al. 2020, as in torchvision / timm: rotate 30°,
// shear 0.3, translate 0.3 of the side, enhance factors 1 ± 0.9), the MRI-specific ones are nnU-Net's
// (Isensee et al. 2021: gamma 0.7-1.5, blur sigma up to 1.5 px), noise up to 12 grey levels as the
// previous strong policy. Dropped from natural-image RandAugment: colour (greyscale), solarize,
// posterize and invert (they make intensities no scanner produces); up-down flip (no anatomy is
// mirrored top to bottom; left-right is, a brain slice being roughly symmetric).
//
// All draws happen here, into an AugmentParams record; applyAugment applies it without randomness (the
// geometric ops as one affine warp, then the intensity ops in a fixed order, then cutout).

import type { Rng } from '../util/rng.js';
import { IDENTITY_AUGMENT, type AugmentParams } from './augment.js';

export const RAND_AUGMENT_OPS = [
  'identity',
  'rotate',
  'shearX',
  'shearY',
  'translateX',
  'translateY',
  'flip',
  'contrast',
  'brightness',
  'gamma',
  'sharpness',
  'noise',
  'blur',
] as const;
export type RandAugmentOp = (typeof RAND_AUGMENT_OPS)[number];

/** How strong the strong view is (the YAML's `strongAugment`). */
export interface StrongAugmentPolicy {
  /** Operations per view, drawn without replacement from RAND_AUGMENT_OPS (0 = cutout only). */
  ops: number;
  /** Cap of each operation's strength on RandAugment's scale 0..10 (0 = cutout-free identity). */
  magnitude: number;
}

/**
 * FixMatch's strong augmentation: two operations per view (RandAugment's N = 2 for ImageNet and
 * FixMatch's RandAugmentMC(2, 10)), strengths drawn up to the full range (magnitude 10).
 */
export const DEFAULT_STRONG_AUGMENT: Readonly<StrongAugmentPolicy> = Object.freeze({ ops: 2, magnitude: 10 });

export const MAX_MAGNITUDE = 10;

/** Each op's strength at magnitude 10. */
export const RAND_AUGMENT_RANGES = Object.freeze({
  /** Degrees. */
  rotate: 30,
  /** Source offset per pixel of the other axis. */
  shear: 0.3,
  /** Fraction of the width / height. */
  translate: 0.3,
  /** Enhance factors (contrast, brightness, sharpness) go 1 ± this. */
  enhance: 0.9,
  /** Gamma goes from 1/this to this. */
  gamma: 1.5,
  /** Grey levels. */
  noiseSigma: 12,
  /** Pixels. */
  blurSigma: 1.5,
  /** Side of the cutout square as a fraction of min(width, height). */
  cutout: 0.5,
});

/** Throws a RangeError naming `where` and the expected values when the policy is out of range. */
export function checkStrongAugmentPolicy(policy: StrongAugmentPolicy, where = 'strongAugment'): void {
  const { ops, magnitude } = policy;
  if (!Number.isInteger(ops) || ops < 0 || ops > RAND_AUGMENT_OPS.length) {
    throw new RangeError(`${where}.ops: expected an integer from 0 to ${RAND_AUGMENT_OPS.length}, got ${String(ops)}`);
  }
  if (typeof magnitude !== 'number' || !(magnitude >= 0 && magnitude <= MAX_MAGNITUDE)) {
    throw new RangeError(`${where}.magnitude: expected a number from 0 to ${MAX_MAGNITUDE}, got ${String(magnitude)}`);
  }
}

/** One strong view: the operations drawn (in draw order) and the parameters that apply them. */
export interface RandAugmentDraw {
  ops: RandAugmentOp[];
  params: AugmentParams;
}

/**
 * Draw one strong view. The draws are, in order: the ops (partial Fisher-Yates), then per op its
 * strength and its sign, then the noise seed, then the cutout (side, x, y) — fixed for a given policy.
 */
export function drawRandAugment(rng: Rng, policy: StrongAugmentPolicy = DEFAULT_STRONG_AUGMENT): RandAugmentDraw {
  checkStrongAugmentPolicy(policy);
  const pool: RandAugmentOp[] = [...RAND_AUGMENT_OPS];
  const ops: RandAugmentOp[] = [];
  for (let k = 0; k < policy.ops; k++) {
    const j = k + rng.int(pool.length - k);
    [pool[k], pool[j]] = [pool[j]!, pool[k]!];
    ops.push(pool[k]!);
  }
  const R = RAND_AUGMENT_RANGES;
  const p: AugmentParams = { ...IDENTITY_AUGMENT };
  for (const op of ops) {
    const level = (rng.next() * policy.magnitude) / MAX_MAGNITUDE;
    const sign = rng.next() < 0.5 ? -1 : 1;
    switch (op) {
      case 'identity':
        break;
      case 'rotate':
        p.rotation = sign * R.rotate * level;
        break;
      case 'shearX':
        p.shearX = sign * R.shear * level;
        break;
      case 'shearY':
        p.shearY = sign * R.shear * level;
        break;
      case 'translateX':
        p.shiftX = sign * R.translate * level;
        break;
      case 'translateY':
        p.shiftY = sign * R.translate * level;
        break;
      case 'flip':
        p.flip = true;
        break;
      case 'contrast':
        p.contrast = 1 + sign * R.enhance * level;
        break;
      case 'brightness':
        p.brightness = 1 + sign * R.enhance * level;
        break;
      case 'gamma':
        p.gamma = R.gamma ** (sign * level);
        break;
      case 'sharpness':
        p.sharpness = 1 + sign * R.enhance * level;
        break;
      case 'noise':
        p.noiseSigma = R.noiseSigma * level;
        break;
      case 'blur':
        p.blurSigma = R.blurSigma * level;
        break;
    }
  }
  p.noiseSeed = rng.int(0x100000000);
  // Cutout, always (FixMatch): a black square — background in a brain slice — up to half the side,
  // capped by the magnitude like the ops so that magnitude 0 is the identity.
  const size = (rng.next() * R.cutout * policy.magnitude) / MAX_MAGNITUDE;
  const cx = rng.next();
  const cy = rng.next();
  if (size > 0) p.cutout = { x: cx * (1 - size), y: cy * (1 - size), size };
  return { ops, params: p };
}
