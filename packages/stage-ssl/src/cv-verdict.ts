// Did self-training beat the supervised baseline — on images that chose nothing? Both arms' pooled
// out-of-fold predictions of every labelled image are compared metric by metric, each difference
// with a 95% paired bootstrap interval that resamples repeats, folds and images (core's
// pairedOutOfFoldDeltas). The verdict follows the selection score (NLL by default): a gain only when
// its whole interval says so, a loss likewise, otherwise "cannot be told from noise".

import type { Rng } from '@neuro-ssl/core';
import { pairedOutOfFoldDeltas, type CheckpointRule, type OutOfFoldRow } from '@neuro-ssl/core/learn';
import { LOWER_IS_BETTER, VERDICT_METRICS, metricName, signed, type Delta, type VerdictMetric } from './verdict.js';

/** The order the sentence reads the differences in. */
export const CV_VERDICT_METRICS = ['rocAuc', 'prAuc', 'fBeta', 'nll', 'brier', 'ece'] as const satisfies readonly VerdictMetric[];

export interface CvVerdict {
  evaluation: 'cv';
  /** The interval of the deciding metric lies on the side of a gain. */
  beat: boolean;
  /** ... on the side of a loss. */
  worse: boolean;
  /** The metric that decides: the selection score. */
  decidedBy: VerdictMetric;
  /** Rounds the final model trains (the folds' median); for the report's "Round" column. */
  round: number;
  kept: boolean;
  deltas: Record<VerdictMetric, Delta>;
  /** Distinct labelled images scored out of fold. */
  validationImages: number;
  folds: number;
  repeats: number;
  resamples: number;
  /** Folds whose self-training kept at least one round. */
  foldsWithKeptRound: number;
  sentence: string;
}

/** The verdict's metric for a selection rule: its proper score, or the metric it watches. */
export function decidingMetric(rule: CheckpointRule): VerdictMetric {
  if (rule.rule === 'nll' || rule.rule === 'brier') return rule.rule;
  if (rule.rule === 'metric' && (VERDICT_METRICS as readonly string[]).includes(rule.metric)) return rule.metric as VerdictMetric;
  if (rule.rule === 'prAucOrFBeta') return 'prAuc';
  return 'nll';
}

export interface CvVerdictInput {
  baseline: readonly OutOfFoldRow[];
  ssl: readonly OutOfFoldRow[];
  rule: CheckpointRule;
  beta: number;
  eceBins: number;
  resamples: number;
  rng: Rng;
  folds: number;
  repeats: number;
  foldsWithKeptRound: number;
  finalRounds: number;
}

export function cvVerdict(input: CvVerdictInput): CvVerdict {
  const { beta } = input;
  const paired = pairedOutOfFoldDeltas(input.baseline, input.ssl, { beta, eceBins: input.eceBins, resamples: input.resamples, rng: input.rng });
  const deltas = Object.fromEntries(
    VERDICT_METRICS.map((m) => {
      const d = paired[m];
      return [m, { baseline: d.a, ssl: d.b, delta: d.delta, low: d.low, high: d.high }];
    }),
  ) as Record<VerdictMetric, Delta>;
  const decidedBy = decidingMetric(input.rule);
  const d = deltas[decidedBy];
  const lower = LOWER_IS_BETTER.has(decidedBy);
  const gain = d.low !== null && d.high !== null && (lower ? d.high < 0 : d.low > 0);
  const loss = d.low !== null && d.high !== null && (lower ? d.low > 0 : d.high < 0);
  const images = new Set(input.baseline.map((r) => r.id)).size;
  const part = (m: VerdictMetric): string => {
    const x = deltas[m];
    return `Δ${metricName(m, beta)} ${signed(x.delta)}${x.low === null ? '' : ` [${signed(x.low)}, ${signed(x.high)}]`}`;
  };
  const others = CV_VERDICT_METRICS.filter((m) => m !== decidedBy).map(part).join(', ');
  const over = `95% paired bootstrap over ${input.repeats > 1 ? 'repeats, ' : ''}folds and images`;
  const where = `${images} out-of-fold images (${input.repeats}×${input.folds} folds)`;
  const rule = `${metricName(decidedBy, beta)}, ${lower ? 'lower' : 'higher'} is better`;
  const identical = input.foldsWithKeptRound === 0;
  let sentence: string;
  if (identical) {
    sentence = `SSL did not beat the supervised baseline: no fold kept a self-training round on its inner validation, so both arms are the same model and every Δ is 0 on the ${where}.`;
  } else if (gain) {
    sentence = `SSL beat the supervised baseline on ${where}: ${part(decidedBy)} (${rule}) excludes 0; ${others} (${over}).`;
  } else if (loss) {
    sentence = `SSL did not beat the supervised baseline — it made it worse on ${where}: ${part(decidedBy)} (${rule}) excludes 0 on the wrong side; ${others} (${over}).`;
  } else {
    sentence = `SSL did not beat the supervised baseline on ${where}: ${part(decidedBy)} (${rule}) includes 0, so a difference cannot be told from noise; ${others} (${over}).`;
  }
  const kept = input.finalRounds > 0;
  return {
    evaluation: 'cv',
    beat: gain && !identical,
    worse: loss && !identical,
    decidedBy,
    round: input.finalRounds,
    kept,
    deltas,
    validationImages: images,
    folds: input.folds,
    repeats: input.repeats,
    resamples: input.resamples,
    foldsWithKeptRound: input.foldsWithKeptRound,
    sentence,
  };
}
