// t-SNE with scikit-learn 1.2's semantics: `method: 'barnes_hut'` (the default, as sklearn; sparse P
// from the 3·perplexity nearest neighbours and a quadtree for the repulsive forces, see
// barnes-hut-tsne.ts) or `method: 'exact'` (`TSNE(n_components=2, method='exact')`), sharing the
// initialisation and the optimiser below. The exact method:
//  - conditional P by binary search on beta to the target perplexity (squared euclidean distances,
//    float32 like sklearn's _binary_search_perplexity, 100 steps, tolerance 1e-5), symmetrised
//    P = (P + Pᵀ) / Σ, floored at machine epsilon;
//  - init 'pca' (PCA of the input, scaled so that the first column's std is 1e-4) or 'random'
//    (N(0, 1e-4²) from the run's Rng), rounded to float32 as sklearn does;
//  - early exaggeration for the first 250 iterations with momentum 0.5, then momentum 0.8 (update
//    and gains restart between the two phases, as in sklearn's two _gradient_descent calls);
//  - delta-bar-delta gains (+0.2 / ×0.8, min 0.01); learning rate 'auto' = max(n / exaggeration / 4, 50);
//  - gradient 4 Σ_j (p_ij − q_ij) (1 + |y_i − y_j|²)⁻¹ (y_i − y_j) (Student-t, 1 degree of freedom);
//  - KL and gradient norm checked every 50 iterations; stop after 300 checked iterations without
//    progress (250 during exaggeration) or when the gradient norm falls under 1e-7.
// Replaces tsne-js 1.0.3 (unseeded Math.random, stops at iteration 167, unsquared distances, wrong
// exaggeration / learning rate, ~0.6 s per iteration).
//
// Cost (exact): O(n²) memory (P, condensed, Float64: 4 n² bytes) and O(n²) time per iteration, hence
// the `maxExactPoints` guard (Barnes-Hut ignores it).

import type { JsonSchema } from '@neuro-ssl/core';
import { matrix, type Matrix } from '../matrix.js';
import { barnesHutGradient, conditionalRow, sparseJointProbabilities } from './barnes-hut-tsne.js';
import { fitPca } from './pca.js';
import type { Reducer, ReducerContext, ReducerOutput } from './reducer.js';

export interface TsneParams {
  perplexity?: number;
  iterations?: number;
  learningRate?: 'auto' | number;
  earlyExaggeration?: number;
  init?: 'pca' | 'random';
  maxExactPoints?: number;
  method?: 'barnes_hut' | 'exact';
  angle?: number;
}

export interface TsneResolved {
  perplexity: number;
  iterations: number;
  learningRate: number;
  earlyExaggeration: number;
  init: 'pca' | 'random';
  maxExactPoints: number;
  method: 'barnes_hut' | 'exact';
  angle: number;
}

export interface TsneResult {
  /** n × 2, row-major. */
  embedding: Float64Array;
  params: TsneResolved;
  /** KL divergence at each check (every 50 iterations and the last), as sklearn computes it (exaggerated P during exaggeration). */
  klHistory: { iteration: number; kl: number; gradNorm: number }[];
  /** Final KL divergence (non-exaggerated P, unless the run stopped during exaggeration). */
  klDivergence: number;
  /** Number of iterations run (sklearn's n_iter_ + 1). */
  iterationsRun: number;
}

const N_COMPONENTS = 2;
const EXPLORATION_ITERATIONS = 250;
const CHECK_EVERY = 50;
const N_ITER_WITHOUT_PROGRESS = 300;
const MIN_GRAD_NORM = 1e-7;
const MIN_GAIN = 0.01;
const MACHINE_EPSILON = 2 ** -52;

const DEFAULTS: Omit<TsneResolved, 'learningRate'> & { learningRate: 'auto' | number } = {
  perplexity: 30,
  iterations: 1000,
  learningRate: 'auto',
  earlyExaggeration: 12,
  init: 'pca',
  maxExactPoints: 10_000,
  method: 'barnes_hut',
  angle: 0.5,
};

