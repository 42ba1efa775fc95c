// ROC curve and its area, as sklearn 1.2's roc_curve / roc_auc_score for binary labels.
//
// - Equal scores are one point (see clf-curve.ts), so ties contribute a diagonal segment (half credit).
// - The curve starts at (0, 0) with threshold = max score + 1 (sklearn 1.2; sklearn ≥ 1.3 uses +Infinity).
// - dropIntermediate (sklearn's default True) removes collinear points, which changes neither the
//   plotted curve nor the AUC; we default to false (every distinct score is kept, handy for threshold
//   tables) and expose the option for parity.
// - One class only: rocCurve gives NaN for the undefined rate (fpr with no negatives, tpr with no
//   positives), as sklearn does; rocAuc returns null where sklearn raises, so a training loop logging a
//   single-class validation fold does not crash and the type forces callers to handle it.

import { binaryClfCurve } from './clf-curve.js';

export interface RocCurve {
  fpr: Float64Array;
  tpr: Float64Array;
  /** Decreasing; thresholds[0] = thresholds[1] + 1 is the "predict nothing" point. */
  thresholds: Float64Array;
}

export interface RocCurveOptions {
  /** Drop points collinear with their neighbours (sklearn's default is true). Default false. */
  dropIntermediate?: boolean;
}

export function rocCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>, options: RocCurveOptions = {}): RocCurve {
  let { fps, tps, thresholds } = binaryClfCurve(yTrue, scores);
  if (options.dropIntermediate === true && fps.length > 2) {
    // Keep a point when the second difference of fps or tps is non-zero (a corner), plus both ends.
    const keep: number[] = [0];
    for (let i = 1; i < fps.length - 1; i++) {
      const d2f = (fps[i + 1] as number) - 2 * (fps[i] as number) + (fps[i - 1] as number);
      const d2t = (tps[i + 1] as number) - 2 * (tps[i] as number) + (tps[i - 1] as number);
      if (d2f !== 0 || d2t !== 0) keep.push(i);
    }
    keep.push(fps.length - 1);
    fps = Float64Array.from(keep, (i) => fps[i] as number);
    tps = Float64Array.from(keep, (i) => tps[i] as number);
    thresholds = Float64Array.from(keep, (i) => thresholds[i] as number);
  }
  const m = fps.length + 1;
  const negatives = fps[fps.length - 1] as number;
  const positives = tps[tps.length - 1] as number;
  const fpr = new Float64Array(m);
  const tpr = new Float64Array(m);
  const th = new Float64Array(m);
  th[0] = (thresholds[0] as number) + 1;
  for (let i = 1; i < m; i++) {
    fpr[i] = negatives > 0 ? (fps[i - 1] as number) / negatives : Number.NaN;
    tpr[i] = positives > 0 ? (tps[i - 1] as number) / positives : Number.NaN;
    th[i] = thresholds[i - 1] as number;
  }
  if (negatives <= 0) fpr[0] = Number.NaN;
  if (positives <= 0) tpr[0] = Number.NaN;
  return { fpr, tpr, thresholds: th };
}

/** Trapezoidal area under (x, y), x non-decreasing (np.trapz). */
export function trapezoid(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let area = 0;
  for (let i = 1; i < x.length; i++) {
    area += (((x[i] as number) - (x[i - 1] as number)) * ((y[i] as number) + (y[i - 1] as number))) / 2;
  }
  return area;
}

/**
 * Area under the ROC curve = P(score of a random positive > score of a random negative) + ½ P(tie).
 * null when yTrue holds a single class (sklearn raises ValueError).
 */
export function rocAuc(yTrue: ArrayLike<number>, scores: ArrayLike<number>): number | null {
  const { fpr, tpr } = rocCurve(yTrue, scores, { dropIntermediate: true });
  if (Number.isNaN(fpr[fpr.length - 1]) || Number.isNaN(tpr[tpr.length - 1])) return null;
  return trapezoid(fpr, tpr);
}
