// When is an epoch (or a self-training round) the new best? The stages' default is a proper scoring
// rule (validation NLL or Brier, selection.ts). `prAucOrFBeta` is the reference notebook's rule (the
// YAML used to call it `notebook`): PR-AUC or F-beta improves, and F-beta stays at least `keepFBeta` ×
// the best F-beta seen so far — so a PR-AUC gain bought by collapsing recall at the threshold does not
// count. Or a single metric, or `last` (a fixed schedule: nothing is chosen).

import { METRIC_NAMES, type BinaryEvaluation } from './binary-evaluation.js';
import { describeScoreRule, isScoreRule, scoreImproves, type FixedScheduleRule, type ScoreRule } from './selection.js';

/** What a `{rule: metric}` checkpoint may watch: every reported validation metric, and the validation loss. */
export const CHECKPOINT_METRICS = [...METRIC_NAMES, 'loss'] as const;
export type CheckpointMetric = (typeof CHECKPOINT_METRICS)[number];

export type CheckpointRule = { rule: 'prAucOrFBeta'; keepFBeta: number } | { rule: 'metric'; metric: CheckpointMetric } | ScoreRule | FixedScheduleRule;

/** The notebook's rule (the schema's default is selection.ts's DEFAULT_SELECTION_RULE). */
export const DEFAULT_CHECKPOINT_RULE: CheckpointRule = { rule: 'prAucOrFBeta', keepFBeta: 0.9 };

export interface CheckpointScore {
  evaluation: BinaryEvaluation;
  /** Validation loss. */
  loss: number;
}

const LOWER_IS_BETTER = new Set(['loss', 'ece', 'brier', 'nll']);

/** Tolerance: a gain smaller than this is noise from float summation, not an improvement. */
const EPS = 1e-12;

const value = (s: CheckpointScore, metric: string): number => {
  if (metric === 'loss') return s.loss;
  const v = s.evaluation[metric as keyof BinaryEvaluation];
  return typeof v === 'number' ? v : Number.NaN;
};

/** Whether `current` beats `best` (`best` null: the first epoch always does). */
export function improves(rule: CheckpointRule, current: CheckpointScore, best: CheckpointScore | null): boolean {
  if (best === null || rule.rule === 'last') return true;
  if (isScoreRule(rule)) return scoreImproves(rule, current, best);
  if (rule.rule === 'metric') {
    const c = value(current, rule.metric);
    const b = value(best, rule.metric);
    if (Number.isNaN(c)) return false;
    if (Number.isNaN(b)) return true;
    return LOWER_IS_BETTER.has(rule.metric) ? c < b - EPS : c > b + EPS;
  }
  const c = current.evaluation;
  const b = best.evaluation;
  const prAucUp = c.prAuc !== null && (b.prAuc === null || c.prAuc > b.prAuc + EPS);
  const fBetaUp = c.fBeta > b.fBeta + EPS;
  return (prAucUp || fBetaUp) && c.fBeta >= rule.keepFBeta * b.fBeta - EPS;
}

/**
 * When a checkpoint rule counts a new score as the best, as a condition in words (for the log):
 * "PR-AUC or F-beta improves and F-beta ≥ 0.9 × best F-beta", "prAuc increases", "loss decreases".
 * A metric is named as the YAML names it.
 */
export function describeRule(rule: CheckpointRule): string {
  if (rule.rule === 'last') return 'the last one (a fixed schedule: nothing chosen on validation)';
  if (isScoreRule(rule)) return describeScoreRule(rule);
  return rule.rule === 'prAucOrFBeta'
    ? `PR-AUC or F-beta improves and F-beta ≥ ${rule.keepFBeta} × best F-beta`
    : `${rule.metric} ${LOWER_IS_BETTER.has(rule.metric) ? 'decreases' : 'increases'}`;
}
