// sklearn.manifold.trustworthiness(X, X_embedded, n_neighbors=5, metric='euclidean'), exact:
//
//   T(k) = 1 − 2 / (n k (2n − 3k − 1)) · Σ_i Σ_{j ∈ N_k^embedded(i)} max(0, r(i, j) − k)
//
// where r(i, j) is the rank (1 = nearest, self excluded) of j among i's neighbours in the input space.
// O(n²) time, O(n) memory per row (two distance rows at a time; nothing n × n). Ties in distance
// are broken by index (sklearn's argsort is not stable, so on exact ties the two may differ).

import type { Matrix } from '../matrix.js';
import { distanceBlock, prepareRows, type Metric } from './distance.js';

export function trustworthiness(x: Matrix, embedded: Matrix, nNeighbors = 5, metric: Metric = 'euclidean'): number {
  const n = x.rows;
  if (embedded.rows !== n) throw new Error(`trustworthiness: ${n} rows vs ${embedded.rows} embedded rows`);
  const k = nNeighbors;
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw new Error(`trustworthiness: n_neighbors (${k}) should be an integer in [1, n_samples / 2) (n = ${n})`);
  }
  const px = prepareRows(x, metric);
  const pe = prepareRows(embedded, 'euclidean');
  const dx = new Float64Array(n);
  const de = new Float64Array(n);
  const nearest = new Int32Array(k);
  const nearestD = new Float64Array(k);
  let t = 0;
  for (let i = 0; i < n; i++) {
    distanceBlock(px, i, 1, 0, dx);
    distanceBlock(pe, i, 1, 0, de);
    // The k nearest in the embedding (self excluded), by (distance, index): insertion into a sorted k-list.
    let filled = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = de[j]!;
      if (filled === k && v >= nearestD[k - 1]!) continue;
      let pos = filled < k ? filled++ : k - 1;
      while (pos > 0 && nearestD[pos - 1]! > v) {
        nearestD[pos] = nearestD[pos - 1]!;
        nearest[pos] = nearest[pos - 1]!;
        pos--;
      }
      nearestD[pos] = v;
      nearest[pos] = j;
    }
    // Their rank in the input space: 1 + #{m ≠ i closer than j, or as close with a smaller index}.
    for (let q = 0; q < k; q++) {
      const j = nearest[q]!;
      const dj = dx[j]!;
      let rank = 1;
      for (let m = 0; m < n; m++) {
        if (m === i || m === j) continue;
        const dm = dx[m]!;
        if (dm < dj || (dm === dj && m < j)) rank++;
      }
      if (rank > k) t += rank - k;
    }
  }
  return 1 - t * (2 / (n * k * (2 * n - 3 * k - 1)));
}
