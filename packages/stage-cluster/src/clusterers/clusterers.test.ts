import clustering from 'density-clustering';
import { createRng, silentLogger } from '@neuro-ssl/core';
import { describe, expect, it } from 'vitest';
import type { Matrix } from '../matrix.js';
import { adjustedRandIndex } from '../scores/ari.js';
import { dbscan, runDbscan } from './dbscan.js';
import { kmeans, runKmeans } from './kmeans.js';
import { clustererNames, getClusterer } from './registry.js';

const ctx = (seed = 1) => ({ rng: createRng(seed), logger: silentLogger });

/** Seeded Gaussian blobs: `centers` rows of d coordinates, `perBlob` points each (interleaved order). */
function blobs(centers: number[][], perBlob: number, sd: number, seed: number, noise = 0): { x: Matrix; truth: number[] } {
  const rng = createRng(seed);
  const d = centers[0]!.length;
  const rows: number[][] = [];
  const truth: number[] = [];
  for (let i = 0; i < perBlob; i++) {
    centers.forEach((c, k) => {
      rows.push(c.map((m) => m + sd * rng.normal()));
      truth.push(k);
    });
  }
  for (let i = 0; i < noise; i++) {
    rows.push(Array.from({ length: d }, () => rng.uniform(-20, 20)));
    truth.push(-1);
  }
  return { x: { rows: rows.length, cols: d, data: Float32Array.from(rows.flat()) }, truth };
}

function fromRows(rows: number[][]): Matrix {
  return { rows: rows.length, cols: rows[0]!.length, data: Float32Array.from(rows.flat()) };
}

/** sklearn's dbscan_inner, literally (brute-force neighbourhoods, distance <= eps, self included). */
function referenceDbscan(x: Matrix, eps: number, minSamples: number): Int32Array {
  const n = x.rows;
  const d = x.cols;
  const nb: number[][] = [];
  for (let i = 0; i < n; i++) {
    nb.push([]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let f = 0; f < d; f++) s += (x.data[i * d + f]! - x.data[j * d + f]!) ** 2;
      if (Math.sqrt(s) <= eps) nb[i]!.push(j);
    }
  }
  const core = nb.map((l) => l.length >= minSamples);
  const labels = new Int32Array(n).fill(-1);
  let label = 0;
  for (let i = 0; i < n; i++) {
    if (labels[i] !== -1 || !core[i]) continue;
    const stack = [i];
    while (stack.length) {
      const p = stack.pop()!;
      if (labels[p] !== -1) continue;
      labels[p] = label;
      if (core[p]) for (const q of nb[p]!) if (labels[q] === -1) stack.push(q);
    }
    label++;
  }
  return labels;
}

describe('registry', () => {
  it('lists and finds the clusterers; an unknown name lists the registered ones', () => {
    expect(clustererNames()).toEqual(['kmeans', 'dbscan']);
    expect(getClusterer('kmeans')).toBe(kmeans);
    expect(getClusterer('dbscan')).toBe(dbscan);
    expect(() => getClusterer('hdbscan')).toThrow(/unknown clusterer 'hdbscan'.*kmeans, dbscan/);
    expect(() => getClusterer('toString')).toThrow(/unknown clusterer/);
  });

  it('every schema has defaults for every property', () => {
    for (const name of clustererNames()) {
      const props = getClusterer(name).schema.properties as Record<string, { default?: unknown }>;
      for (const [key, p] of Object.entries(props)) expect(p.default, `${name}.${key}`).toBeDefined();
    }
  });
});

describe('kmeans', () => {
  const three = blobs(
    [
      [0, 0, 0, 0, 0],
      [10, 0, 0, 0, 0],
      [0, 10, 0, 0, 0],
    ],
    50,
    1,
    11,
  );

  it('finds the blobs (ARI 1) and resolves its params', async () => {
    const out = await kmeans.cluster(three.x, { k: 3 }, ctx());
    expect(adjustedRandIndex(three.truth, out.labels)).toBe(1);
    expect(out.params).toEqual({ k: 3, nInit: 10, maxIterations: 300, tolerance: 1e-4 });
  });

  it('same seed, same labels', async () => {
    const x = blobs([[0, 0], [3, 0], [0, 3], [3, 3]], 40, 1.2, 5).x; // overlapping: the init matters
    const a = await kmeans.cluster(x, { k: 4, nInit: 3 }, ctx(42));
    const b = await kmeans.cluster(x, { k: 4, nInit: 3 }, ctx(42));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  });

  it('nInit keeps the restart with the lowest inertia', () => {
    const x = blobs([[0, 0], [4, 0], [0, 4], [4, 4], [8, 8]], 30, 1.5, 6).x;
    const rng = createRng(3);
    const { best, runs } = runKmeans(x, { k: 5, nInit: 8, maxIterations: 300, tolerance: 1e-4 }, () => rng.int(2147483647));
    expect(runs).toHaveLength(8);
    expect(new Set(runs.map((r) => r.seed)).size).toBe(8);
    const min = Math.min(...runs.map((r) => r.inertia));
    expect(best.inertia).toBe(min);
    expect(best).toBe(runs.find((r) => r.inertia === min));
    // Its inertia is the sum of squared distances to the nearest centroid.
    let inertia = 0;
    for (let i = 0; i < x.rows; i++) {
      const c = best.labels[i]!;
      for (let f = 0; f < 2; f++) inertia += (x.data[i * 2 + f]! - best.centroids[c * 2 + f]!) ** 2;
    }
    expect(best.inertia).toBeCloseTo(inertia, 8);
  });

  it('rejects bad params', async () => {
    await expect(kmeans.cluster(three.x, { k: 0 }, ctx())).rejects.toThrow(/k must be/);
    await expect(kmeans.cluster(three.x, { k: 1000 }, ctx())).rejects.toThrow(/larger than the number of points/);
  });
});

