// The self-training loop, independent of TensorFlow: each round predicts the unlabelled pool with the
// best model so far, selects this round's pseudo-labels (they never pile up across rounds), trains on
// labelled + pseudo-labelled images, and keeps the round only when validation improves under the
// checkpoint rule — else it rolls back. It stops on patience, on a validation ECE that says the model
// has become confidently wrong, or when no image passes the threshold. The model work is a Learner.

import type { Logger } from '@neuro-ssl/core';
import { metrics, bceWithLogitsValue, calibrate, improves, type BinaryEvaluation, type CheckpointRule, type EpochRecord, type ThresholdRule, type TrainItem } from '@neuro-ssl/core/learn';
import { selectPseudoLabels, type PseudoLabelPick, type SelectionOptions } from './pseudo-label.js';
import { describeRoundRule, type RoundRule } from './threshold-schedule.js';

/** A set of validation logits, scored the way every round and the baseline are compared. */
export interface Scored {
  /** Validation logits, in the order of the validation split. */
  logits: number[];
  temperature: number;
  /** Decision threshold on the calibrated probability. */
  threshold: number;
  /** With the temperature and the threshold. */
  evaluation: BinaryEvaluation;
  /** ECE of sigmoid(logit) — what the network says on its own; the maxEce guard watches it. */
  rawEce: number;
  /** Validation BCE (pos_weight) of the raw logits. */
  loss: number;
}

export type StopReason = 'schedule-done' | 'no-pseudo-labels' | 'max-ece' | 'patience';

export interface RoundRecord {
  round: number;
  rule: RoundRule;
  /** Confidence max(p, 1 − p) a pseudo-label needed. */
  cutoff: number;
  learningRate: number;
  /** The probability of the positive class per pool image, as the selection saw it. */
  poolProbabilities: number[];
  picks: PseudoLabelPick[];
  /** [negative, positive]. */
  passed: [number, number];
  kept: [number, number];
  trainSize: number;
  epochs: number;
  bestEpoch: number;
  score: Scored;
  /** Better than the best so far under the checkpoint rule. */
  improved: boolean;
  /** Not kept: the weights went back to the best state. */
  rolledBack: boolean;
}

export interface LoopState {
  resumeKey: string;
  baseline: Scored;
  /** Round 0 is the input model. */
  best: { round: number; score: Scored };
  rounds: RoundRecord[];
  /** Rounds in a row without improvement. */
  sinceBest: number;
  stop: { reason: StopReason; message: string } | null;
}

export interface TrainedRound {
  validationLogits: Float32Array;
  history: EpochRecord[];
  bestEpoch: number;
}

/** The model side of the loop. The current weights are the best state between rounds. */
export interface Learner {
  validationLogits(): Promise<Float32Array>;
  /** The current model on the unlabelled pool, in pool order. */
  poolLogits(round: number): Promise<Float32Array>;
  /** Trains the current weights in place; items 0..labelled-1 are the labelled ones. */
  train(round: number, items: TrainItem[], labelled: number, learningRate: number): Promise<TrainedRound>;
  /** Back to the weights of the last persisted state. */
  rollback(): Promise<void>;
  /** Saves the current weights with `state`: the resume point and the state a rollback returns to. */
  persist(state: LoopState): Promise<void>;
  /** The state saved under `resumeKey`, its weights restored; null when there is none. */
  resume(resumeKey: string): Promise<LoopState | null>;
}

export interface LoopOptions {
  resumeKey: string;
  rules: RoundRule[];
  /** The labelled training split, hard targets. */
  labelled: readonly TrainItem[];
  pool: readonly { id: string; path: string }[];
  validationLabels: readonly number[];
  calibratedSelection: boolean;
  selection: SelectionOptions;
  softLabels: boolean;
  /** Probe mode: cached weak views per pseudo-labelled image (0: its clean features, computed for scoring anyway). */
  poolViews?: number;
  patience: number;
  maxEce: number;
  checkpoint: CheckpointRule;
  calibration: { threshold: ThresholdRule; beta: number; eceBins: number; temperature: boolean };
  posWeight: number;
  learningRate: number;
  restart: 'cold' | 'continue';
  /** [negative, positive] class names, for the log. */
  classNames: [string, string];
  /** What the baseline is, for the log (default "the input model"). */
  baselineName?: string;
  logger: Logger;
  signal?: AbortSignal;
  onRound?: (record: RoundRecord, state: LoopState) => void;
}

export function scoreLogits(logits: ArrayLike<number>, options: Pick<LoopOptions, 'validationLabels' | 'calibration' | 'posWeight'>): Scored {
  const c = calibrate(options.validationLabels, logits, options.calibration);
  return {
    logits: Array.from(logits),
    temperature: c.temperature,
    threshold: c.threshold,
    evaluation: c.calibrated,
    rawEce: c.raw.ece,
    loss: bceWithLogitsValue(logits, options.validationLabels, { posWeight: options.posWeight }),
  };
}

const fmt = (v: number | null): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(3));

