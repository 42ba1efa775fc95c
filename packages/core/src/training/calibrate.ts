// After training: temperature scaling fitted on the validation logits (Guo et al. 2017) and the
// decision threshold — 0.5, or the one that maximises F-beta on the calibrated validation
// probabilities. Both go into the Model, so prediction uses exactly what was reported.
//
// Both are fitted on the same validation images they are then reported on: the "after" numbers are
// optimistic by construction, which the report says; cross-validation gives the honest spread.

import { fitTemperature } from '../metrics/temperature.js';
import { bestThreshold } from '../metrics/threshold.js';
import { applyTemperature } from '../metrics/temperature.js';
import { evaluateBinary, type BinaryEvaluation } from './binary-evaluation.js';

export type ThresholdRule = { rule: 'fixed'; value: number } | { rule: 'fbeta' };

/**
 * fitted: T minimises the validation NLL. at-bound: the optimum ran to the search bound — perfectly
 * separated validation logits send T → 0 (any sharpening lowers the NLL), so T is not identifiable
 * and 1 is kept. disabled / single-class: not fitted.
 */
export type TemperatureStatus = 'fitted' | 'at-bound' | 'disabled' | 'single-class';

const MIN_T = 0.01;
const MAX_T = 100;

export interface Calibration {
  temperature: number;
  temperatureStatus: TemperatureStatus;
  threshold: number;
  /** At threshold 0.5 without temperature: what the network says on its own. */
  raw: BinaryEvaluation;
  /** With the fitted temperature and the chosen threshold. */
  calibrated: BinaryEvaluation;
}

export function calibrate(labels: ArrayLike<number>, logits: ArrayLike<number>, options: { threshold: ThresholdRule; beta: number; eceBins: number; temperature: boolean }): Calibration {
  const raw = evaluateBinary(labels, logits, { threshold: 0.5, beta: options.beta, eceBins: options.eceBins });
  const both = raw.positives > 0 && raw.positives < raw.n;
  let temperature = 1;
  let temperatureStatus: TemperatureStatus = !options.temperature ? 'disabled' : !both ? 'single-class' : 'fitted';
  if (temperatureStatus === 'fitted') {
    const t = fitTemperature(labels, logits, { minT: MIN_T, maxT: MAX_T });
    if (t <= MIN_T * 1.0001 || t >= MAX_T / 1.0001) temperatureStatus = 'at-bound';
    else temperature = t;
  }
  const threshold =
    options.threshold.rule === 'fixed' ? options.threshold.value : bestThreshold(labels, applyTemperature(logits, temperature), options.beta).threshold;
  const calibrated = evaluateBinary(labels, logits, { threshold, beta: options.beta, eceBins: options.eceBins, temperature });
  return { temperature, temperatureStatus, threshold, raw, calibrated };
}
