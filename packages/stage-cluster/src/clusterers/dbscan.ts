// DBSCAN (clusterer `dbscan`) with sklearn.cluster.DBSCAN's semantics, on density-clustering 1.3.0's
// traversal:
//
// - `minPts` means sklearn's `min_samples`: a point is core when its eps-neighbourhood, the point
//   itself INCLUDED, holds at least minPts points. density-clustering uses the same convention (its
//   region query returns the point itself, at distance 0, and it tests `neighbors.length < minPts`),
//   so minPts is passed through unchanged.
// - the neighbourhood is `distance <= eps` as sklearn (radius_neighbors); density-clustering tests
//   `< eps`. Its region query (O(n) distance calls per point, on arrays) and its array merge (an
//   `indexOf` per element: O(n²) per core point in a large cluster) are replaced on the instance by
//   precomputed neighbourhoods (our typed-array distance kernel) and a bitmap merge; its traversal
//   (run / _expandCluster) is kept.
// - labels come from its cluster lists ONLY; points in no cluster are −1. Its `noise` list is wrong:
//   a point marked noise when visited is later added to a cluster as a border point without being
//   removed from `noise` (see dbscan.test.ts).
// - numbering: both visit points in index order and open a cluster at the first unvisited core point,
//   so cluster ids are in order of discovery exactly as sklearn's; a border point reachable from two
//   clusters goes to the first one (as sklearn).
// - metric 'cosine' is sklearn's cosine distance 1 − cos(a, b).

import clustering from 'density-clustering';
import type { JsonSchema } from '@neuro-ssl/core';
import type { Matrix } from '../matrix.js';
import { distanceBlock, prepareRows, ROW_BLOCK, type Metric } from '../scores/distance.js';
import type { Clusterer, ClustererContext, ClustererOutput } from './clusterer.js';

export interface DbscanParams {
  eps?: number;
  minPts?: number;
  metric?: Metric;
}

export const DBSCAN_DEFAULTS = { eps: 0.5, minPts: 5, metric: 'euclidean' as Metric };

export const dbscanSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    eps: {
      type: 'number',
      exclusiveMinimum: 0,
      description: 'Neighbourhood radius (distance <= eps, as scikit-learn).',
      default: DBSCAN_DEFAULTS.eps,
    },
    minPts: {
      type: 'integer',
      minimum: 1,
      description: "Points (the point itself included) an eps-neighbourhood needs for a core point: scikit-learn's min_samples.",
      default: DBSCAN_DEFAULTS.minPts,
    },
    metric: {
      enum: ['euclidean', 'cosine'],
      description: "Distance: euclidean, or cosine (1 − cosine similarity, as scikit-learn's 'cosine').",
      default: DBSCAN_DEFAULTS.metric,
    },
  },
};

function resolve(params: DbscanParams): Required<DbscanParams> {
  const r = { ...DBSCAN_DEFAULTS, ...params };
  if (!(typeof r.eps === 'number' && Number.isFinite(r.eps) && r.eps > 0)) throw new Error(`dbscan: eps must be a number > 0, got ${String(r.eps)}`);
  if (!(Number.isInteger(r.minPts) && r.minPts >= 1)) throw new Error(`dbscan: minPts must be an integer ≥ 1, got ${String(r.minPts)}`);
  if (r.metric !== 'euclidean' && r.metric !== 'cosine') throw new Error(`dbscan: metric must be 'euclidean' or 'cosine', got ${String(r.metric)}`);
  return r;
}

/** Every point's eps-neighbourhood (itself included), ascending indices. */
export function neighbourhoods(x: Matrix, eps: number, metric: Metric, signal?: AbortSignal): Int32Array[] {
  const n = x.rows;
  const p = prepareRows(x, metric);
  const lists: number[][] = Array.from({ length: n }, () => []);
  const out = new Float64Array(ROW_BLOCK * n);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    signal?.throwIfAborted();
    const count = Math.min(ROW_BLOCK, n - i0);
    distanceBlock(p, i0, count, i0, out);
    for (let r = 0; r < count; r++) {
      const i = i0 + r;
      const base = r * n;
      const li = lists[i]!;
      li.push(i);
      for (let j = i + 1; j < n; j++) {
        if (out[base + j]! <= eps) {
          li.push(j);
          lists[j]!.push(i);
        }
      }
    }
  }
  // lists[j] got its i < j first, then itself, then its k > j: already ascending.
  return lists.map((l) => Int32Array.from(l));
}

/** Labels from density-clustering's cluster lists: cluster index, −1 for points in none. */
export function labelsFromClusters(n: number, clusters: readonly (readonly number[])[]): Int32Array {
  const labels = new Int32Array(n).fill(-1);
  clusters.forEach((members, c) => {
    for (const i of members) labels[i] = c;
  });
  return labels;
}

export function runDbscan(x: Matrix, params: Required<DbscanParams>, signal?: AbortSignal): Int32Array {
  const n = x.rows;
  const nb = neighbourhoods(x, params.eps, params.metric, signal);
  const db = new clustering.DBSCAN();
  // Copies: density-clustering appends to the array its region query returns.
  db._regionQuery = (id: number) => Array.from(nb[id]!);
  const members = new WeakMap<number[], Uint8Array>();
  db._mergeArrays = (a: number[], b: number[]) => {
    let seen = members.get(a);
    if (!seen) {
      seen = new Uint8Array(n);
      for (const v of a) seen[v] = 1;
      members.set(a, seen);
    }
    for (const v of b) {
      if (seen[v] === 0) {
        seen[v] = 1;
        a.push(v);
      }
    }
    return a;
  };
  // The dataset only needs to be an array of length n (the region query is ours); eps is unused
  // here but must be truthy for density-clustering's `_init`.
  const dataset = Array.from({ length: n }, (_, i) => i);
  const clusters = db.run(dataset, 1, params.minPts, () => 0);
  return labelsFromClusters(n, clusters);
}

export const dbscan: Clusterer<DbscanParams> = {
  name: 'dbscan',
  description: "Density-based clustering (scikit-learn's DBSCAN semantics): eps, minPts (= min_samples), euclidean or cosine; −1 = noise.",
  schema: dbscanSchema,
  async cluster(x: Matrix, params: DbscanParams, ctx: ClustererContext): Promise<ClustererOutput> {
    const resolved = resolve(params ?? {});
    ctx.signal?.throwIfAborted();
    const t0 = performance.now();
    const labels = runDbscan(x, resolved, ctx.signal);
    let clusters = 0;
    let noise = 0;
    for (const l of labels) {
      if (l < 0) noise++;
      else if (l + 1 > clusters) clusters = l + 1;
    }
    ctx.logger.debug(`dbscan: ${clusters} clusters, ${noise} noise of ${x.rows} in ${(performance.now() - t0).toFixed(0)} ms`);
    return { labels, params: { ...resolved } };
  },
};
