// How far predicted probabilities are from observed frequencies (binary case).
//
// Convention ("reliability" ECE for the positive class, not the top-label/max-probability ECE of
// Guo et al. 2017; for binary problems the two differ): split [0, 1] into `bins` equal-width bins
// [k/B, (k+1)/B), the last one closed so p = 1 counts; sample i goes to bin min(⌊p_i·B⌋, B − 1). In each bin,
//   conf = mean predicted P(y = 1),  acc = fraction of samples with y = 1,
// and ECE = Σ_b (n_b / N)·|acc_b − conf_b|; empty bins contribute nothing.
// Brier score = mean (p − y)², sklearn's brier_score_loss.

import { checkLabels, checkNonEmpty, checkProbabilities, checkSameLength } from './validate.js';

export interface ReliabilityBin {
  /** Bin edges on the probability axis. */
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability of the positive class; null for an empty bin. */
  meanProbability: number | null;
  /** Fraction of samples whose label is 1; null for an empty bin. */
  fractionPositive: number | null;
}

function checkCalibrationInputs(yTrue: ArrayLike<number>, probs: ArrayLike<number>, bins: number): void {
  checkSameLength(yTrue, probs, 'yTrue/probs');
  checkNonEmpty(yTrue, 'yTrue');
  checkLabels(yTrue);
  checkProbabilities(probs, 'probs');
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`bins must be a positive integer, got ${bins}`);
}

/** Bin index of a probability under the equal-width convention above. */
export function binIndex(p: number, bins: number): number {
  return Math.min(Math.floor(p * bins), bins - 1);
}

/** Per-bin counts, mean probability and fraction positive: the data of a reliability diagram. */
export function reliabilityBins(yTrue: ArrayLike<number>, probs: ArrayLike<number>, bins = 15): ReliabilityBin[] {
  checkCalibrationInputs(yTrue, probs, bins);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < yTrue.length; i++) {
    const p = probs[i] as number;
    const b = binIndex(p, bins);
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + (yTrue[i] as number);
  }
  return Array.from({ length: bins }, (_, b) => {
    const n = count[b] as number;
    return {
      lower: b / bins,
      upper: (b + 1) / bins,
      count: n,
      meanProbability: n === 0 ? null : (sumP[b] as number) / n,
      fractionPositive: n === 0 ? null : (sumY[b] as number) / n,
    };
  });
}

/** Expected calibration error with `bins` equal-width bins (15 by default, as Guo et al.). */
export function expectedCalibrationError(yTrue: ArrayLike<number>, probs: ArrayLike<number>, bins = 15): number {
  const table = reliabilityBins(yTrue, probs, bins);
  let ece = 0;
  for (const bin of table) {
    if (bin.count === 0) continue;
    ece += (bin.count / yTrue.length) * Math.abs((bin.fractionPositive as number) - (bin.meanProbability as number));
  }
  return ece;
}

/** Mean squared error of the probability of the positive class (sklearn's brier_score_loss). */
export function brierScore(yTrue: ArrayLike<number>, probs: ArrayLike<number>): number {
  checkCalibrationInputs(yTrue, probs, 1);
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const d = (yTrue[i] as number) - (probs[i] as number);
    sum += d * d;
  }
  return sum / yTrue.length;
}
