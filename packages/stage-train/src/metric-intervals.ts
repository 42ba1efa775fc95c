// Error bars. On one split: a percentile bootstrap over the validation images (a 20-image validation
// set swings F2 by ±0.1, and the interval shows it). Over cross-validation folds, for `selection:
// notebook` only: the mean of each metric and a bootstrap of that mean over folds (too narrow: the
// folds share images; nested and fixed selection use core's pooled out-of-fold intervals instead).

import type { Rng } from '@neuro-ssl/core';
import { METRIC_NAMES, evaluateBinary, metrics, type BinaryEvaluation, type EvaluationOptions, type MetricName } from '@neuro-ssl/core/learn';

export interface MetricInterval {
  /** On all images / the mean over folds. */
  value: number | null;
  low: number | null;
  high: number | null;
}

export type MetricIntervals = Record<MetricName, MetricInterval>;

const interval = (value: number | null, stats: number[], confidence: number): MetricInterval => {
  if (stats.length === 0) return { value, low: null, high: null };
  stats.sort((a, b) => a - b);
  const alpha = (1 - confidence) / 2;
  return { value, low: metrics.quantileSorted(stats, alpha), high: metrics.quantileSorted(stats, 1 - alpha) };
};

/** Resamples the validation images with replacement; every metric from the same resamples. */
export function validationIntervals(
  labels: ArrayLike<number>,
  logits: ArrayLike<number>,
  options: EvaluationOptions & { resamples: number; rng: Rng; confidence?: number },
): MetricIntervals {
  const full = evaluateBinary(labels, logits, options);
  const stats = Object.fromEntries(METRIC_NAMES.map((m) => [m, [] as number[]])) as Record<MetricName, number[]>;
  for (let r = 0; r < options.resamples; r++) {
    const idx = metrics.resampleIndices(labels.length, options.rng);
    const e = evaluateBinary(metrics.take(labels, idx), metrics.take(logits, idx), options);
    for (const m of METRIC_NAMES) {
      const v = e[m];
      if (v !== null && !Number.isNaN(v)) stats[m].push(v);
    }
  }
  return Object.fromEntries(METRIC_NAMES.map((m) => [m, interval(full[m], stats[m], options.confidence ?? 0.95)])) as MetricIntervals;
}

/** Mean over folds and a bootstrap interval of the mean (folds with an undefined metric are left out). */
export function foldIntervals(folds: readonly BinaryEvaluation[], options: { resamples: number; rng: Rng; confidence?: number }): MetricIntervals {
  return Object.fromEntries(
    METRIC_NAMES.map((m) => {
      const values = folds.map((f) => f[m]).filter((v): v is number => v !== null && !Number.isNaN(v));
      if (values.length === 0) return [m, { value: null, low: null, high: null }];
      const b = metrics.bootstrapInterval(values, { resamples: options.resamples, rng: options.rng.fork(m), confidence: options.confidence ?? 0.95 });
      return [m, { value: values.reduce((a, v) => a + v, 0) / values.length, low: b.low, high: b.high }];
    }),
  ) as MetricIntervals;
}

/** "0.812 [0.700, 0.905]" */
export function formatInterval(i: MetricInterval): string {
  const f = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
  return i.low === null ? f(i.value) : `${f(i.value)} [${f(i.low)}, ${f(i.high)}]`;
}
