// Everything reported about a set of validation logits: the threshold metrics (F-beta, precision,
// recall, accuracy, confusion matrix), the ranking metrics (ROC-AUC, PR-AUC as sklearn's average
// precision) and calibration (ECE, Brier, log-loss), computed on temperature-scaled probabilities.
// Brier and log-loss (NLL) are proper scoring rules: they keep moving when ranking and threshold
// metrics saturate on a small validation set, so they are what selection watches (selection.ts).

import { expectedCalibrationError, brierScore } from '../metrics/calibration.js';
import { confusionMatrix, predictAt } from '../metrics/confusion.js';
import { accuracyFromConfusion, fBetaFromConfusion, precisionFromConfusion, recallFromConfusion } from '../metrics/f-beta.js';
import { rocAuc } from '../metrics/roc-auc.js';
import { averagePrecision } from '../metrics/average-precision.js';
import { applyTemperature } from '../metrics/temperature.js';

export interface EvaluationOptions {
  /** Probability at or above which an image is called positive. */
  threshold: number;
  /** F-beta's beta (2: recall weighs more — a missed tumour costs more than a false alarm). */
  beta: number;
  /** ECE bins. */
  eceBins: number;
  /** Logits are divided by it before the sigmoid (1 = uncalibrated). */
  temperature?: number;
}

export interface BinaryEvaluation {
  n: number;
  positives: number;
  fBeta: number;
  precision: number;
  recall: number;
  accuracy: number;
  /** null when validation holds one class only. */
  rocAuc: number | null;
  prAuc: number | null;
  ece: number;
  brier: number;
  /** Mean log-loss (negative log-likelihood) of the labels under the probabilities, in nats. */
  nll: number;
  tn: number;
  fp: number;
  fn: number;
  tp: number;
}

export const METRIC_NAMES = ['fBeta', 'precision', 'recall', 'accuracy', 'rocAuc', 'prAuc', 'ece', 'brier', 'nll'] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

export function evaluateBinary(yTrue: ArrayLike<number>, logits: ArrayLike<number>, options: EvaluationOptions): BinaryEvaluation {
  const probs = applyTemperature(logits, options.temperature ?? 1);
  const cm = confusionMatrix(yTrue, predictAt(probs, options.threshold));
  let positives = 0;
  for (let i = 0; i < yTrue.length; i++) positives += yTrue[i] === 1 ? 1 : 0;
  const bothClasses = positives > 0 && positives < yTrue.length;
  return {
    n: yTrue.length,
    positives,
    fBeta: fBetaFromConfusion(cm, options.beta),
    precision: precisionFromConfusion(cm),
    recall: recallFromConfusion(cm),
    accuracy: accuracyFromConfusion(cm),
    rocAuc: bothClasses ? rocAuc(yTrue, probs) : null,
    prAuc: positives > 0 ? averagePrecision(yTrue, probs) : null,
    ece: expectedCalibrationError(yTrue, probs, options.eceBins),
    brier: brierScore(yTrue, probs),
    nll: logLoss(yTrue, logits, options.temperature ?? 1),
    tn: cm.tn,
    fp: cm.fp,
    fn: cm.fn,
    tp: cm.tp,
  };
}

/** Mean −log p(y) from the logits (softplus form: finite however confident the model is). */
function logLoss(yTrue: ArrayLike<number>, logits: ArrayLike<number>, temperature: number): number {
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const x = (logits[i] as number) / temperature;
    sum += Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) - (yTrue[i] as number) * x;
  }
  return sum / yTrue.length;
}
