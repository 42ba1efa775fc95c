// What the self-training stage writes about itself besides the model: the benchmark's true labels
// (read for reporting only), one metric line per round, and rounds and scores without their
// per-image arrays (those are in the PseudoLabels artifact).

import type { MetricRecord, PoolLabels, StageContext } from '@neuro-ssl/core';
import type { PseudoLabelBenchmark } from './benchmark.js';
import type { ConsistencyEpoch } from './algorithms/consistency-training.js';
import type { RoundRecord, Scored } from './ssl-loop.js';

/** Benchmark mode: the true labels of the pool (data.unlabelled.labelsFile), for reporting only. */
export function readTruth(ctx: StageContext, poolLabels: PoolLabels, pool: readonly { id: string }[]): Map<string, number> | null {
  if (poolLabels.source === null) return null;
  const truth = new Map(Object.entries(poolLabels.labels));
  const covered = pool.filter((p) => truth.has(p.id)).length;
  ctx.logger.info(
    `benchmark mode: true labels for ${covered} of ${pool.length} unlabelled images from ${poolLabels.source}${truth.size > covered ? ` (${truth.size - covered} row(s) name no image of the pool)` : ''}; ` +
      'used to report pseudo-label accuracy only, never for training',
  );
  return truth;
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);

export function describeBenchmark(b: PseudoLabelBenchmark, [neg, pos]: [string, string]): string {
  return `pseudo-label accuracy ${pct(b.accuracy)} (${b.correct}/${b.checked}), precision ${pos} ${pct(b.precision[1])}, ${neg} ${pct(b.precision[0])}; the model labels ${pct(b.poolAccuracy)} of the pool right at p ≥ 0.5`;
}

export function benchmarkFields(bench: PseudoLabelBenchmark | null, [neg, pos]: [string, string]): MetricRecord {
  return bench
    ? { pseudoAccuracy: bench.accuracy, [`pseudoPrecision_${neg}`]: bench.precision[0], [`pseudoPrecision_${pos}`]: bench.precision[1], poolAccuracy: bench.poolAccuracy }
    : {};
}

export function roundMetric(r: RoundRecord, bench: PseudoLabelBenchmark | null, names: [string, string]): MetricRecord {
  const [neg, pos] = names;
  const e = r.score.evaluation;
  return {
    phase: 'round',
    round: r.round,
    rule: r.rule.kind,
    ruleValue: r.rule.value,
    cutoff: r.cutoff,
    learningRate: r.learningRate,
    pool: r.poolProbabilities.length,
    [`passed_${neg}`]: r.passed[0],
    [`passed_${pos}`]: r.passed[1],
    selected: r.picks.length,
    [`selected_${neg}`]: r.kept[0],
    [`selected_${pos}`]: r.kept[1],
    trainSize: r.trainSize,
    epochs: r.epochs,
    bestEpoch: r.bestEpoch,
    nll: e.nll,
    brier: e.brier,
    fBeta: e.fBeta,
    precision: e.precision,
    recall: e.recall,
    rocAuc: e.rocAuc,
    prAuc: e.prAuc,
    ece: e.ece,
    eceRaw: r.score.rawEce,
    temperature: r.score.temperature,
    threshold: r.score.threshold,
    valLoss: r.score.loss,
    improved: r.improved,
    rolledBack: r.rolledBack,
    ...benchmarkFields(bench, names),
  };
}

/** A round without the per-image arrays (those are in the PseudoLabels artifact). */
export function roundSummary(r: RoundRecord): Record<string, unknown> {
  const { poolProbabilities: _p, picks: _k, score, ...rest } = r;
  return { ...rest, selected: r.picks.length, score: scoreSummary(score) };
}

export function scoreSummary(s: Scored): Record<string, unknown> {
  const { logits: _l, ...rest } = s;
  return rest;
}

export function numeric(record: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

/** One epoch of a one-go algorithm as a metrics.jsonl line: the epoch's scores plus mask rates, thresholds, pseudo-label accuracy. */
export function armEpochMetric(r: ConsistencyEpoch, [neg, pos]: [string, string], where: { split?: string; arm: string }): MetricRecord {
  const { thresholds, ...rest } = r;
  return { phase: 'epoch', ...where, ...rest, [`maskRate_${neg}`]: r.maskRateNegative, [`maskRate_${pos}`]: r.maskRatePositive, [`threshold_${neg}`]: thresholds[0], [`threshold_${pos}`]: thresholds[1] };
}
