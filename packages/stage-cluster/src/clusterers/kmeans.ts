// KMeans (clusterer `kmeans`) with sklearn.cluster.KMeans's semantics (lloyd, k-means++ init,
// n_init restarts keeping the lowest inertia), on ml-kmeans 7 for the init and the Lloyd steps.
//
// - nInit restarts, each with its own seed drawn from the context's Rng (sklearn draws one seed per
//   restart from its random_state); ml-kmeans's `seed` drives its k-means++ (greedy, 2 + ⌊ln k⌋ local
//   trials, as sklearn). The restart with the lowest inertia wins (ties: the first).
// - tolerance is sklearn's `tol`: relative to the data, tol × mean per-feature variance, compared with
//   the total squared centre shift Σ_c ||c_new − c_old||² between two iterations; a step that
//   reassigns no point also stops (sklearn's strict convergence). ml-kmeans's own test (per-centre
//   shift against an absolute tolerance) is disabled. Difference: the shift of the very first step
//   (init → first update) is not tested, the generator does not expose the init centres.
// - final labels are the nearest final centre (sklearn's last E-step), inertia Σ squared distances.
// - an empty cluster keeps its previous centre (ml-kmeans); sklearn relocates it to a far point.

import { kmeansGenerator } from 'ml-kmeans';
import type { JsonSchema } from '@neuro-ssl/core';
import type { Matrix } from '../matrix.js';
import type { Clusterer, ClustererContext, ClustererOutput } from './clusterer.js';

export interface KmeansParams {
  k?: number;
  nInit?: number;
  maxIterations?: number;
  tolerance?: number;
}

export const KMEANS_DEFAULTS = { k: 2, nInit: 10, maxIterations: 300, tolerance: 1e-4 };

export const kmeansSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    k: { type: 'integer', minimum: 1, description: 'Number of clusters.', default: KMEANS_DEFAULTS.k },
    nInit: {
      type: 'integer',
      minimum: 1,
      description: 'Restarts (k-means++ each, own seed); the lowest inertia wins (scikit-learn n_init).',
      default: KMEANS_DEFAULTS.nInit,
    },
    maxIterations: { type: 'integer', minimum: 1, description: 'Lloyd iterations per restart at most (max_iter).', default: KMEANS_DEFAULTS.maxIterations },
    tolerance: {
      type: 'number',
      minimum: 0,
      description: "scikit-learn's tol: stop when the total squared centre shift is at most tol × the mean per-feature variance.",
      default: KMEANS_DEFAULTS.tolerance,
    },
  },
};

function resolve(params: KmeansParams): Required<KmeansParams> {
  const r = { ...KMEANS_DEFAULTS, ...params };
  for (const key of ['k', 'nInit', 'maxIterations'] as const) {
    if (!(Number.isInteger(r[key]) && r[key] >= 1)) throw new Error(`kmeans: ${key} must be an integer ≥ 1, got ${String(r[key])}`);
  }
  if (!(typeof r.tolerance === 'number' && r.tolerance >= 0)) throw new Error(`kmeans: tolerance must be a number ≥ 0, got ${String(r.tolerance)}`);
  return r;
}

export interface KmeansRun {
  labels: Int32Array;
  /** k × d, row-major. */
  centroids: Float64Array;
  inertia: number;
  iterations: number;
  seed: number;
}

/** Nearest centre (lowest index on ties) of every row, and the inertia. */
export function assign(x: Matrix, centroids: Float64Array, k: number): { labels: Int32Array; inertia: number } {
  const { rows: n, cols: d, data } = x;
  const labels = new Int32Array(n);
  let inertia = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let best = Infinity;
    let arg = 0;
    for (let c = 0; c < k; c++) {
      const oc = c * d;
      let s = 0;
      for (let f = 0; f < d; f++) {
        const t = data[o + f]! - centroids[oc + f]!;
        s += t * t;
      }
      if (s < best) {
        best = s;
        arg = c;
      }
    }
    labels[i] = arg;
    inertia += best;
  }
  return { labels, inertia };
}

