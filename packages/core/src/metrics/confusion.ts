// The 2×2 confusion matrix every thresholded metric is derived from, and the one thresholding rule
// used throughout the package: score ≥ threshold → positive (sklearn's precision_recall_curve and
// roc_curve use the same ≥, so a threshold taken from those curves reproduces their points).

import { checkLabels, checkSameLength } from './validate.js';

export interface ConfusionMatrix {
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

/** Counts of (true, predicted) pairs; positive class = 1. Equals sklearn's confusion_matrix(labels=[0, 1]).ravel(). */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): ConfusionMatrix {
  checkSameLength(yTrue, yPred, 'yTrue/yPred');
  checkLabels(yTrue);
  checkLabels(yPred, 'yPred');
  let tn = 0;
  let fp = 0;
  let fn = 0;
  let tp = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === 1) {
      if (yPred[i] === 1) tp++;
      else fn++;
    } else if (yPred[i] === 1) fp++;
    else tn++;
  }
  return { tn, fp, fn, tp };
}

/** Hard predictions: 1 where score ≥ threshold, else 0. NaN scores are rejected rather than silently 0. */
export function predictAt(scores: ArrayLike<number>, threshold = 0.5): Uint8Array {
  if (Number.isNaN(threshold)) throw new RangeError('threshold is NaN');
  const out = new Uint8Array(scores.length);
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i] as number;
    if (Number.isNaN(s)) throw new RangeError(`scores[${i}] is NaN`);
    out[i] = s >= threshold ? 1 : 0;
  }
  return out;
}
