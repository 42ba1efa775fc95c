// Temperature scaling (Guo et al. 2017) for a binary logit: p = σ(z / T), with the single T > 0
// fitted on validation data by minimising the mean binary cross-entropy. T > 1 softens an
// over-confident model, T < 1 sharpens an under-confident one; the ranking (AUC, AP) never changes.
//
// The loss is convex in s = 1/T, hence unimodal in log T, so a golden-section search on log T over
// [log minT, log maxT] finds the minimum without derivatives, deterministically, in a fixed number
// of evaluations. Separable data pushes the optimum to T → 0 and anti-correlated logits to T → ∞:
// the result then sits at the bound, which is the honest answer within the allowed range.

import { checkFinite, checkLabels, checkNonEmpty, checkSameLength } from './validate.js';

export interface FitTemperatureOptions {
  /** Search range for T (defaults 0.01 and 100). */
  minT?: number;
  maxT?: number;
  /** Stop when the bracket on log T is narrower than this (default 1e-10). */
  tolerance?: number;
}

/** Logistic function, without overflow for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** Mean BCE of σ(z/T) against labels, computed from logits (log1p form: no log(0) for confident logits). */
export function temperatureLoss(yTrue: ArrayLike<number>, logits: ArrayLike<number>, temperature: number): number {
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const x = (logits[i] as number) / temperature;
    // −[y log σ(x) + (1 − y) log(1 − σ(x))] = softplus(x) − y·x
    sum += Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) - (yTrue[i] as number) * x;
  }
  return sum / yTrue.length;
}

const INV_PHI = (Math.sqrt(5) - 1) / 2;

/** The temperature T > 0 minimising the mean BCE of σ(logit / T) on (yTrueVal, logitsVal). */
export function fitTemperature(yTrueVal: ArrayLike<number>, logitsVal: ArrayLike<number>, options: FitTemperatureOptions = {}): number {
  checkSameLength(yTrueVal, logitsVal, 'yTrueVal/logitsVal');
  checkNonEmpty(yTrueVal, 'yTrueVal');
  checkLabels(yTrueVal, 'yTrueVal');
  checkFinite(logitsVal, 'logitsVal');
  const minT = options.minT ?? 0.01;
  const maxT = options.maxT ?? 100;
  const tolerance = options.tolerance ?? 1e-10;
  if (!(minT > 0 && maxT > minT)) throw new RangeError(`need 0 < minT < maxT, got ${minT}, ${maxT}`);
  const f = (u: number): number => temperatureLoss(yTrueVal, logitsVal, Math.exp(u));
  let a = Math.log(minT);
  let b = Math.log(maxT);
  let c = b - INV_PHI * (b - a);
  let d = a + INV_PHI * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tolerance) {
    // Ties keep the lower half: deterministic, and a flat loss (all logits 0) resolves towards small T.
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - INV_PHI * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + INV_PHI * (b - a);
      fd = f(d);
    }
  }
  // Compare the interior optimum with the bounds, so a boundary minimum is returned exactly.
  const candidates = [Math.exp((a + b) / 2), minT, maxT];
  let best = candidates[0] as number;
  let bestLoss = temperatureLoss(yTrueVal, logitsVal, best);
  for (const t of candidates.slice(1)) {
    const loss = temperatureLoss(yTrueVal, logitsVal, t);
    if (loss < bestLoss) {
      best = t;
      bestLoss = loss;
    }
  }
  return best;
}

/** Calibrated probabilities σ(logit / T). */
export function applyTemperature(logits: ArrayLike<number>, temperature: number): Float64Array {
  if (!(temperature > 0)) throw new RangeError(`temperature must be > 0, got ${temperature}`);
  return Float64Array.from({ length: logits.length }, (_, i) => sigmoid((logits[i] as number) / temperature));
}
