// Adjusted Rand index, sklearn.metrics.adjusted_rand_score's formula (via the pair confusion matrix),
// from a contingency table. Symmetric; 1 for identical partitions up to renaming, ≈ 0 (can be
// negative) for independent ones.
//
// Noise: the stage computes it on the labelled images, with noise (−1) as its own cluster — see
// `countsWithNoise` — which is what sklearn does when it is handed DBSCAN labels.

import type { Contingency } from '@neuro-ssl/core';
import { countTable, countsWithNoise } from './contingency.js';

/** ARI of a count table (rows: one partition, columns: the other). Empty rows/columns are ignored. */
export function ariFromCounts(counts: readonly (readonly number[])[]): number {
  const rowSums: number[] = [];
  const colSums: number[] = [];
  let n = 0;
  let sumSquares = 0;
  for (const row of counts) {
    let s = 0;
    row.forEach((v, j) => {
      s += v;
      colSums[j] = (colSums[j] ?? 0) + v;
      sumSquares += v * v;
    });
    rowSums.push(s);
    n += s;
  }
  const nRows = rowSums.filter((v) => v > 0).length;
  const nCols = colSums.filter((v) => v > 0).length;
  // sklearn's special cases: one cluster each, no samples, or every sample its own cluster in both.
  if ((nRows === 1 && nCols === 1) || n === 0 || (nRows === n && nCols === n)) return 1;
  const sq = (xs: number[]): number => xs.reduce((t, v) => t + v * v, 0);
  const tp = sumSquares - n;
  const fp = sq(colSums) - sumSquares;
  const fn = sq(rowSums) - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  if (fn === 0 && fp === 0) return 1;
  return (2 * (tp * tn - fn * fp)) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

/** adjusted_rand_score(a, b) of two label vectors. */
export function adjustedRandIndex(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return ariFromCounts(countTable(a, b));
}

/** ARI of a stage contingency: labelled images only, noise as one more cluster. null without any. */
export function ariFromContingency(c: Contingency): number | null {
  const t = countsWithNoise(c);
  if (t.every((r) => r.every((v) => v === 0))) return null;
  return ariFromCounts(t);
}

/** Alias of adjustedRandIndex. */
export const ari = adjustedRandIndex;
