// Cluster × class counts on the labelled images only (label −1 = unlabelled, skipped). Noise
// (assignment −1) is not a row: it is counted separately per class in `noise`.

import type { Contingency } from '@neuro-ssl/core';

/**
 * `clusters`: the cluster ids (≥ 0) that hold at least one labelled image, ascending; `classes`: the
 * class labels present, ascending; `counts[r][c]`: labelled images of class `classes[c]` in cluster
 * `clusters[r]`; `noise[c]`: labelled images of class `classes[c]` marked noise.
 */
export function contingency(assignments: Int32Array, labels: readonly number[]): Contingency {
  if (assignments.length !== labels.length) {
    throw new Error(`contingency: ${assignments.length} assignments for ${labels.length} labels`);
  }
  const clusterSet = new Set<number>();
  const classSet = new Set<number>();
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0) continue;
    classSet.add(y);
    const a = assignments[i]!;
    if (a >= 0) clusterSet.add(a);
  }
  const clusters = [...clusterSet].sort((p, q) => p - q);
  const classes = [...classSet].sort((p, q) => p - q);
  const row = new Map(clusters.map((c, r) => [c, r]));
  const col = new Map(classes.map((c, k) => [c, k]));
  const counts = clusters.map(() => classes.map(() => 0));
  const noise = classes.map(() => 0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i]!;
    if (y < 0) continue;
    const k = col.get(y)!;
    const a = assignments[i]!;
    if (a < 0) noise[k]! += 1;
    else counts[row.get(a)!]![k]! += 1;
  }
  return { clusters, classes, counts, noise };
}

/**
 * The table ARI and NMI are computed on: the counts, plus noise as ONE more cluster (a last row)
 * when any labelled image is noise — what sklearn does when it is handed DBSCAN's −1 labels.
 */
export function countsWithNoise(c: Contingency): number[][] {
  const rows = c.counts.map((r) => [...r]);
  if (c.noise.some((v) => v > 0)) rows.push([...c.noise]);
  return rows;
}

/** Build the count table of two label vectors (any integers; −1 is just another label here). */
export function countTable(a: ArrayLike<number>, b: ArrayLike<number>): number[][] {
  if (a.length !== b.length) throw new Error(`count table: ${a.length} vs ${b.length} labels`);
  const ra = new Map<number, number>();
  const rb = new Map<number, number>();
  for (let i = 0; i < a.length; i++) {
    if (!ra.has(a[i]!)) ra.set(a[i]!, ra.size);
    if (!rb.has(b[i]!)) rb.set(b[i]!, rb.size);
  }
  const t = Array.from({ length: ra.size }, () => new Array<number>(rb.size).fill(0));
  for (let i = 0; i < a.length; i++) t[ra.get(a[i]!)!]![rb.get(b[i]!)!]! += 1;
  return t;
}
