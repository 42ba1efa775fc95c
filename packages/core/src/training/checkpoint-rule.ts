// When is an epoch (or a self-training round) the new best? The notebook's rule, by default: PR-AUC
// or F-beta improves, and F-beta stays at least `keepFBeta` × the best F-beta seen so far — so a
// PR-AUC gain bought by collapsing recall at the threshold does not count. Or a single metric.

import type { BinaryEvaluation } from './binary-evaluation.js';

export type CheckpointRule =
  | { rule: 'notebook'; keepFBeta: number }
  | { rule: 'metric'; metric: 'fBeta' | 'prAuc' | 'rocAuc' | 'accuracy' | 'loss' | 'ece' | 'brier' };

export const DEFAULT_CHECKPOINT_RULE: CheckpointRule = { rule: 'notebook', keepFBeta: 0.9 };

export interface CheckpointScore {
  evaluation: BinaryEvaluation;
  /** Validation loss. */
  loss: number;
}

const LOWER_IS_BETTER = new Set(['loss', 'ece', 'brier']);

/** Tolerance: a gain smaller than this is noise from float summation, not an improvement. */
const EPS = 1e-12;

const value = (s: CheckpointScore, metric: string): number => {
  if (metric === 'loss') return s.loss;
  const v = s.evaluation[metric as keyof BinaryEvaluation];
  return typeof v === 'number' ? v : Number.NaN;
};

/** Whether `current` beats `best` (`best` null: the first epoch always does). */
export function improves(rule: CheckpointRule, current: CheckpointScore, best: CheckpointScore | null): boolean {
  if (best === null) return true;
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

export function describeRule(rule: CheckpointRule): string {
  return rule.rule === 'notebook'
    ? `PR-AUC or F-beta improves and F-beta ≥ ${rule.keepFBeta} × best F-beta`
    : `${rule.metric} ${LOWER_IS_BETTER.has(rule.metric) ? 'decreases' : 'increases'}`;
}
