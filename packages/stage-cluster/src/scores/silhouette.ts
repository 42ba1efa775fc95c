// Mean silhouette coefficient (sklearn.metrics.silhouette_score, metric='euclidean' by default).
//
// Noise (label −1) is EXCLUDED: the score is computed on the clustered points only, as sklearn users
// do with DBSCAN output (`silhouette_score(X[labels >= 0], labels[labels >= 0])`); passing the −1s to
// sklearn would instead treat noise as one more (spread-out) cluster.
//
// For each kept point i: a = mean distance to the other members of its cluster, b = the smallest mean
// distance to another cluster, s = (b − a) / max(a, b); s = 0 for a point alone in its cluster
// (sklearn). The pairwise distances are computed four rows at a time and accumulated into per-cluster
// sums (n × k), never as an n × n matrix. null when fewer than 2 clusters remain, or when every point
// is its own cluster (sklearn raises for both: it needs 2 ≤ clusters ≤ n − 1).

import type { Matrix } from '../matrix.js';
import { distanceBlock, prepareRows, ROW_BLOCK, type Metric } from './distance.js';

export function silhouette(x: Matrix, labels: Int32Array, metric: Metric = 'euclidean'): number | null {
  if (labels.length !== x.rows) throw new Error(`silhouette: ${labels.length} labels for ${x.rows} rows`);
  // Keep the non-noise points, clusters renumbered 0 … k−1.
  const keep: number[] = [];
  const ids = new Map<number, number>();
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (l < 0) continue;
    keep.push(i);
    if (!ids.has(l)) ids.set(l, ids.size);
  }
  const n = keep.length;
  const k = ids.size;
  if (k < 2 || k > n - 1) return null;

  const d = x.cols;
  const sub = new Float32Array(n * d);
  const lab = new Int32Array(n);
  const sizes = new Float64Array(k);
  for (let r = 0; r < n; r++) {
    const i = keep[r]!;
    sub.set(x.data.subarray(i * d, (i + 1) * d), r * d);
    const c = ids.get(labels[i]!)!;
    lab[r] = c;
    sizes[c]! += 1;
  }
  const p = prepareRows({ rows: n, cols: d, data: sub }, metric);

  // sums[i * k + c] = Σ distance from i to the members of cluster c.
  const sums = new Float64Array(n * k);
  const out = new Float64Array(ROW_BLOCK * n);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const count = Math.min(ROW_BLOCK, n - i0);
    distanceBlock(p, i0, count, i0 + 1, out);
    for (let r = 0; r < count; r++) {
      const i = i0 + r;
      const li = lab[i]!;
      const base = r * n;
      const si = i * k;
      let acc = 0; // distances to i's own cluster from j > i, added once at the end
      for (let j = i + 1; j < n; j++) {
        const dist = out[base + j]!;
        const lj = lab[j]!;
        if (lj === li) acc += dist;
        else sums[si + lj]! += dist;
        sums[j * k + li]! += dist;
      }
      sums[si + li]! += acc;
    }
  }

  let total = 0;
  for (let i = 0; i < n; i++) {
    const li = lab[i]!;
    const own = sizes[li]!;
    if (own <= 1) continue; // s = 0
    const si = i * k;
    const a = sums[si + li]! / (own - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === li) continue;
      const m = sums[si + c]! / sizes[c]!;
      if (m < b) b = m;
    }
    const denom = Math.max(a, b);
    if (denom > 0) total += (b - a) / denom; // sklearn's nan_to_num: 0/0 → 0
  }
  return total / n;
}
