// Percentile bootstrap confidence intervals, so that reported metrics carry their sampling
// uncertainty (a validation set of ~150 scans gives AUC intervals several points wide).
//
// Each resample draws n indices with replacement from the seeded project Rng, so an interval is
// reproducible from the run's seed. The interval is [q((1−c)/2), q((1+c)/2)] of the resampled
// statistics with linear interpolation between order statistics (numpy's default percentile).
// Resamples on which the metric is undefined (null/NaN, e.g. AUC on a single-class resample) are
// left out and counted in `skipped` rather than biasing the interval.

import type { Rng } from '../util/rng.js';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Two-sided coverage in (0, 1) (default 0.95). */
  confidence?: number;
  /** Seeded stream, e.g. createRng(seed).fork('bootstrap'). */
  rng: Rng;
}

export interface BootstrapInterval {
  /** The statistic on the full sample (all indices once). */
  estimate: number | null;
  /** Mean of the statistic over the valid resamples. */
  mean: number;
  low: number;
  high: number;
  /** Valid resamples used / resamples whose statistic was null or NaN. */
  resamples: number;
  skipped: number;
}

/** n indices drawn uniformly with replacement. */
export function resampleIndices(n: number, rng: Rng): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(n);
  return out;
}

/** Gather values at indices (helper for metric functions). */
export function take(values: ArrayLike<number>, indices: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: indices.length }, (_, i) => values[indices[i] as number] as number);
}

/** q-quantile of sorted values, linear interpolation between order statistics (numpy 'linear'). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  const frac = pos - lo;
  return (sorted[lo] as number) + frac * ((sorted[hi] as number) - (sorted[lo] as number));
}

/**
 * Bootstrap interval of any statistic of n paired samples: `metric(indices)` computes it on the
 * resample given by `indices` (use take() to gather yTrue/scores).
 */
export function bootstrapMetric(n: number, metric: (indices: Uint32Array) => number | null, options: BootstrapOptions): BootstrapInterval {
  const resamples = options.resamples ?? 1000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`n must be a positive integer, got ${n}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new RangeError(`resamples must be a positive integer, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new RangeError(`confidence must lie in (0, 1), got ${confidence}`);
  const identity = Uint32Array.from({ length: n }, (_, i) => i);
  const full = metric(identity);
  const stats: number[] = [];
  let skipped = 0;
  for (let r = 0; r < resamples; r++) {
    const v = metric(resampleIndices(n, options.rng));
    if (v === null || Number.isNaN(v)) skipped++;
    else stats.push(v);
  }
  if (stats.length === 0) throw new RangeError(`the metric was undefined on all ${resamples} resamples`);
  stats.sort((a, b) => a - b);
  let sum = 0;
  for (const v of stats) sum += v;
  const alpha = (1 - confidence) / 2;
  return {
    estimate: full === null || Number.isNaN(full) ? null : full,
    mean: sum / stats.length,
    low: quantileSorted(stats, alpha),
    high: quantileSorted(stats, 1 - alpha),
    resamples: stats.length,
    skipped,
  };
}

/** Bootstrap interval of the mean of per-sample values (e.g. per-scan correctness or loss). */
export function bootstrapInterval(values: ArrayLike<number>, options: BootstrapOptions): BootstrapInterval {
  return bootstrapMetric(
    values.length,
    (idx) => {
      let s = 0;
      for (let i = 0; i < idx.length; i++) s += values[idx[i] as number] as number;
      return s / idx.length;
    },
    options,
  );
}
