// Seeded Gaussian mixture for the reducer tests.

import { createRng, silentLogger, type Rng } from '@neuro-ssl/core';
import { matrix, type Matrix } from '../../matrix.js';
import type { ReducerContext } from '../reducer.js';

export interface Mixture {
  x: Matrix;
  labels: number[];
}

/** n points in d dimensions from k well-separated spherical Gaussians (centres ~ N(0, separation²), unit noise, anisotropic scales). */
export function gaussianMixture(seed: number, n = 300, d = 20, k = 3, separation = 10): Mixture {
  const rng = createRng(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => rng.normal() * separation));
  const scales = Array.from({ length: d }, (_, j) => 1 + (j % 5) * 0.5);
  const data = new Float32Array(n * d);
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels.push(c);
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c]![j]! + rng.normal() * scales[j]!;
  }
  return { x: matrix(n, d, data), labels };
}

export function context(seed: number, extra: Partial<ReducerContext> = {}): ReducerContext & { rng: Rng } {
  return { rng: createRng(seed), logger: silentLogger, ...extra };
}

/** Fraction of each point's `m` nearest neighbours (euclidean, in x) that share its label. */
export function knnLabelAgreement(x: Matrix, labels: number[], m = 10): number {
  const { rows: n, cols: d, data } = x;
  let agree = 0;
  for (let i = 0; i < n; i++) {
    const dist: [number, number][] = [];
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (data[i * d + t]! - data[j * d + t]!) ** 2;
      dist.push([s, j]);
    }
    dist.sort((a, b) => a[0] - b[0]);
    for (let q = 0; q < m; q++) if (labels[dist[q]![1]] === labels[i]) agree++;
  }
  return agree / (n * m);
}
