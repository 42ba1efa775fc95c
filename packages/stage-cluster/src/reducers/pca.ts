// PCA reducer, with scikit-learn's semantics (variances with n − 1, `n_components` as an integer or
// as a fraction of variance, whitening, `svd_flip` signs).
//
// Not ml-pca: its SVD / covariance modes are correct but take ~4.5 s on 1506 × 512 (its NIPALS mode
// is wrong). Here: centre, form the smaller of the covariance XᵀX/(n−1) (d × d) or the Gram matrix
// XXᵀ (n × n) with contiguous Float64 dot products, eigendecompose it with our own tred2 + tql2
// (symmetric-eigen.ts), sort, project. ml-pca stays as the test oracle.
//
// That exact path costs O(n·d² + d³) and is slow for d in the thousands (PCA(50) of 1506 × 1280 took
// 25 s). As scikit-learn 1.2's svd_solver='auto', large problems asking for few components use a
// randomized truncated SVD of the centred data instead (randomized-svd.ts); see `resolvePcaSolver`.

import { createRng, type JsonSchema, type Rng } from '@neuro-ssl/core';
import { matrix, type Matrix } from '../matrix.js';
import { randomizedSvd } from './randomized-svd.js';
import type { Reducer, ReducerContext, ReducerOutput } from './reducer.js';
import { symmetricEigen } from './symmetric-eigen.js';

export interface PcaParams {
  /** Integer ≥ 1: number of components; number in (0, 1): smallest k whose cumulative explained variance ratio exceeds it. */
  components?: number;
  /** Divide each projected coordinate by the square root of its variance (unit variance, n − 1). */
  whiten?: boolean;
  /**
   * 'full': exact eigendecomposition of the covariance (or Gram) matrix; 'randomized': randomized
   * truncated SVD (integer components only); 'auto' (default): scikit-learn 1.2's rule, see
   * `resolvePcaSolver`.
   */
  solver?: PcaSolver;
}

export type PcaSolver = 'auto' | 'full' | 'randomized';

export interface PcaFitOptions extends PcaParams {
  /** Normal draws for the randomized solver's test matrix (default: a fixed seed, 0). */
  rng?: Rng;
}

export interface PcaFit {
  /** Number of components kept. */
  k: number;
  /** n × k projected (and, if whitened, scaled) coordinates, row-major. */
  scores: Float64Array;
  /** k × d principal axes, row-major (sklearn's `components_`), signs as sklearn's `svd_flip`. */
  components: Float64Array;
  /** Column means (d). */
  mean: Float64Array;
  /** Variance along each kept component (n − 1 denominator), length k. */
  explainedVariance: number[];
  /** explainedVariance / total variance, length k. */
  explainedVarianceRatio: number[];
  /** Sum of the per-feature variances (n − 1 denominator). */
  totalVariance: number;
  /** The solver actually used. */
  solver: 'full' | 'randomized';
}

const DEFAULT_COMPONENTS = 50;

export const pcaSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    components: {
      description:
        'Integer ≥ 1: number of components to keep; a number strictly between 0 and 1: keep the fewest components whose explained variance exceeds that fraction (as scikit-learn).',
      oneOf: [
        { type: 'integer', minimum: 1 },
        { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      ],
      default: DEFAULT_COMPONENTS,
    },
    whiten: {
      type: 'boolean',
      description: 'Scale each component to unit variance.',
      default: false,
    },
    solver: {
      type: 'string',
      enum: ['auto', 'full', 'randomized'],
      description:
        "'full': exact eigendecomposition; 'randomized': randomized truncated SVD (Halko et al., as scikit-learn; integer components only); 'auto': scikit-learn 1.2's svd_solver='auto' rule (randomized when max(n, d) > 500 and components is an integer < 0.8·min(n, d), else full).",
      default: 'auto',
    },
  },
};

