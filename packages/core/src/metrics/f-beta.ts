// Precision, recall, accuracy and F-beta for the positive class (label 1), bit-compatible with
// sklearn 1.2's precision_score / recall_score / accuracy_score / fbeta_score (average='binary').
//
// Zero division follows sklearn's default zero_division='warn', which returns 0 (we do not warn):
//   precision = 0 when nothing is predicted positive (tp + fp = 0),
//   recall    = 0 when there is no positive label   (tp + fn = 0),
//   F-beta    = 0 when β²·precision + recall = 0 (including "no positives at all, none predicted",
//               where sklearn with zero_division=1 would give 1).
// The default β = 2 weights recall 4× precision: a missed tumour costs more than a false alarm.

import { confusionMatrix, type ConfusionMatrix } from './confusion.js';

/** tp / (tp + fp); 0 when nothing is predicted positive. */
export function precisionFromConfusion(cm: ConfusionMatrix): number {
  const pred = cm.tp + cm.fp;
  return pred === 0 ? 0 : cm.tp / pred;
}

/** tp / (tp + fn); 0 when there is no positive label. */
export function recallFromConfusion(cm: ConfusionMatrix): number {
  const actual = cm.tp + cm.fn;
  return actual === 0 ? 0 : cm.tp / actual;
}

/** (tp + tn) / n; NaN for an empty matrix. */
export function accuracyFromConfusion(cm: ConfusionMatrix): number {
  const n = cm.tn + cm.fp + cm.fn + cm.tp;
  return n === 0 ? Number.NaN : (cm.tp + cm.tn) / n;
}

/**
 * (1 + β²)·P·R / (β²·P + R), evaluated in sklearn's operation order so results match to the last
 * bit; 0 when the denominator is 0; β = Infinity gives recall (as sklearn).
 */
export function fBetaFromConfusion(cm: ConfusionMatrix, beta = 2): number {
  if (!(beta >= 0)) throw new RangeError(`beta must be ≥ 0, got ${beta}`);
  const p = precisionFromConfusion(cm);
  const r = recallFromConfusion(cm);
  if (beta === Number.POSITIVE_INFINITY) return r;
  const beta2 = beta ** 2;
  const denom = beta2 * p + r;
  return denom === 0 ? 0 : ((1 + beta2) * p * r) / denom;
}

export function precision(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return precisionFromConfusion(confusionMatrix(yTrue, yPred));
}

export function recall(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return recallFromConfusion(confusionMatrix(yTrue, yPred));
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  return accuracyFromConfusion(confusionMatrix(yTrue, yPred));
}

/** F-beta of the positive class; β = 2 by default (recall-weighted). */
export function fBeta(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, beta = 2): number {
  return fBetaFromConfusion(confusionMatrix(yTrue, yPred), beta);
}
