import { createRng } from '@neuro-ssl/core';
import { describe, expect, it } from 'vitest';
import type { Matrix } from '../matrix.js';
import { adjustedRandIndex, ariFromContingency } from './ari.js';
import { contingency, countsWithNoise } from './contingency.js';
import { nmiFromContingency, normalizedMutualInfo } from './nmi.js';
import { silhouette } from './silhouette.js';
import { trustworthiness } from './trustworthiness.js';

function randomMatrix(n: number, d: number, seed: number): Matrix {
  const rng = createRng(seed);
  const data = new Float32Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  return { rows: n, cols: d, data };
}

function dist(x: Matrix, i: number, j: number): number {
  let s = 0;
  for (let f = 0; f < x.cols; f++) s += (x.data[i * x.cols + f]! - x.data[j * x.cols + f]!) ** 2;
  return Math.sqrt(s);
}

/** sklearn's silhouette, literally (exact differences, no tricks), noise excluded. */
function bruteSilhouette(x: Matrix, labels: Int32Array): number {
  const keep = [...labels.keys()].filter((i) => labels[i]! >= 0);
  const clusters = [...new Set(keep.map((i) => labels[i]!))];
  let total = 0;
  for (const i of keep) {
    const own = keep.filter((j) => labels[j] === labels[i]);
    if (own.length === 1) continue;
    const a = own.filter((j) => j !== i).reduce((s, j) => s + dist(x, i, j), 0) / (own.length - 1);
    let b = Infinity;
    for (const c of clusters) {
      if (c === labels[i]) continue;
      const m = keep.filter((j) => labels[j] === c);
      b = Math.min(b, m.reduce((s, j) => s + dist(x, i, j), 0) / m.length);
    }
    total += (b - a) / Math.max(a, b);
  }
  return total / keep.length;
}

describe('adjusted Rand index', () => {
  it("matches sklearn's documented examples", () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.5714285714285715, 15);
    expect(adjustedRandIndex([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    // sklearn docs: adjusted_rand_score([0, 0, 1, 2], [0, 0, 1, 1]) ≈ 0.57 (symmetric), [0,0,1,1] vs [0,1,0,1] = -0.5
    expect(adjustedRandIndex([0, 0, 1, 2], [0, 0, 1, 1])).toBeCloseTo(0.5714285714285715, 15);
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 15);
  });

  it('is ≈ 0 for independent random partitions', () => {
    const rng = createRng(7);
    const a = Array.from({ length: 5000 }, () => rng.int(3));
    const b = Array.from({ length: 5000 }, () => rng.int(4));
    expect(Math.abs(adjustedRandIndex(a, b))).toBeLessThan(0.01);
  });
});

describe('normalized mutual information', () => {
  it('is 1 for the same partition renamed, 0 for independent ones', () => {
    expect(normalizedMutualInfo([0, 0, 1, 1], [1, 1, 0, 0])).toBe(1);
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 1, 0, 1])).toBe(0);
    expect(normalizedMutualInfo([0, 0, 0, 0], [1, 1, 1, 1])).toBe(1);
  });

  it('matches a hand computation (arithmetic average)', () => {
    // a = [0,0,1,1], b = [0,0,1,2]: MI = H(a) = ln 2; H(b) = 1.5 ln 2 → NMI = ln2 / (1.25 ln2) = 0.8
    expect(normalizedMutualInfo([0, 0, 1, 1], [0, 0, 1, 2])).toBeCloseTo(0.8, 14);
  });
});

describe('contingency', () => {
  it('counts the labelled images only, noise separately per class', () => {
    const assignments = Int32Array.from([0, 0, 1, -1, 1, -1, 2, 0]);
    const labels = [0, 0, 1, 1, -1, 0, -1, 1];
    const c = contingency(assignments, labels);
    expect(c.clusters).toEqual([0, 1]); // cluster 2 holds no labelled image
    expect(c.classes).toEqual([0, 1]);
    expect(c.counts).toEqual([
      [2, 1],
      [0, 1],
    ]);
    expect(c.noise).toEqual([1, 1]);
    // ARI/NMI: noise is one more cluster (a last row).
    expect(countsWithNoise(c)).toEqual([
      [2, 1],
      [0, 1],
      [1, 1],
    ]);
    const truth = [0, 0, 1, 1, 0, 1];
    const pred = [0, 0, 1, -1, -1, 0];
    expect(ariFromContingency(c)).toBeCloseTo(adjustedRandIndex(truth, pred), 15);
    expect(nmiFromContingency(c)).toBeCloseTo(normalizedMutualInfo(truth, pred), 15);
  });

  it('gives null scores without labelled images', () => {
    const c = contingency(Int32Array.from([0, 1]), [-1, -1]);
    expect(c).toEqual({ clusters: [], classes: [], counts: [], noise: [] });
    expect(ariFromContingency(c)).toBeNull();
    expect(nmiFromContingency(c)).toBeNull();
  });
});

