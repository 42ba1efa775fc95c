// Pooled out-of-fold predictions: every labelled image scored once per repeat by the model of the
// fold that held it out, with that fold's temperature and threshold (chosen without it). Pooling
// gives one estimate over all labelled images (100, not a 20-image split): counts are pooled for the
// threshold metrics (Forman & Scholz 2010), probabilities for the ranking and calibration metrics.

import { confusionMatrix } from '../metrics/confusion.js';
import { accuracyFromConfusion, fBetaFromConfusion, precisionFromConfusion, recallFromConfusion } from '../metrics/f-beta.js';
import { sigmoid } from '../metrics/temperature.js';
import { evaluateBinary, type BinaryEvaluation } from './binary-evaluation.js';

export interface OutOfFoldRow {
  id: string;
  /** 0 or 1. */
  label: number;
  /** The fold model's raw logit. */
  logit: number;
  /** The fold's temperature and decision threshold. */
  temperature: number;
  threshold: number;
  /** 0-based. */
  repeat: number;
  fold: number;
}

export interface PooledEvaluationOptions {
  beta: number;
  eceBins: number;
}

/** Every metric on `rows` (or on rows[indices], repeats allowed): each row at its own fold's temperature and threshold. */
export function evaluateOutOfFold(rows: readonly OutOfFoldRow[], options: PooledEvaluationOptions, indices?: ArrayLike<number>): BinaryEvaluation {
  const n = indices ? indices.length : rows.length;
  const at = (i: number): OutOfFoldRow => rows[indices ? (indices[i] as number) : i]!;
  const labels = new Float64Array(n);
  const calibrated = new Float64Array(n);
  const decisions = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const r = at(i);
    labels[i] = r.label;
    calibrated[i] = r.logit / r.temperature;
    decisions[i] = sigmoid(calibrated[i]!) >= r.threshold ? 1 : 0;
  }
  const scored = evaluateBinary(labels, calibrated, { threshold: 0.5, beta: options.beta, eceBins: options.eceBins });
  const cm = confusionMatrix(labels, decisions);
  return {
    ...scored,
    fBeta: fBetaFromConfusion(cm, options.beta),
    precision: precisionFromConfusion(cm),
    recall: recallFromConfusion(cm),
    accuracy: accuracyFromConfusion(cm),
    ...cm,
  };
}
