// sklearn's _binary_clf_curve: sort by score descending and cut only where the score changes, so
// samples with equal scores enter the curve together (one point per distinct score). Ranking metrics
// therefore do not depend on how ties happen to be ordered. Counts are integers held in doubles,
// hence exact.

import { checkScored } from './validate.js';

export interface ClfCurve {
  /** False positives among samples with score ≥ thresholds[i]. */
  fps: Float64Array;
  /** True positives among samples with score ≥ thresholds[i]. */
  tps: Float64Array;
  /** Distinct scores, strictly decreasing. */
  thresholds: Float64Array;
}

export function binaryClfCurve(yTrue: ArrayLike<number>, scores: ArrayLike<number>): ClfCurve {
  checkScored(yTrue, scores);
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const fps: number[] = [];
  const tps: number[] = [];
  const thresholds: number[] = [];
  let tp = 0;
  for (let k = 0; k < n; k++) {
    const i = order[k] as number;
    tp += yTrue[i] as number;
    const s = scores[i] as number;
    // Close a group at the last sample or where the next score differs (np.diff(y_score) != 0).
    const next = k + 1 < n ? (scores[order[k + 1] as number] as number) : undefined;
    if (next === undefined || next !== s) {
      tps.push(tp);
      fps.push(k + 1 - tp);
      thresholds.push(s);
    }
  }
  return { fps: Float64Array.from(fps), tps: Float64Array.from(tps), thresholds: Float64Array.from(thresholds) };
}