export const tsneSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    perplexity: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.perplexity, description: 'Effective number of neighbours; must be < n.' },
    iterations: { type: 'integer', minimum: EXPLORATION_ITERATIONS, default: DEFAULTS.iterations, description: 'Total gradient-descent iterations (the first 250 with early exaggeration).' },
    learningRate: {
      oneOf: [{ const: 'auto' }, { type: 'number', exclusiveMinimum: 0 }],
      default: DEFAULTS.learningRate,
      description: "'auto' = max(n / earlyExaggeration / 4, 50), as scikit-learn.",
    },
    earlyExaggeration: { type: 'number', minimum: 1, default: DEFAULTS.earlyExaggeration },
    init: { enum: ['pca', 'random'], default: DEFAULTS.init },
    maxExactPoints: {
      type: 'integer',
      minimum: 2,
      default: DEFAULTS.maxExactPoints,
      description: "method 'exact' only: refuse inputs with more rows than this (exact t-SNE is O(n²) per iteration); use barnes_hut, umap or subsample instead.",
    },
    method: {
      enum: ['barnes_hut', 'exact'],
      default: DEFAULTS.method,
      description: "'barnes_hut' (scikit-learn's default: sparse kNN P, quadtree repulsion, O(n log n) per iteration) or 'exact' (O(n²)).",
    },
    angle: {
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: DEFAULTS.angle,
      description: "Barnes-Hut theta: a quadtree cell is summarised when its size / distance < angle (method 'barnes_hut' only).",
    },
  },
};

export function resolveTsneParams(n: number, params: TsneParams): TsneResolved {
  const p = { ...DEFAULTS, ...stripUndefined(params) };
  if (!(p.perplexity > 0)) throw new Error(`tsne: perplexity must be > 0, got ${p.perplexity}`);
  if (!Number.isInteger(p.iterations) || p.iterations < EXPLORATION_ITERATIONS) {
    throw new Error(`tsne: iterations must be an integer ≥ ${EXPLORATION_ITERATIONS}, got ${p.iterations}`);
  }
  if (!(p.earlyExaggeration >= 1)) throw new Error(`tsne: earlyExaggeration must be ≥ 1, got ${p.earlyExaggeration}`);
  if (p.init !== 'pca' && p.init !== 'random') throw new Error(`tsne: init must be 'pca' or 'random', got ${String(p.init)}`);
  if (p.method !== 'barnes_hut' && p.method !== 'exact') throw new Error(`tsne: method must be 'barnes_hut' or 'exact', got ${String(p.method)}`);
  if (!(p.angle >= 0)) throw new Error(`tsne: angle must be ≥ 0, got ${p.angle}`);
  let learningRate: number;
  if (p.learningRate === 'auto') learningRate = Math.max(n / p.earlyExaggeration / 4, 50);
  else if (typeof p.learningRate === 'number' && p.learningRate > 0) learningRate = p.learningRate;
  else throw new Error(`tsne: learningRate must be 'auto' or a number > 0, got ${String(p.learningRate)}`);
  return { ...p, learningRate };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Symmetric joint probabilities, condensed upper triangle (pair (i, j), i < j, at rowStart[i] + j − i − 1). */
export function jointProbabilities(x: Matrix, perplexity: number): Float64Array {
  const { rows: n, cols: d, data } = x;
  const pairs = (n * (n - 1)) / 2;
  const P = new Float64Array(pairs);
  const dist = new Float32Array(n);
  const cond = new Float64Array(n);
  const desiredEntropy = Math.log(perplexity);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = 0; j < n; j++) {
      if (j === i) {
        dist[j] = 0;
        continue;
      }
      const oj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = data[oi + t]! - data[oj + t]!;
        s += diff * diff;
      }
      dist[j] = s;
    }
    // sklearn _utils._binary_search_perplexity
    conditionalRow(dist, n, i, desiredEntropy, cond);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = cond[j]!;
      total += v;
      const a = i < j ? i : j;
      const b = i < j ? j : i;
      const idx = a * n - (a * (a + 1)) / 2 + (b - a - 1);
      P[idx] = P[idx]! + v;
    }
  }
  // Σ over the full symmetric matrix P + Pᵀ is 2 × total.
  const norm = Math.max(2 * total, MACHINE_EPSILON);
  for (let t = 0; t < pairs; t++) P[t] = Math.max(P[t]! / norm, MACHINE_EPSILON);
  return P;
}

function initialEmbedding(x: Matrix, init: 'pca' | 'random', ctx: ReducerContext): Float64Array {
  const n = x.rows;
  const y = new Float64Array(n * N_COMPONENTS);
  if (init === 'random') {
    for (let t = 0; t < y.length; t++) y[t] = Math.fround(1e-4 * ctx.rng.normal());
    return y;
  }
  if (x.cols < N_COMPONENTS) throw new Error(`tsne: init 'pca' needs at least ${N_COMPONENTS} input columns, got ${x.cols}; use init 'random'`);
  const { scores } = fitPca(x, { components: N_COMPONENTS });
  let mean = 0;
  for (let i = 0; i < n; i++) mean += scores[i * N_COMPONENTS]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (scores[i * N_COMPONENTS]! - mean) ** 2;
  const std = Math.sqrt(v / n);
  const scale = std > 0 ? 1e-4 / std : 1;
  for (let t = 0; t < y.length; t++) y[t] = Math.fround(Math.fround(scores[t]!) * scale);
  return y;
}