export function describeScore(s: Scored, beta: number): string {
  const e = s.evaluation;
  return `NLL ${fmt(e.nll)}, F${beta} ${fmt(e.fBeta)}, PR-AUC ${fmt(e.prAuc)}, ROC-AUC ${fmt(e.rocAuc)}, ECE ${fmt(e.ece)} (${fmt(s.rawEce)} before temperature ${s.temperature.toFixed(2)})`;
}

/** Runs (or resumes) the loop to its stop; the learner then holds the best weights. */
export async function runSslLoop(learner: Learner, options: LoopOptions): Promise<LoopState> {
  const { logger, rules, classNames } = options;
  const beta = options.calibration.beta;
  let state: LoopState | null = await learner.resume(options.resumeKey);
  if (state) {
    logger.info(`resuming after round ${state.rounds.length} (best: ${state.best.round === 0 ? 'the baseline' : `round ${state.best.round}`})`);
  } else {
    const baseline = scoreLogits(await learner.validationLogits(), options);
    state = { resumeKey: options.resumeKey, baseline, best: { round: 0, score: baseline }, rounds: [], sinceBest: 0, stop: null };
    await learner.persist(state);
    logger.info(`baseline (${options.baselineName ?? 'the input model'} on ${options.validationLabels.length} validation images): ${describeScore(baseline, beta)}`);
  }

  while (!state.stop) {
    options.signal?.throwIfAborted();
    const r: number = state.rounds.length + 1;
    const rule = rules[r - 1]!;
    const temperature = options.calibratedSelection ? state.best.score.temperature : 1;
    const poolProbabilities = Array.from(metrics.applyTemperature(await learner.poolLogits(r), temperature));
    const selection = selectPseudoLabels(poolProbabilities, rule, options.selection);
    const [neg, pos] = classNames;
    if (selection.picks.length === 0) {
      const balanced = options.selection.balance !== 'none' && selection.passed[0] + selection.passed[1] > 0;
      const message = balanced
        ? `round ${r}: balance ${options.selection.balance} leaves no pseudo-label (${selection.passed[1]} ${pos}, ${selection.passed[0]} ${neg} passed ${describeRoundRule(rule)})`
        : `round ${r}: no unlabelled image passes ${describeRoundRule(rule)} (${poolProbabilities.length} in the pool)`;
      state = { ...state, stop: { reason: 'no-pseudo-labels', message } };
      await learner.persist(state);
      break;
    }

    const learningRate = options.restart === 'continue' ? options.learningRate / 10 ** (r - 1) : options.learningRate;
    const items: TrainItem[] = [
      ...options.labelled,
      ...selection.picks.map((p) => ({
        id: options.pool[p.index]!.id,
        path: options.pool[p.index]!.path,
        target: options.softLabels ? p.probability : p.label,
        ...(options.poolViews !== undefined ? { views: options.poolViews } : {}),
      })),
    ];
    const trained = await learner.train(r, items, options.labelled.length, learningRate);
    options.signal?.throwIfAborted();
    const score = scoreLogits(trained.validationLogits, options);
    const improved = improves(options.checkpoint, { evaluation: score.evaluation, loss: score.loss }, { evaluation: state.best.score.evaluation, loss: state.best.score.loss });
    const eceStop = score.rawEce >= options.maxEce;
    const kept = improved && !eceStop;
    const record: RoundRecord = {
      round: r,
      rule,
      cutoff: selection.cutoff,
      learningRate,
      poolProbabilities,
      picks: selection.picks,
      passed: selection.passed,
      kept: selection.kept,
      trainSize: items.length,
      epochs: trained.history.length,
      bestEpoch: trained.bestEpoch,
      score,
      improved,
      rolledBack: !kept,
    };
    const sinceBest: number = kept ? 0 : state.sinceBest + 1;
    let stop: LoopState['stop'] = null;
    if (eceStop) stop = { reason: 'max-ece', message: `round ${r}: validation ECE ${fmt(score.rawEce)} before temperature scaling ≥ maxEce ${options.maxEce}; the round is rolled back` };
    else if (sinceBest >= options.patience) stop = { reason: 'patience', message: `round ${r}: ${sinceBest} round(s) in a row without improvement (patience ${options.patience})` };
    else if (r === rules.length) stop = { reason: 'schedule-done', message: `all ${rules.length} round(s) of the schedule ran` };

    logger.info(
      `round ${r}/${rules.length} (${describeRoundRule(rule)}): ${selection.picks.length} pseudo-labels (${pos} ${selection.kept[1]}, ${neg} ${selection.kept[0]}) of ${poolProbabilities.length} + ${options.labelled.length} labelled, lr ${learningRate.toExponential(1)}: ` +
        `${describeScore(score, beta)} → ${kept ? 'improved, kept' : `${improved ? 'improved but ECE too high' : 'no improvement'}, rolled back to ${state.best.round === 0 ? 'the baseline' : `round ${state.best.round}`}`}`,
    );
    if (!kept) await learner.rollback();
    state = { ...state, rounds: [...state.rounds, record], best: kept ? { round: r, score } : state.best, sinceBest, stop };
    await learner.persist(state);
    options.onRound?.(record, state);
  }
  logger.info(`stop: ${state.stop?.message ?? 'no reason recorded'}`);
  return state;
}