/**
 * scikit-learn 1.2 `PCA._fit` with svd_solver='auto': full when max(n, d) ≤ 500; randomized when
 * components is an integer with 1 ≤ components < 0.8·min(n, d); full otherwise (fractions included).
 */
export function resolvePcaSolver(n: number, d: number, components: number, solver: PcaSolver = 'auto'): 'full' | 'randomized' {
  if (solver !== 'auto') return solver;
  if (Math.max(n, d) <= 500) return 'full';
  if (components >= 1 && components < 0.8 * Math.min(n, d)) return 'randomized';
  return 'full';
}

function validateComponents(components: number, maxK: number): void {
  const isFraction = components > 0 && components < 1;
  const isCount = Number.isInteger(components) && components >= 1;
  if (!isFraction && !isCount) {
    throw new Error(`pca: components must be an integer ≥ 1 or a fraction in (0, 1), got ${components}`);
  }
  if (isCount && components > maxK) {
    throw new Error(`pca: components=${components} must be ≤ min(n_samples, n_features) = ${maxK}`);
  }
}

/** Fit PCA on x and project x; all arithmetic in Float64. */
export function fitPca(x: Matrix, options: PcaFitOptions = {}): PcaFit {
  const { rows: n, cols: d, data } = x;
  const requested = options.components ?? DEFAULT_COMPONENTS;
  const whiten = options.whiten ?? false;
  if (n < 2) throw new Error(`pca: needs at least 2 samples, got ${n}`);
  if (d < 1) throw new Error('pca: needs at least 1 feature');
  const maxK = Math.min(n, d);
  validateComponents(requested, maxK);
  const solver = resolvePcaSolver(n, d, requested, options.solver ?? 'auto');
  if (solver === 'randomized' && requested < 1) {
    throw new Error(`pca: solver 'randomized' needs an integer number of components, got ${requested}`);
  }

  // Centre, and keep a column-major copy (feature j = xt[j*n .. j*n + n)) for contiguous dot products.
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let j = 0; j < d; j++) mean[j] = mean[j]! + data[off + j]!;
  }
  for (let j = 0; j < d; j++) mean[j] = mean[j]! / n;
  const xc = new Float64Array(n * d); // row-major, centred
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let j = 0; j < d; j++) xc[off + j] = data[off + j]! - mean[j]!;
  }

  const denom = n - 1;
  if (solver === 'randomized') {
    return finish(n, d, randomizedFit(xc, n, d, requested, options.rng ?? createRng(0)), mean, whiten, 'randomized');
  }
  let eigenvalues: Float64Array; // of the covariance, descending, length m
  let totalVariance = 0;
  // axes: m × d row-major unit vectors (principal axes); computed lazily for the Gram path.
  let axisOf: (c: number, out: Float64Array) => void;
  let m: number;

  if (d <= n) {
    // Covariance d × d from the column-major copy.
    const xt = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const off = i * d;
      for (let j = 0; j < d; j++) xt[j * n + i] = xc[off + j]!;
    }
    const cov = gramOfRows(xt, d, n);
    for (let t = 0; t < cov.length; t++) cov[t] = cov[t]! / denom;
    for (let j = 0; j < d; j++) totalVariance += cov[j * d + j]!;
    const eig = symmetricEigen(cov, d);
    eigenvalues = eig.values;
    m = d;
    axisOf = (c, out) => out.set(eig.vectors.subarray(c * d, c * d + d));
  } else {
    // Gram n × n: XXᵀ = U S² Uᵀ; axis c = Xᵀ u_c / s_c.
    const gram = gramOfRows(xc, n, d);
    for (let i = 0; i < n; i++) totalVariance += gram[i * n + i]!;
    totalVariance /= denom;
    const eig = symmetricEigen(gram, n);
    eigenvalues = new Float64Array(n);
    for (let c = 0; c < n; c++) eigenvalues[c] = eig.values[c]! / denom;
    m = n;
    axisOf = (c, out) => {
      out.fill(0);
      const s = Math.sqrt(Math.max(eig.values[c]!, 0));
      if (s === 0) return;
      for (let i = 0; i < n; i++) {
        const ui = eig.vectors[c * n + i]! / s;
        const off = i * d;
        for (let j = 0; j < d; j++) out[j] = out[j]! + ui * xc[off + j]!;
      }
    };
  }
  // Round-off can make the smallest eigenvalues slightly negative.
  for (let c = 0; c < m; c++) if (eigenvalues[c]! < 0) eigenvalues[c] = 0;

  const ratioAll: number[] = [];
  for (let c = 0; c < Math.min(m, maxK); c++) ratioAll.push(totalVariance > 0 ? eigenvalues[c]! / totalVariance : 0);

  let k: number;
  if (requested < 1) {
    // sklearn: np.searchsorted(cumsum(ratio), fraction, side='right') + 1
    let cum = 0;
    k = ratioAll.length;
    for (let c = 0; c < ratioAll.length; c++) {
      cum += ratioAll[c]!;
      if (cum > requested) {
        k = c + 1;
        break;
      }
    }
  } else {
    k = requested;
  }

  const components = new Float64Array(k * d);
  const axis = new Float64Array(d);
  const scores = new Float64Array(n * k);
  for (let c = 0; c < k; c++) {
    axisOf(c, axis);
    components.set(axis, c * d);
  }
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let c = 0; c < k; c++) {
      const co = c * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += xc[off + j]! * components[co + j]!;
      scores[i * k + c] = s;
    }
  }
  return finish(
    n,
    d,
    { k, scores, components, explainedVariance: Array.from(eigenvalues.subarray(0, k)), explainedVarianceRatio: ratioAll.slice(0, k), totalVariance },
    mean,
    whiten,
    'full',
  );
}

