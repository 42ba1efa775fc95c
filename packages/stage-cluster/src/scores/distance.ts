// Pairwise distances without materialising the n × n matrix: a tight typed-array kernel shared by
// silhouette, trustworthiness and DBSCAN's neighbourhoods.
//
// Euclidean: d(a, b) = sqrt(max(0, ||a||² + ||b||² − 2 a·b)), Float64 throughout (the float32 input
// is copied to Float64 once), the dot products in 4 × 2 register blocks (four rows a against two
// rows b: each value loaded once per 4 or 2 products). Cosine (sklearn's cosine_distances):
// 1 − a·b / (||a|| ||b||) clamped to [0, 2], a zero row being at distance 1 from everything else
// (sklearn normalises it to zero). Measured (n = 1506, 2 shared cores under load): silhouette
// d = 512 ≈ 0.8 s with 4 × 2 vs 1.0–1.6 s with 4 × 1 blocks.

import type { Matrix } from '../matrix.js';

export type Metric = 'euclidean' | 'cosine';

export interface PreparedRows {
  n: number;
  d: number;
  metric: Metric;
  /** n × d, Float64, rows normalised to unit length for cosine. */
  data: Float64Array;
  /** Squared norms (euclidean) — unused for cosine. */
  sq: Float64Array;
}

export function prepareRows(x: Matrix, metric: Metric = 'euclidean'): PreparedRows {
  const { rows: n, cols: d } = x;
  const data = Float64Array.from(x.data);
  const sq = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * d;
    for (let k = 0; k < d; k++) {
      const v = data[o + k]!;
      s += v * v;
    }
    sq[i] = s;
    if (metric === 'cosine' && s > 0) {
      const inv = 1 / Math.sqrt(s);
      for (let k = 0; k < d; k++) data[o + k]! *= inv;
    }
  }
  return { n, d, metric, data, sq };
}

/** Largest row block the kernel handles at once. */
export const ROW_BLOCK = 4;

/**
 * Distances from rows i0 … i0+count−1 (count ≤ ROW_BLOCK) to every row j in [j0, n):
 * out[r * n + j] = d(i0 + r, j). Entries with j < j0 are left untouched. d(i, i) is exactly 0.
 */
export function distanceBlock(p: PreparedRows, i0: number, count: number, j0: number, out: Float64Array): void {
  const { n, d, data, metric } = p;
  const cosine = metric === 'cosine';
  const o0 = i0 * d;
  const o1 = (i0 + Math.min(1, count - 1)) * d;
  const o2 = (i0 + Math.min(2, count - 1)) * d;
  const o3 = (i0 + Math.min(3, count - 1)) * d;
  let j = j0;
  // Two rows b at a time: 8 accumulators, each a[k] and b[k] read once per 4 × 2 products.
  for (; j + 1 < n; j += 2) {
    const oj = j * d;
    const ok = oj + d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let t0 = 0;
    let t1 = 0;
    let t2 = 0;
    let t3 = 0;
    for (let k = 0; k < d; k++) {
      const b = data[oj + k]!;
      const c = data[ok + k]!;
      const a0 = data[o0 + k]!;
      const a1 = data[o1 + k]!;
      const a2 = data[o2 + k]!;
      const a3 = data[o3 + k]!;
      s0 += a0 * b;
      s1 += a1 * b;
      s2 += a2 * b;
      s3 += a3 * b;
      t0 += a0 * c;
      t1 += a1 * c;
      t2 += a2 * c;
      t3 += a3 * c;
    }
    out[j] = finish(p, i0, j, s0, cosine);
    out[j + 1] = finish(p, i0, j + 1, t0, cosine);
    if (count > 1) {
      out[n + j] = finish(p, i0 + 1, j, s1, cosine);
      out[n + j + 1] = finish(p, i0 + 1, j + 1, t1, cosine);
    }
    if (count > 2) {
      out[2 * n + j] = finish(p, i0 + 2, j, s2, cosine);
      out[2 * n + j + 1] = finish(p, i0 + 2, j + 1, t2, cosine);
    }
    if (count > 3) {
      out[3 * n + j] = finish(p, i0 + 3, j, s3, cosine);
      out[3 * n + j + 1] = finish(p, i0 + 3, j + 1, t3, cosine);
    }
  }
  for (; j < n; j++) {
    const oj = j * d;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let k = 0; k < d; k++) {
      const b = data[oj + k]!;
      s0 += data[o0 + k]! * b;
      s1 += data[o1 + k]! * b;
      s2 += data[o2 + k]! * b;
      s3 += data[o3 + k]! * b;
    }
    out[j] = finish(p, i0, j, s0, cosine);
    if (count > 1) out[n + j] = finish(p, i0 + 1, j, s1, cosine);
    if (count > 2) out[2 * n + j] = finish(p, i0 + 2, j, s2, cosine);
    if (count > 3) out[3 * n + j] = finish(p, i0 + 3, j, s3, cosine);
  }
}

function finish(p: PreparedRows, i: number, j: number, dot: number, cosine: boolean): number {
  if (i === j) return 0;
  // A zero row stays zero after normalisation: its dot is 0, its cosine distance 1 (as sklearn).
  if (cosine) return Math.min(2, Math.max(0, 1 - dot));
  return Math.sqrt(Math.max(0, p.sq[i]! + p.sq[j]! - 2 * dot));
}

/**
 * Calls `visit(i, j, dist)` once for every pair i < j, in row blocks (never n × n in memory).
 */
export function forEachPair(p: PreparedRows, visit: (i: number, j: number, dist: number) => void): void {
  const n = p.n;
  const out = new Float64Array(ROW_BLOCK * n);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const count = Math.min(ROW_BLOCK, n - i0);
    distanceBlock(p, i0, count, i0 + 1, out);
    for (let r = 0; r < count; r++) {
      const i = i0 + r;
      const base = r * n;
      for (let j = i + 1; j < n; j++) visit(i, j, out[base + j]!);
    }
  }
}
