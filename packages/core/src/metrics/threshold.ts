// Operating-point selection on validation data: the decision threshold that maximises F-beta.
//
// Candidates are the distinct predicted probabilities (predicting score ≥ t → 1, as predictAt), so
// every achievable confusion matrix is examined once, in O(n log n). Among thresholds with the same
// best F-beta the HIGHER one wins: it reaches that score with fewer positive predictions, and it is
// the choice that does not drift downwards as ties accumulate. With no positive label every F-beta
// is 0 and the answer is the largest score (fewest positives predicted).

import { binaryClfCurve } from './clf-curve.js';
import type { ConfusionMatrix } from './confusion.js';
import { fBetaFromConfusion, precisionFromConfusion, recallFromConfusion } from './f-beta.js';

export interface BestThreshold {
  /** Predict positive when probability ≥ threshold. */
  threshold: number;
  fBeta: number;
  precision: number;
  recall: number;
  confusion: ConfusionMatrix;
}

export function bestThreshold(yTrue: ArrayLike<number>, probs: ArrayLike<number>, beta = 2): BestThreshold {
  // Thresholds come out in decreasing order, so a strict ">" keeps the higher threshold on ties.
  const { fps, tps, thresholds } = binaryClfCurve(yTrue, probs);
  const m = thresholds.length;
  const positives = tps[m - 1] as number;
  const negatives = fps[m - 1] as number;
  let best: BestThreshold | undefined;
  for (let i = 0; i < m; i++) {
    const tp = tps[i] as number;
    const fp = fps[i] as number;
    const confusion = { tn: negatives - fp, fp, fn: positives - tp, tp };
    const f = fBetaFromConfusion(confusion, beta);
    if (best === undefined || f > best.fBeta) {
      best = { threshold: thresholds[i] as number, fBeta: f, precision: precisionFromConfusion(confusion), recall: recallFromConfusion(confusion), confusion };
    }
  }
  return best as BestThreshold;
}