interface RawFit {
  k: number;
  /** n × k, row-major, signs as they come. */
  scores: Float64Array;
  /** k × d, row-major, signs as they come. */
  components: Float64Array;
  explainedVariance: number[];
  explainedVarianceRatio: number[];
  totalVariance: number;
}

/**
 * Randomized solver (sklearn `_fit_truncated`): X_c ≈ U S Vᵀ; components Vᵀ, coordinates U S (as
 * sklearn's fit_transform), explained variance S² / (n − 1), ratio over the exact total variance.
 */
function randomizedFit(xc: Float64Array, n: number, d: number, k: number, rng: Rng): RawFit {
  let sumSq = 0;
  for (let t = 0; t < xc.length; t++) sumSq += xc[t]! * xc[t]!;
  const totalVariance = sumSq / (n - 1);
  const svd = randomizedSvd(xc, n, d, { k, rng });
  const scores = svd.u;
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) scores[i * k + c] = scores[i * k + c]! * svd.s[c]!;
  const explainedVariance = Array.from(svd.s, (s) => (s * s) / (n - 1));
  return {
    k,
    scores,
    components: svd.vt,
    explainedVariance,
    explainedVarianceRatio: explainedVariance.map((v) => (totalVariance > 0 ? v / totalVariance : 0)),
    totalVariance,
  };
}

/** Signs (svd_flip), whitening, packaging — shared by both solvers. */
function finish(n: number, d: number, fit: RawFit, mean: Float64Array, whiten: boolean, solver: 'full' | 'randomized'): PcaFit {
  const { k, scores, components, explainedVariance } = fit;
  // sklearn 1.2 svd_flip(U, Vt) (u_based_decision=True): the largest-|.| entry of each column of U —
  // i.e. of each projected coordinate column — is made positive (first occurrence on ties).
  for (let c = 0; c < k; c++) {
    let best = -1;
    let bestIdx = 0;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(scores[i * k + c]!);
      if (a > best) {
        best = a;
        bestIdx = i;
      }
    }
    if (scores[bestIdx * k + c]! < 0) {
      for (let i = 0; i < n; i++) scores[i * k + c] = -scores[i * k + c]!;
      for (let j = 0; j < d; j++) components[c * d + j] = -components[c * d + j]!;
    }
  }
  if (whiten) {
    for (let c = 0; c < k; c++) {
      const sd = Math.sqrt(explainedVariance[c]!);
      const inv = sd > 0 ? 1 / sd : 0;
      for (let i = 0; i < n; i++) scores[i * k + c] = scores[i * k + c]! * inv;
    }
  }
  return {
    k,
    scores,
    components,
    mean,
    explainedVariance,
    explainedVarianceRatio: fit.explainedVarianceRatio,
    totalVariance: fit.totalVariance,
    solver,
  };
}

