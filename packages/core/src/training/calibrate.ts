// After training: temperature scaling fitted on the validation logits (Guo et al. 2017) and the
// decision threshold — 0.5, or the one that maximises F-beta on the calibrated validation
// probabilities. Both go into the Model, so prediction uses exactly what was reported.
//
// Both are fitted on the same validation images they are then reported on: the "after" numbers are
// optimistic by construction, which the report says; cross-validation gives the honest spread.

import { fitTemperature } from '../metrics/temperature.js';
import { bestThreshold } from '../metrics/threshold.js';
import { evaluateBinary, probabilities, type BinaryEvaluation } from './binary-evaluation.js';

export type ThresholdRule = { rule: 'fixed'; value: number } | { rule: 'fbeta' };

export interface Calibration {
  temperature: number;
  threshold: number;
  /** At threshold 0.5 without temperature: what the network says on its own. */
  raw: BinaryEvaluation;
  /** With the fitted temperature and the chosen threshold. */
  calibrated: BinaryEvaluation;
}

export function calibrate(labels: ArrayLike<number>, logits: ArrayLike<number>, options: { threshold: ThresholdRule; beta: number; eceBins: number; temperature: boolean }): Calibration {
  const raw = evaluateBinary(labels, logits, { threshold: 0.5, beta: options.beta, eceBins: options.eceBins });
  const both = raw.positives > 0 && raw.positives < raw.n;
  const temperature = options.temperature && both ? fitTemperature(labels, logits) : 1;
  const threshold =
    options.threshold.rule === 'fixed' ? options.threshold.value : bestThreshold(labels, probabilities(logits, temperature), options.beta).threshold;
  const calibrated = evaluateBinary(labels, logits, { threshold, beta: options.beta, eceBins: options.eceBins, temperature });
  return { temperature, threshold, raw, calibrated };
}
