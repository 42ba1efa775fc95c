// 95% intervals for pooled out-of-fold estimates, and for paired differences between two models
// scored on the same out-of-fold images. The uncertainty has two sources: which images happen to be
// labelled (the test sample) and which models the folds happened to train (a fold's model can be
// luckier than another's). So a resample draws repeats with replacement, then in each drawn repeat its
// folds with replacement, then in each drawn fold its images with replacement; the statistic is the
// mean over the drawn repeats of the metric on that repeat's pooled rows. A paired difference applies
// the same draw to both models' rows, so what the two share (hard images, lucky folds) cancels out.

import { quantileSorted } from '../metrics/bootstrap.js';
import type { Rng } from '../util/rng.js';
import { METRIC_NAMES, type BinaryEvaluation, type MetricName } from './binary-evaluation.js';
import { evaluateOutOfFold, type OutOfFoldRow, type PooledEvaluationOptions } from './out-of-fold.js';

export interface MetricInterval {
  /** The estimate on all rows (mean over repeats). */
  value: number | null;
  low: number | null;
  high: number | null;
}

export type MetricIntervals = Record<MetricName, MetricInterval>;

export interface FoldBootstrapOptions extends PooledEvaluationOptions {
  resamples: number;
  rng: Rng;
  /** Two-sided coverage (default 0.95). */
  confidence?: number;
}

/** Row indices per repeat, per fold: the structure a resample follows. */
export function foldStructure(rows: readonly OutOfFoldRow[]): number[][][] {
  const repeats = new Map<number, Map<number, number[]>>();
  rows.forEach((r, i) => {
    const folds = repeats.get(r.repeat) ?? new Map<number, number[]>();
    repeats.set(r.repeat, folds);
    const members = folds.get(r.fold) ?? [];
    folds.set(r.fold, members);
    members.push(i);
  });
  return [...repeats.entries()].sort((a, b) => a[0] - b[0]).map(([, folds]) => [...folds.entries()].sort((a, b) => a[0] - b[0]).map(([, m]) => m));
}

/** One resample: for each drawn repeat, the drawn rows (repeats → folds → images, each with replacement). */
export function foldResample(structure: readonly (readonly (readonly number[])[])[], rng: Rng): number[][] {
  const draws: number[][] = [];
  for (let r = 0; r < structure.length; r++) {
    const folds = structure[rng.int(structure.length)]!;
    const rows: number[] = [];
    for (let f = 0; f < folds.length; f++) {
      const members = folds[rng.int(folds.length)]!;
      for (let i = 0; i < members.length; i++) rows.push(members[rng.int(members.length)]!);
    }
    draws.push(rows);
  }
  return draws;
}

type Values = Record<MetricName, number | null>;

const valuesOf = (e: BinaryEvaluation): Values => Object.fromEntries(METRIC_NAMES.map((m) => [m, e[m]])) as Values;

/** Mean over draws per metric; null when a draw leaves a metric undefined (one class only). */
function meanOver(draws: readonly Values[]): Values {
  return Object.fromEntries(
    METRIC_NAMES.map((m) => {
      let sum = 0;
      for (const d of draws) {
        const v = d[m];
        if (v === null || Number.isNaN(v)) return [m, null];
        sum += v;
      }
      return [m, sum / draws.length];
    }),
  ) as Values;
}

/** The estimate: the mean over repeats of the metric on each repeat's pooled rows. */
export function pooledEstimate(rows: readonly OutOfFoldRow[], options: PooledEvaluationOptions): Values {
  return meanOver(foldStructure(rows).map((folds) => valuesOf(evaluateOutOfFold(rows, options, folds.flat()))));
}

function percentile(stats: number[], confidence: number): { low: number | null; high: number | null } {
  if (stats.length === 0) return { low: null, high: null };
  stats.sort((a, b) => a - b);
  const alpha = (1 - confidence) / 2;
  return { low: quantileSorted(stats, alpha), high: quantileSorted(stats, 1 - alpha) };
}

/** Every metric of pooled out-of-fold rows with its 95% fold-aware bootstrap interval. */
export function outOfFoldIntervals(rows: readonly OutOfFoldRow[], options: FoldBootstrapOptions): MetricIntervals {
  const structure = foldStructure(rows);
  const estimate = pooledEstimate(rows, options);
  const stats = Object.fromEntries(METRIC_NAMES.map((m) => [m, [] as number[]])) as Record<MetricName, number[]>;
  for (let b = 0; b < options.resamples; b++) {
    const draw = meanOver(foldResample(structure, options.rng).map((idx) => valuesOf(evaluateOutOfFold(rows, options, idx))));
    for (const m of METRIC_NAMES) if (draw[m] !== null) stats[m].push(draw[m]!);
  }
  return Object.fromEntries(METRIC_NAMES.map((m) => [m, { value: estimate[m], ...percentile(stats[m], options.confidence ?? 0.95) }])) as MetricIntervals;
}

export interface PairedDelta {
  /** The first model (the baseline) and the second, on all rows. */
  a: number | null;
  b: number | null;
  /** b − a on all rows, and its interval. */
  delta: number | null;
  low: number | null;
  high: number | null;
}

/**
 * b − a for every metric, with a 95% paired fold-aware bootstrap interval. Row i of `a` and of `b` must
 * be the same image in the same repeat and fold.
 */
export function pairedOutOfFoldDeltas(a: readonly OutOfFoldRow[], b: readonly OutOfFoldRow[], options: FoldBootstrapOptions): Record<MetricName, PairedDelta> {
  if (a.length !== b.length || a.some((r, i) => r.id !== b[i]!.id || r.repeat !== b[i]!.repeat || r.fold !== b[i]!.fold || r.label !== b[i]!.label)) {
    throw new Error('pairedOutOfFoldDeltas: the two sets of rows must hold the same images in the same repeats and folds, in the same order');
  }
  const structure = foldStructure(a);
  const ea = pooledEstimate(a, options);
  const eb = pooledEstimate(b, options);
  const stats = Object.fromEntries(METRIC_NAMES.map((m) => [m, [] as number[]])) as Record<MetricName, number[]>;
  for (let r = 0; r < options.resamples; r++) {
    const draws = foldResample(structure, options.rng);
    const va = meanOver(draws.map((idx) => valuesOf(evaluateOutOfFold(a, options, idx))));
    const vb = meanOver(draws.map((idx) => valuesOf(evaluateOutOfFold(b, options, idx))));
    for (const m of METRIC_NAMES) if (va[m] !== null && vb[m] !== null) stats[m].push(vb[m]! - va[m]!);
  }
  return Object.fromEntries(
    METRIC_NAMES.map((m) => {
      const delta = ea[m] === null || eb[m] === null ? null : eb[m]! - ea[m]!;
      return [m, { a: ea[m], b: eb[m], delta, ...percentile(stats[m], options.confidence ?? 0.95) }];
    }),
  ) as Record<MetricName, PairedDelta>;
}