/** Run t-SNE (Barnes-Hut or exact, per params.method) on x (n × d) to 2-D. */
export async function runTsne(x: Matrix, params: TsneParams, ctx: ReducerContext): Promise<TsneResult> {
  const n = x.rows;
  const resolved = resolveTsneParams(n, params);
  const exact = resolved.method === 'exact';
  if (exact && n > resolved.maxExactPoints) {
    throw new Error(
      `tsne: exact t-SNE is O(n²) in time and memory and refuses n=${n} > maxExactPoints=${resolved.maxExactPoints}; ` +
        `use method 'barnes_hut', the 'umap' reducer, reduce n (subsample), or raise maxExactPoints knowing it will be slow`,
    );
  }
  if (n < 2) throw new Error(`tsne: needs at least 2 samples, got ${n}`);
  if (resolved.perplexity >= n) throw new Error(`tsne: perplexity (${resolved.perplexity}) must be less than n (${n})`);
  const { signal, logger } = ctx;
  signal?.throwIfAborted();
  const started = performance.now();

  const m = n * N_COMPONENTS;
  const grad = new Float64Array(m);
  /** Fills grad at y; returns the KL divergence when computeError (else NaN). */
  let objective: (y: Float64Array, exaggeration: number, computeError: boolean) => number;
  if (exact) {
    const P = jointProbabilities(x, resolved.perplexity);
    const acc = new Float64Array(2 * m);
    objective = (y, e, computeError) => {
      const z = exactGradient(P, y, n, e, acc, grad);
      return computeError ? klDivergence(P, y, n, e, z) : NaN;
    };
  } else {
    const P = sparseJointProbabilities(x, resolved.perplexity);
    objective = (y, e, computeError) => barnesHutGradient(P, y, e, resolved.angle, grad, computeError).kl;
  }
  signal?.throwIfAborted();
  const y = initialEmbedding(x, resolved.init, ctx);
  logger.info(
    `tsne: n=${n}, d=${x.cols}, method ${resolved.method}${exact ? '' : ` (angle ${resolved.angle})`}, perplexity ${resolved.perplexity}, learning rate ${resolved.learningRate.toFixed(2)}, init ${resolved.init}; P in ${((performance.now() - started) / 1000).toFixed(2)} s`,
  );

  const update = new Float64Array(m);
  const gains = new Float64Array(m);
  const klHistory: TsneResult['klHistory'] = [];
  let lastYield = performance.now();
  let error = Number.MAX_VALUE;
  let it = 0;
  let exaggeration = resolved.earlyExaggeration;

  const phase = async (start: number, end: number, momentum: number, withoutProgress: number): Promise<number> => {
    update.fill(0);
    gains.fill(1);
    let bestError = Number.MAX_VALUE;
    let bestIter = start;
    let i = start;
    for (i = start; i < end; i++) {
      if (signal?.aborted) signal.throwIfAborted();
      if (performance.now() - lastYield > 100) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        signal?.throwIfAborted();
        lastYield = performance.now();
      }
      const checkConvergence = (i + 1) % CHECK_EVERY === 0;
      const computeError = checkConvergence || i === end - 1;
      const kl = objective(y, exaggeration, computeError);
      if (computeError) error = kl;
      let gradNorm2 = 0;
      for (let t = 0; t < m; t++) {
        const g = grad[t]!;
        const u = update[t]!;
        let gain = gains[t]!;
        gain = u * g < 0 ? gain + 0.2 : gain * 0.8;
        if (gain < MIN_GAIN) gain = MIN_GAIN;
        gains[t] = gain;
        const gg = g * gain;
        gradNorm2 += gg * gg;
        const nu = momentum * u - resolved.learningRate * gg;
        update[t] = nu;
        y[t] = y[t]! + nu;
      }
      if (checkConvergence) {
        const gradNorm = Math.sqrt(gradNorm2);
        klHistory.push({ iteration: i + 1, kl: error, gradNorm });
        logger.info(`tsne: iteration ${i + 1}/${resolved.iterations}: KL ${error.toFixed(4)}, gradient norm ${gradNorm.toExponential(3)}`);
        if (error < bestError) {
          bestError = error;
          bestIter = i;
        } else if (i - bestIter > withoutProgress) {
          logger.info(`tsne: no progress in the last ${withoutProgress} iterations; stopping at ${i + 1}`);
          break;
        }
        if (gradNorm <= MIN_GRAD_NORM) {
          logger.info(`tsne: gradient norm ${gradNorm.toExponential(3)} ≤ ${MIN_GRAD_NORM}; stopping at ${i + 1}`);
          break;
        }
      }
    }
    return Math.min(i, end - 1);
  };

  it = await phase(0, EXPLORATION_ITERATIONS, 0.5, EXPLORATION_ITERATIONS);
  exaggeration = 1;
  const remaining = resolved.iterations - EXPLORATION_ITERATIONS;
  if (it < EXPLORATION_ITERATIONS - 1 || remaining > 0) {
    it = await phase(it + 1, resolved.iterations, 0.8, N_ITER_WITHOUT_PROGRESS);
  }
  logger.info(`tsne: done after ${it + 1} iterations, KL ${error.toFixed(4)}, ${((performance.now() - started) / 1000).toFixed(2)} s`);
  return { embedding: y, params: resolved, klHistory, klDivergence: error, iterationsRun: it + 1 };
}

