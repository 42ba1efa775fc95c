// A one-go algorithm (FixMatch, FlexMatch, a plugin's) in the place of the pseudo-label loop: it runs
// as a single "round" from the baseline, scored, kept or rolled back exactly as a round is (the
// checkpoint rule against the baseline on validation, and the maxEce guard), and reported as a
// LoopState — so the held-out scoring, verdict, final-model settings, metrics and figures that follow
// are the loop's own. Its epochs (passes over the pool) are chosen inside by the same checkpoint rule.

import { improves, metrics, type CheckpointRule, type ThresholdRule } from '@neuro-ssl/core/learn';
import type { Logger } from '@neuro-ssl/core';
import { readWeights, writeWeights } from './algorithms/ema.js';
import type { ConsistencyEpoch } from './algorithms/consistency-training.js';
import type { ArmAlgorithm, ArmContext } from './algorithms/ssl-algorithm.js';
import type { PseudoLabelPick } from './pseudo-label.js';
import { describeScore, scoreLogits, type Learner, type LoopState, type RoundRecord } from './ssl-loop.js';

export interface ArmRoundOptions {
  algorithm: ArmAlgorithm<unknown>;
  /** The algorithm's resolved options. */
  options: unknown;
  /** Everything the algorithm needs but the calibration, which comes from the baseline here. */
  context: Omit<ArmContext, 'temperature' | 'checkpoint' | 'onEpoch'>;
  resumeKey: string;
  checkpoint: CheckpointRule;
  validationLabels: readonly number[];
  calibration: { threshold: ThresholdRule; beta: number; eceBins: number; temperature: boolean };
  /** The pool's probabilities use the baseline's temperature (else sigmoid(logit)). */
  calibratedSelection: boolean;
  posWeight: number;
  maxEce: number;
  classNames: [string, string];
  baselineName?: string;
  logger: Logger;
  onEpoch?: (record: ConsistencyEpoch) => void;
  onRound?: (record: RoundRecord, state: LoopState) => void;
}

/** The confidence threshold a one-go algorithm reports as its cutoff (FixMatch's τ), when it has one. */
function thresholdOf(options: unknown): number {
  const t = (options as { threshold?: unknown } | null)?.threshold;
  return typeof t === 'number' ? t : Number.NaN;
}

export async function runArmAsRound(learner: Learner, o: ArmRoundOptions): Promise<LoopState> {
  const { tf, classifier } = o.context;
  const beta = o.calibration.beta;
  const [neg, pos] = o.classNames;
  const baseline = scoreLogits(await learner.validationLogits(), o);
  o.logger.info(`baseline (${o.baselineName ?? 'the input model'} on ${o.validationLabels.length} validation images): ${describeScore(baseline, beta)}`);
  const saved = readWeights(classifier);
  const temperature = o.calibratedSelection ? baseline.temperature : 1;
  o.logger.info(`${o.algorithm.name}: ${o.context.settings.epochs} epochs (passes over ${o.context.pool.length} pool images), lr ${o.context.settings.learningRate}, weak-view temperature ${temperature.toFixed(3)}`);
  const result = await o.algorithm.train({ ...o.context, temperature, checkpoint: o.checkpoint, ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}) }, o.options);
  const score = scoreLogits(result.validationLogits, o);
  const improved = result.bestEpoch > 0 && improves(o.checkpoint, { evaluation: score.evaluation, loss: score.loss }, { evaluation: baseline.evaluation, loss: baseline.loss });
  const eceStop = score.rawEce >= o.maxEce;
  const kept = improved && !eceStop;
  const poolProbabilities = Array.from(metrics.applyTemperature(await learner.poolLogits(1), temperature));
  if (!kept) writeWeights(tf, classifier, saved);

  const picks: PseudoLabelPick[] = [];
  const { labels, confidences } = result.pseudoLabels;
  labels.forEach((label, index) => {
    if (label === 0 || label === 1) picks.push({ index, label, probability: label === 1 ? confidences[index]! : 1 - confidences[index]! });
  });
  const counts: [number, number] = [picks.filter((p) => p.label === 0).length, picks.filter((p) => p.label === 1).length];
  const cutoff = thresholdOf(o.options);
  const record: RoundRecord = {
    round: 1,
    rule: { kind: 'threshold', value: cutoff },
    cutoff,
    learningRate: o.context.settings.learningRate,
    poolProbabilities,
    picks,
    passed: counts,
    kept: counts,
    trainSize: o.context.labelled.length + o.context.pool.length,
    epochs: result.history.length,
    bestEpoch: result.bestEpoch,
    score,
    improved,
    rolledBack: !kept,
  };
  const message = eceStop
    ? `${o.algorithm.name}: validation ECE ${score.rawEce.toFixed(3)} before temperature scaling ≥ maxEce ${o.maxEce}; rolled back to the baseline`
    : `${o.algorithm.name} ran its ${result.history.length} epoch(s)`;
  o.logger.info(
    `${o.algorithm.name}: best epoch ${result.bestEpoch}/${result.history.length}; ${picks.length} pool images ended with a confident pseudo-label (${pos} ${counts[1]}, ${neg} ${counts[0]}): ` +
      `${describeScore(score, beta)} → ${kept ? 'improved, kept' : `${improved ? 'improved but ECE too high' : 'no improvement'}, rolled back to the baseline`}`,
  );
  const state: LoopState = {
    resumeKey: o.resumeKey,
    baseline,
    best: kept ? { round: 1, score } : { round: 0, score: baseline },
    rounds: [record],
    sinceBest: kept ? 0 : 1,
    stop: { reason: eceStop ? 'max-ece' : 'schedule-done', message },
  };
  o.onRound?.(record, state);
  return state;
}