describe('silhouette', () => {
  it('matches a brute-force reference on random data within 1e-10 (noise excluded)', () => {
    const x = randomMatrix(97, 13, 3);
    const rng = createRng(4);
    const labels = Int32Array.from({ length: 97 }, () => rng.int(5) - 1); // -1 … 3, some singletons likely not
    labels[5] = 9; // a singleton cluster: s = 0 for it
    const ours = silhouette(x, labels)!;
    expect(Math.abs(ours - bruteSilhouette(x, labels))).toBeLessThan(1e-10);
  });

  it('matches a 1-D case computed by hand', () => {
    // points 0, 1 | 4, 5: a = 1 for all; b = 4.5, 3.5, 3.5, 4.5 → s = 7/9, 5/7, 5/7, 7/9 → mean 47/63
    const x: Matrix = { rows: 4, cols: 1, data: Float32Array.from([0, 1, 4, 5]) };
    expect(silhouette(x, Int32Array.from([0, 0, 1, 1]))).toBeCloseTo(47 / 63, 14);
    // noise excluded: adding a far noise point changes nothing
    const y: Matrix = { rows: 5, cols: 1, data: Float32Array.from([0, 1, 100, 4, 5]) };
    expect(silhouette(y, Int32Array.from([0, 0, -1, 1, 1]))).toBeCloseTo(47 / 63, 14);
  });

  it('is null with fewer than two clusters', () => {
    const x = randomMatrix(10, 3, 1);
    expect(silhouette(x, new Int32Array(10))).toBeNull();
    expect(silhouette(x, Int32Array.from([0, 0, 0, 0, 0, -1, -1, -1, -1, -1]))).toBeNull();
    expect(silhouette(x, new Int32Array(10).fill(-1))).toBeNull();
  });

  it('supports the cosine metric', () => {
    // directions (1,0),(2,0) vs (0,1),(0,3): cosine distances 0 within, 1 across → s = 1
    const x: Matrix = { rows: 4, cols: 2, data: Float32Array.from([1, 0, 2, 0, 0, 1, 0, 3]) };
    expect(silhouette(x, Int32Array.from([0, 0, 1, 1]), 'cosine')).toBeCloseTo(1, 14);
  });
});

describe('trustworthiness', () => {
  it('is 1 for an embedding that keeps every neighbourhood', () => {
    const x = randomMatrix(40, 6, 9);
    const scaled: Matrix = { rows: 40, cols: 6, data: x.data.map((v) => 3 * v) };
    expect(trustworthiness(x, scaled, 5)).toBeCloseTo(1, 14);
  });

  it('matches the formula on a hand-checked 1-D case', () => {
    // X on a line 0,1,2,3,4,5,6,7 (ranks by distance); embedding swaps points 0 and 7's places.
    const x: Matrix = { rows: 8, cols: 1, data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]) };
    const e: Matrix = { rows: 8, cols: 1, data: Float32Array.from([7, 1, 2, 3, 4, 5, 6, 0]) };
    // k = 1. Embedded nearest neighbour (ties → lower index) and its rank among X's neighbours
    // (ties → lower index): 0→6 (6: 1…5 are closer), 1→2 (2: 0 ties with it and comes first),
    // 2→1 (1), 3→2 (1), 4→3 (1), 5→4 (1), 6→0 (7: all others closer), 7→1 (6).
    // Penalties rank − k: 5 + 1 + 6 + 5 = 17; T = 1 − 17 · 2 / (8 · 1 · (16 − 3 − 1)) = 1 − 34/96
    expect(trustworthiness(x, e, 1)).toBeCloseTo(1 - 34 / 96, 14);
  });

  it('rejects n_neighbors ≥ n / 2', () => {
    const x = randomMatrix(10, 2, 1);
    expect(() => trustworthiness(x, x, 5)).toThrow(/n_neighbors/);
  });
});
