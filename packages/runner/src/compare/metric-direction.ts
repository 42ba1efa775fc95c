// Which way is better for a metric, so that `compare` can mark the best run. Unknown or bookkeeping
// values (counts, thresholds, epochs, interval bounds) get no direction and no mark: guessing would
// mark a "best" that means nothing.

export type MetricDirection = 'higher' | 'lower' | 'none';

const NEUTRAL = /(_low|_high|Low|High)$|^(n|positives|negatives|tn|tp|threshold|decisionThreshold|temperature|epochs?|bestEpoch|finalRound|roundsRun|rounds|pseudoLabels|k|clusters|noise|components)$|^baseline_/;
/** Calibration and loss: lower is better (as are false positives and negatives). */
const LOWER = /ece|brier|nll|loss|^(fp|fn)$/i;
const HIGHER = /f\d|fbeta|precision|recall|accuracy|auc|^ari|^nmi|silhouette|specificity|sensitivity|kappa|mcc|^delta_|^beat$/i;

export function metricDirection(metric: string): MetricDirection {
  if (NEUTRAL.test(metric)) return 'none';
  if (LOWER.test(metric)) return 'lower';
  if (HIGHER.test(metric)) return 'higher';
  return 'none';
}
