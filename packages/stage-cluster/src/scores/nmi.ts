// Normalized mutual information, sklearn.metrics.normalized_mutual_info_score with its default
// average_method='arithmetic': MI / ((H(a) + H(b)) / 2), natural logs (the base cancels).
//
// Noise: the stage computes it on the labelled images, with noise (−1) as its own cluster — see
// `countsWithNoise` — which is what sklearn does when it is handed DBSCAN labels.

import type { Contingency } from '@neuro-ssl/core';
import { countTable, countsWithNoise } from './contingency.js';

function entropy(sums: readonly number[], total: number): number {
  let h = 0;
  for (const v of sums) if (v > 0) h -= (v / total) * (Math.log(v) - Math.log(total));
  return h;
}

/** NMI of a count table (rows: one partition, columns: the other). Empty rows/columns are ignored. */
export function nmiFromCounts(counts: readonly (readonly number[])[]): number {
  const rowSums: number[] = [];
  const colSums: number[] = [];
  let n = 0;
  for (const row of counts) {
    let s = 0;
    row.forEach((v, j) => {
      s += v;
      colSums[j] = (colSums[j] ?? 0) + v;
    });
    rowSums.push(s);
    n += s;
  }
  const pi = rowSums.filter((v) => v > 0);
  const pj = colSums.filter((v) => v > 0);
  // sklearn: one cluster in both (or none in both) is a perfect match.
  if ((pi.length === 1 && pj.length === 1) || (pi.length === 0 && pj.length === 0)) return 1;
  // mutual_info_score
  let mi = 0;
  if (pi.length > 1 && pj.length > 1) {
    const logN = Math.log(n);
    counts.forEach((row, r) => {
      row.forEach((v, c) => {
        if (v <= 0) return;
        const p = v / n;
        const term = p * (Math.log(v) - logN) + p * (-Math.log(rowSums[r]! * colSums[c]!) + logN + logN);
        if (Math.abs(term) >= Number.EPSILON) mi += term;
      });
    });
    mi = Math.max(0, mi);
  }
  if (mi === 0) return 0;
  const normalizer = (entropy(pi, n) + entropy(pj, n)) / 2;
  return mi / normalizer;
}

/** normalized_mutual_info_score(a, b) of two label vectors. */
export function normalizedMutualInfo(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return nmiFromCounts(countTable(a, b));
}

/** NMI of a stage contingency: labelled images only, noise as one more cluster. null without any. */
export function nmiFromContingency(c: Contingency): number | null {
  const t = countsWithNoise(c);
  if (t.every((r) => r.every((v) => v === 0))) return null;
  return nmiFromCounts(t);
}

/** Alias of normalizedMutualInfo. */
export const nmi = normalizedMutualInfo;
