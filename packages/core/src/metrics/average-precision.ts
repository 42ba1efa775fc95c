// Precision–recall curve and average precision, as sklearn 1.2's precision_recall_curve /
// average_precision_score for binary labels.
//
// AP = Σ_n (R_n − R_{n−1}) · P_n over distinct thresholds (equal scores grouped into one step):
// a step-wise sum with no interpolation, unlike the 11-point or trapezoidal PR-AUC, which are
// optimistic. With no positive label sklearn sets recall to 1 everywhere (and warns); AP is then 0.
// We reproduce that rather than return null: a fold without tumours simply has no precision to show.

import { binaryClfCurve } from './clf-curve.js';

export interface PrecisionRecallCurve {
  /** precision[i] predicting score ≥ thresholds[i]; the last entry is 1 (sklearn's convention for "no threshold"). */
  precision: Float64Array;
  /** Non-increasing; last entry is 0. */
  recall: Float64Array;
  /** Distinct scores, increasing; length = precision.length − 1. */
  thresholds: Float64Array;
}

export function precisionRecallCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): PrecisionRecallCurve {
  const { fps, tps, thresholds } = binaryClfCurve(yTrue, scores);
  const m = tps.length;
  const positives = tps[m - 1] as number;
  const precision = new Float64Array(m + 1);
  const recall = new Float64Array(m + 1);
  const th = new Float64Array(m);
  // sklearn computes in decreasing-threshold order, then reverses so recall decreases.
  for (let i = 0; i < m; i++) {
    const j = m - 1 - i;
    const tp = tps[j] as number;
    const predicted = tp + (fps[j] as number);
    precision[i] = predicted === 0 ? 0 : tp / predicted;
    recall[i] = positives === 0 ? 1 : tp / positives;
    th[i] = thresholds[j] as number;
  }
  precision[m] = 1;
  recall[m] = 0;
  return { precision, recall, thresholds: th };
}

/** Σ (R_n − R_{n−1}) P_n, sklearn's average_precision_score (binary). */
export function averagePrecision(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number {
  const { precision, recall } = precisionRecallCurve(yTrue, scores);
  // sklearn: -sum(diff(recall) * precision[:-1]); recall decreases, hence the sign.
  let sum = 0;
  for (let i = 0; i + 1 < recall.length; i++) sum += ((recall[i + 1] as number) - (recall[i] as number)) * (precision[i] as number);
  return -sum === 0 ? 0 : -sum;
}