/**
 * One pass over the pairs (each once): fills grad = 4 (e·Σ_j p w (yi − yj) − Σ_j w² (yi − yj) / Z)
 * and returns Z = Σ_{i≠j} w_ij, with w = (1 + |yi − yj|²)⁻¹. `acc` holds, per point, the attractive
 * and repulsive sums interleaved [a0, a1, r0, r1] so that the scattered updates of j share a cache line.
 */
export function exactGradient(P: Float64Array, y: Float64Array, n: number, exaggeration: number, acc: Float64Array, grad: Float64Array): number {
  acc.fill(0);
  let zHalf = 0;
  let idx = 0;
  for (let i = 0; i < n; i++) {
    const yi0 = y[2 * i]!;
    const yi1 = y[2 * i + 1]!;
    let a0 = 0;
    let a1 = 0;
    let r0 = 0;
    let r1 = 0;
    for (let j = i + 1; j < n; j++, idx++) {
      const dx = yi0 - y[2 * j]!;
      const dy = yi1 - y[2 * j + 1]!;
      const w = 1 / (1 + dx * dx + dy * dy);
      zHalf += w;
      const pw = P[idx]! * w;
      const ww = w * w;
      const pdx = pw * dx;
      const pdy = pw * dy;
      const wdx = ww * dx;
      const wdy = ww * dy;
      a0 += pdx;
      a1 += pdy;
      r0 += wdx;
      r1 += wdy;
      const j4 = 4 * j;
      acc[j4] = acc[j4]! - pdx;
      acc[j4 + 1] = acc[j4 + 1]! - pdy;
      acc[j4 + 2] = acc[j4 + 2]! - wdx;
      acc[j4 + 3] = acc[j4 + 3]! - wdy;
    }
    const i4 = 4 * i;
    acc[i4] = acc[i4]! + a0;
    acc[i4 + 1] = acc[i4 + 1]! + a1;
    acc[i4 + 2] = acc[i4 + 2]! + r0;
    acc[i4 + 3] = acc[i4 + 3]! + r1;
  }
  const z = 2 * zHalf;
  const rScale = 4 / z;
  const aScale = 4 * exaggeration;
  for (let i = 0; i < n; i++) {
    grad[2 * i] = aScale * acc[4 * i]! - rScale * acc[4 * i + 2]!;
    grad[2 * i + 1] = aScale * acc[4 * i + 1]! - rScale * acc[4 * i + 3]!;
  }
  return z;
}

/** sklearn's KL: 2 Σ_{i<j} p log(max(p, eps) / max(q, eps)), p exaggerated, q = w / Z. */
function klDivergence(P: Float64Array, y: Float64Array, n: number, exaggeration: number, z: number): number {
  let kl = 0;
  let idx = 0;
  for (let i = 0; i < n; i++) {
    const yi0 = y[2 * i]!;
    const yi1 = y[2 * i + 1]!;
    for (let j = i + 1; j < n; j++, idx++) {
      const dx = yi0 - y[2 * j]!;
      const dy = yi1 - y[2 * j + 1]!;
      const q = Math.max(1 / (1 + dx * dx + dy * dy) / z, MACHINE_EPSILON);
      const p = P[idx]! * exaggeration;
      kl += p * Math.log(Math.max(p, MACHINE_EPSILON) / q);
    }
  }
  return 2 * kl;
}

export const tsneReducer: Reducer<TsneParams> = {
  name: 'tsne',
  description:
    "t-SNE to 2-D (scikit-learn 1.2 TSNE semantics: perplexity binary search, early exaggeration, momentum, gains, learning rate 'auto', PCA init); method 'barnes_hut' (default, quadtree, angle 0.5) or 'exact' (O(n²) per iteration, refused above maxExactPoints).",
  schema: tsneSchema,
  async reduce(x: Matrix, params: TsneParams, ctx: ReducerContext): Promise<ReducerOutput> {
    const result = await runTsne(x, params, ctx);
    return {
      embedding: matrix(x.rows, N_COMPONENTS, Float32Array.from(result.embedding)),
      params: { ...result.params, klDivergence: result.klDivergence, iterationsRun: result.iterationsRun },
    };
  },
};