/**
 * G = A Aᵀ for A with `r` rows of length `len` (row-major): r × r, symmetric. Each pair is computed
 * once, in 2 × 2 register blocks (four Float64 dot products share four loads per step).
 */
function gramOfRows(a: Float64Array, r: number, len: number): Float64Array {
  const g = new Float64Array(r * r);
  const dot = (p: number, q: number): number => {
    const op = p * len;
    const oq = q * len;
    let s = 0;
    for (let t = 0; t < len; t++) s += a[op + t]! * a[oq + t]!;
    return s;
  };
  const r2 = r - (r % 2);
  for (let p = 0; p < r2; p += 2) {
    const op = p * len;
    const op1 = op + len;
    for (let q = p; q < r2; q += 2) {
      const oq = q * len;
      const oq1 = oq + len;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      for (let t = 0; t < len; t++) {
        const ap = a[op + t]!;
        const ap1 = a[op1 + t]!;
        const aq = a[oq + t]!;
        const aq1 = a[oq1 + t]!;
        s00 += ap * aq;
        s01 += ap * aq1;
        s10 += ap1 * aq;
        s11 += ap1 * aq1;
      }
      g[p * r + q] = s00;
      g[q * r + p] = s00;
      g[p * r + q + 1] = s01;
      g[(q + 1) * r + p] = s01;
      g[(p + 1) * r + q] = s10;
      g[q * r + p + 1] = s10;
      g[(p + 1) * r + q + 1] = s11;
      g[(q + 1) * r + p + 1] = s11;
    }
  }
  if (r2 < r) {
    const p = r - 1;
    for (let q = 0; q <= p; q++) {
      const s = dot(p, q);
      g[p * r + q] = s;
      g[q * r + p] = s;
    }
  }
  return g;
}

export const pcaReducer: Reducer<PcaParams> = {
  name: 'pca',
  description:
    'Principal component analysis (scikit-learn semantics: n − 1 variances, components as a count or a variance fraction, optional whitening, svd_flip signs); exact eigendecomposition of the covariance (or Gram) matrix, or a randomized truncated SVD for large inputs (solver auto, as scikit-learn).',
  schema: pcaSchema,
  async reduce(x: Matrix, params: PcaParams, ctx: ReducerContext): Promise<ReducerOutput> {
    ctx.signal?.throwIfAborted();
    const started = performance.now();
    const fit = fitPca(x, { ...params, rng: ctx.rng });
    const kept = fit.explainedVarianceRatio.reduce((a, b) => a + b, 0);
    ctx.logger.info(
      `pca (${fit.solver}): ${x.rows}×${x.cols} → ${fit.k} components, ${(100 * kept).toFixed(1)}% of variance, ${((performance.now() - started) / 1000).toFixed(2)} s`,
    );
    return {
      embedding: matrix(x.rows, fit.k, Float32Array.from(fit.scores)),
      params: {
        components: params.components ?? DEFAULT_COMPONENTS,
        resolvedComponents: fit.k,
        whiten: params.whiten ?? false,
        solver: params.solver ?? 'auto',
        resolvedSolver: fit.solver,
      },
      explainedVarianceRatio: fit.explainedVarianceRatio,
    };
  },
};
