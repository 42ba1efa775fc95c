// Choosing an epoch or a self-training round on a proper scoring rule. F-beta, PR-AUC and ROC-AUC
// saturate on a small validation set (20 images are often perfectly ranked), after which a rule on
// them can neither keep a good epoch nor reject a bad one; the validation log-loss (NLL) and the
// Brier score keep measuring how sure the model is of the right answer, so they rank epochs and rounds
// until the end. A ranking metric may break ties (changes within `tolerance`).
//
// Also the fixed schedule (`last`): every epoch counts as the new best, so training keeps its last
// epoch and nothing is chosen by looking at the images being scored.

import type { CheckpointRule, CheckpointScore } from './checkpoint-rule.js';

export const PROPER_SCORES = ['nll', 'brier'] as const;
export type ProperScore = (typeof PROPER_SCORES)[number];

export const TIE_BREAKERS = ['rocAuc', 'prAuc'] as const;
export type TieBreaker = (typeof TIE_BREAKERS)[number];

export interface ScoreRule {
  rule: ProperScore;
  /** Decides when the score moves by no more than `tolerance` (higher wins); null: such a change is no improvement. */
  tieBreak: TieBreaker | null;
  /** A change of the score within ± this is a tie. */
  tolerance: number;
}

/** The selection rule the stages use unless told otherwise. */
export const DEFAULT_SELECTION_RULE: ScoreRule = { rule: 'nll', tieBreak: null, tolerance: 0 };

/** Keeps the last epoch: a schedule fixed before looking. */
export const FIXED_SCHEDULE_RULE = { rule: 'last' } as const;
export type FixedScheduleRule = typeof FIXED_SCHEDULE_RULE;

/** Float summation noise, not an improvement. */
const EPS = 1e-12;

export function isScoreRule(rule: CheckpointRule): rule is ScoreRule {
  return (PROPER_SCORES as readonly string[]).includes(rule.rule);
}

/** Whether `current` beats `best` under a proper-score rule (lower score is better). */
export function scoreImproves(rule: ScoreRule, current: CheckpointScore, best: CheckpointScore | null): boolean {
  if (best === null) return true;
  const c = current.evaluation[rule.rule];
  const b = best.evaluation[rule.rule];
  if (!Number.isFinite(c)) return false;
  if (!Number.isFinite(b)) return true;
  const tolerance = Math.max(rule.tolerance, EPS);
  if (c < b - tolerance) return true;
  if (c > b + tolerance || rule.tieBreak === null) return false;
  const ct = current.evaluation[rule.tieBreak];
  const bt = best.evaluation[rule.tieBreak];
  return ct !== null && (bt === null || ct > bt + EPS);
}

const SCORE_NAMES: Record<ProperScore, string> = { nll: 'validation log-loss (NLL)', brier: 'validation Brier score' };
const TIE_NAMES: Record<TieBreaker, string> = { rocAuc: 'ROC-AUC', prAuc: 'PR-AUC' };

/** "validation log-loss (NLL) decreases (ties within 0.001: ROC-AUC increases)". */
export function describeScoreRule(rule: ScoreRule): string {
  const tie = rule.tieBreak === null ? '' : ` (ties within ${rule.tolerance}: ${TIE_NAMES[rule.tieBreak]} increases)`;
  const tolerance = rule.tieBreak === null && rule.tolerance > 0 ? ` by more than ${rule.tolerance}` : '';
  return `${SCORE_NAMES[rule.rule]} decreases${tolerance}${tie}`;
}
