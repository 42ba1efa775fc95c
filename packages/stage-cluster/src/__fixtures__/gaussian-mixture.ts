// A deterministic, structured stand-in for a feature table: a seeded two-class Gaussian mixture in a
// random low-dimensional subspace of R^d plus isotropic noise, shaped like the real data (n = 1,506
// rows, d = 512 features, labels for the first 100 rows and -1 for the rest).
//
//   x_i = mu0 + sum_j (m[c_i][j] + s_j * z_ij) * b_j + noise * e_i     (z, e ~ N(0, 1))
//
// mu0 is a per-feature offset in [0, 1) (so centring matters), b_1..b_k an orthonormal basis of a
// random k-dimensional subspace (Gram-Schmidt on Gaussian vectors), s_j = spread * (1 - 0.5 j / k)
// distinct per direction (so PCA's eigenvalues are distinct), and the two class means differ by
// `separation` along b_1 and by separation / 4 along b_2. Classes are drawn with probability 1/2.
//
// The stage's sklearn parity test and bench/cluster/run.mjs both use this generator (the bench
// transpiles this file: it must keep importing nothing but `@neuro-ssl/core` and types).

import { createRng } from '@neuro-ssl/core';
import type { Matrix } from '../matrix.js';

export interface GaussianMixtureOptions {
  /** Rows. Default 1506 (the real data set's size). */
  n?: number;
  /** Features. Default 512 (ResNet18/34 feature width). */
  d?: number;
  /** Dimension of the signal subspace. Default 4. */
  latentDim?: number;
  /** Distance between the two class means along the first subspace direction. Default 4.5. */
  separation?: number;
  /** Standard deviation of the first subspace direction within a class. Default 1. */
  spread?: number;
  /** Isotropic noise standard deviation per feature. Default 0.03. */
  noise?: number;
  /** Rows (from the first) whose label is known; the others get -1. Default 100. */
  labelled?: number;
  seed?: number;
}

export interface GaussianMixture {
  x: Matrix;
  /** The true class (0 or 1) of every row. */
  classes: Int32Array;
  /** classes[i] for i < labelled, -1 after (the semi-supervised setting). */
  labels: Int32Array;
  /** The options actually used (defaults filled). */
  options: Required<GaussianMixtureOptions>;
}

export const GAUSSIAN_MIXTURE_DEFAULTS: Required<GaussianMixtureOptions> = {
  n: 1506,
  d: 512,
  latentDim: 4,
  separation: 4.5,
  spread: 1,
  noise: 0.03,
  labelled: 100,
  seed: 20240611,
};

export function gaussianMixture(options: GaussianMixtureOptions = {}): GaussianMixture {
  const o = { ...GAUSSIAN_MIXTURE_DEFAULTS, ...options };
  const { n, d, latentDim: k } = o;
  if (!(Number.isInteger(n) && n > 0 && Number.isInteger(d) && d > 0)) throw new Error(`gaussianMixture: n and d must be positive integers, got ${n} × ${d}`);
  if (!(Number.isInteger(k) && k >= 2 && k <= d)) throw new Error(`gaussianMixture: latentDim must be an integer in [2, d], got ${k}`);
  const rng = createRng(o.seed);
  const basisRng = rng.fork('basis');
  const rowRng = rng.fork('rows');

  const mu0 = new Float64Array(d);
  for (let f = 0; f < d; f++) mu0[f] = basisRng.next();
  // Orthonormal basis of a random k-dimensional subspace (modified Gram-Schmidt).
  const basis = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    const v = basis.subarray(j * d, (j + 1) * d);
    for (let f = 0; f < d; f++) v[f] = basisRng.normal();
    for (let p = 0; p < j; p++) {
      const u = basis.subarray(p * d, (p + 1) * d);
      let dot = 0;
      for (let f = 0; f < d; f++) dot += (v[f] as number) * (u[f] as number);
      for (let f = 0; f < d; f++) v[f] = (v[f] as number) - dot * (u[f] as number);
    }
    let norm = 0;
    for (let f = 0; f < d; f++) norm += (v[f] as number) ** 2;
    norm = Math.sqrt(norm);
    for (let f = 0; f < d; f++) v[f] = (v[f] as number) / norm;
  }
  const scale = Array.from({ length: k }, (_, j) => o.spread * (1 - (0.5 * j) / k));
  const means = [0, 1].map((c) => Array.from({ length: k }, (_, j) => (c === 0 ? -0.5 : 0.5) * (j === 0 ? o.separation : j === 1 ? o.separation / 4 : 0)));

  const data = new Float32Array(n * d);
  const classes = new Int32Array(n);
  const labels = new Int32Array(n);
  const coef = new Float64Array(k);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const c = rowRng.next() < 0.5 ? 0 : 1;
    classes[i] = c;
    labels[i] = i < o.labelled ? c : -1;
    const m = means[c] as number[];
    for (let j = 0; j < k; j++) coef[j] = (m[j] as number) + (scale[j] as number) * rowRng.normal();
    for (let f = 0; f < d; f++) row[f] = (mu0[f] as number) + o.noise * rowRng.normal();
    for (let j = 0; j < k; j++) {
      const a = coef[j] as number;
      const b = j * d;
      for (let f = 0; f < d; f++) row[f] = (row[f] as number) + a * (basis[b + f] as number);
    }
    data.set(row, i * d);
  }
  return { x: { rows: n, cols: d, data }, classes, labels, options: o };
}