/** sklearn's _tolerance: tol × mean over features of the (population) variance. */
function absoluteTolerance(x: Matrix, tol: number): number {
  if (tol === 0) return 0;
  const { rows: n, cols: d, data } = x;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let f = 0; f < d; f++) mean[f]! += data[i * d + f]!;
  for (let f = 0; f < d; f++) mean[f]! /= n;
  let v = 0;
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) {
      const t = data[i * d + f]! - mean[f]!;
      v += t * t;
    }
  }
  return (tol * v) / (n * d);
}

/** One restart: k-means++ (seeded) then Lloyd until strict convergence, tolerance or maxIterations. */
export function kmeansOnce(x: Matrix, rows: number[][], params: Required<KmeansParams>, tolAbs: number, seed: number): KmeansRun {
  const { k, maxIterations } = params;
  const d = x.cols;
  // tolerance −1: ml-kmeans's own test (distance > tolerance) never stops; we decide below.
  const steps = kmeansGenerator(rows, k, { seed, initialization: 'kmeans++', maxIterations, tolerance: -1 });
  let prevCentroids: number[][] | null = null;
  let prevLabels: Int32Array | null = null;
  let last: number[][] | null = null;
  let iterations = 0;
  for (const step of steps) {
    iterations++;
    last = step.centroids;
    // step.clusters: assignment to the previous centres; step.centroids: their update.
    const labels = Int32Array.from(step.clusters);
    if (prevLabels && labels.every((v, i) => v === prevLabels![i])) break;
    if (prevCentroids) {
      let shift = 0;
      for (let c = 0; c < k; c++) {
        const a = last[c]!;
        const b = prevCentroids[c]!;
        for (let f = 0; f < d; f++) shift += (a[f]! - b[f]!) ** 2;
      }
      if (shift <= tolAbs) break;
    }
    prevCentroids = last;
    prevLabels = labels;
  }
  if (!last) throw new Error('kmeans: no iteration ran');
  const centroids = new Float64Array(k * d);
  last.forEach((c, i) => centroids.set(c, i * d));
  const { labels, inertia } = assign(x, centroids, k);
  return { labels, centroids, inertia, iterations, seed };
}

/** All nInit restarts; the lowest inertia wins. Seeds: one per restart from `nextSeed`. */
export function runKmeans(x: Matrix, params: Required<KmeansParams>, nextSeed: () => number, signal?: AbortSignal): { best: KmeansRun; runs: KmeansRun[] } {
  if (params.k > x.rows) throw new Error(`kmeans: k (${params.k}) is larger than the number of points (${x.rows})`);
  const rows = Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
  const tolAbs = absoluteTolerance(x, params.tolerance);
  const seeds = Array.from({ length: params.nInit }, nextSeed);
  const runs: KmeansRun[] = [];
  let best: KmeansRun | null = null;
  for (const seed of seeds) {
    signal?.throwIfAborted();
    const run = kmeansOnce(x, rows, params, tolAbs, seed);
    runs.push(run);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return { best: best!, runs };
}

export const kmeans: Clusterer<KmeansParams> = {
  name: 'kmeans',
  description: "k-means (scikit-learn's KMeans semantics): k-means++ init, nInit seeded restarts keeping the lowest inertia, relative tolerance.",
  schema: kmeansSchema,
  async cluster(x: Matrix, params: KmeansParams, ctx: ClustererContext): Promise<ClustererOutput> {
    const resolved = resolve(params ?? {});
    const t0 = performance.now();
    const { best } = runKmeans(x, resolved, () => ctx.rng.int(2147483647), ctx.signal);
    ctx.logger.debug(
      `kmeans: k=${resolved.k}, best of ${resolved.nInit} restarts inertia ${best.inertia.toPrecision(6)} after ${best.iterations} iterations, ${(performance.now() - t0).toFixed(0)} ms`,
    );
    return { labels: best.labels, params: { ...resolved } };
  },
};