describe('dbscan', () => {
  // 1-D: 0 (index 0) has one neighbour within eps = 1.2 (index 1), so it is visited first and marked
  // noise; index 1 is core (0, 1, 2, 3 within eps) and reaches 0 as a border point afterwards.
  const trap = fromRows([[0], [1], [1.5], [2], [10]]);

  it('border-point trap: density-clustering keeps a border point in its noise list; our labels do not', async () => {
    const lib = new clustering.DBSCAN();
    const clusters = lib.run([[0], [1], [1.5], [2], [10]], 1.2, 3);
    expect(clusters).toEqual([[1, 0, 2, 3]]);
    expect(lib.noise).toEqual([0, 4]); // 0 is in a cluster AND in noise: the library's bug
    const out = await dbscan.cluster(trap, { eps: 1.2, minPts: 3 }, ctx());
    expect(Array.from(out.labels)).toEqual([0, 0, 0, 0, -1]);
  });

  it("minPts counts the point itself (sklearn's min_samples); eps is inclusive", () => {
    const pair = fromRows([[0], [0.5]]);
    expect(Array.from(runDbscan(pair, { eps: 1, minPts: 2, metric: 'euclidean' }))).toEqual([0, 0]);
    expect(Array.from(runDbscan(pair, { eps: 1, minPts: 3, metric: 'euclidean' }))).toEqual([-1, -1]);
    // distance exactly eps is a neighbour (sklearn: <=; density-clustering alone uses <)
    const line = fromRows([[0], [1], [2]]);
    expect(Array.from(runDbscan(line, { eps: 1, minPts: 2, metric: 'euclidean' }))).toEqual([0, 0, 0]);
    expect(Array.from(runDbscan(line, { eps: 1, minPts: 1, metric: 'euclidean' }))).toEqual([0, 0, 0]);
    expect(Array.from(runDbscan(fromRows([[0], [3]]), { eps: 1, minPts: 1, metric: 'euclidean' }))).toEqual([0, 1]);
  });

  it("equals sklearn's algorithm (labels in order of discovery, noise) on blobs with noise", () => {
    for (const [seed, eps, minPts] of [
      [1, 1.0, 4],
      [2, 1.5, 5],
      [3, 0.7, 3],
      [4, 2.5, 10],
    ] as const) {
      const { x } = blobs([[0, 0, 0], [6, 0, 0], [0, 6, 0], [6, 6, 6]], 40, 1, seed, 30);
      const ours = runDbscan(x, { eps, minPts, metric: 'euclidean' });
      expect(Array.from(ours), `seed ${seed}`).toEqual(Array.from(referenceDbscan(x, eps, minPts)));
    }
  });

  it('finds the blobs and marks the uniform noise', async () => {
    const { x, truth } = blobs([[0, 0], [10, 0], [0, 10]], 60, 0.5, 8, 20);
    const out = await dbscan.cluster(x, { eps: 1, minPts: 5 }, ctx());
    expect(out.params).toEqual({ eps: 1, minPts: 5, metric: 'euclidean' });
    const blobRows = truth.map((t, i) => (t >= 0 ? i : -1)).filter((i) => i >= 0);
    expect(adjustedRandIndex(blobRows.map((i) => truth[i]!), blobRows.map((i) => out.labels[i]!))).toBe(1);
    const noiseRows = truth.map((t, i) => (t < 0 ? i : -1)).filter((i) => i >= 0);
    expect(noiseRows.filter((i) => out.labels[i] === -1).length).toBeGreaterThanOrEqual(18);
  });

  it('cosine metric clusters directions, whatever the norm', async () => {
    // two rays (angle ≈ 0 and ≈ 90°), radii 1 … 20: euclidean would chain by radius, cosine by angle.
    const rng = createRng(2);
    const rows: number[][] = [];
    const truth: number[] = [];
    for (let r = 1; r <= 20; r++) {
      for (const k of [0, 1]) {
        const a = k * (Math.PI / 2) + 0.02 * rng.normal();
        rows.push([r * Math.cos(a), r * Math.sin(a)]);
        truth.push(k);
      }
    }
    const x = fromRows(rows);
    const out = await dbscan.cluster(x, { eps: 0.01, minPts: 3, metric: 'cosine' }, ctx());
    expect(adjustedRandIndex(truth, out.labels)).toBe(1);
    const euclid = await dbscan.cluster(x, { eps: 1.5, minPts: 3, metric: 'euclidean' }, ctx());
    expect(adjustedRandIndex(truth, euclid.labels)).toBeLessThan(1);
  });

  it('rejects bad params', async () => {
    await expect(dbscan.cluster(trap, { eps: 0 }, ctx())).rejects.toThrow(/eps/);
    await expect(dbscan.cluster(trap, { minPts: 0 }, ctx())).rejects.toThrow(/minPts/);
    await expect(dbscan.cluster(trap, { metric: 'manhattan' as 'cosine' }, ctx())).rejects.toThrow(/metric/);
  });
});
