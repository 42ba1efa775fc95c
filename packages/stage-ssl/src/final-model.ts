// After the folds: the model to keep, trained on every labelled image plus the pool with the
// settings the folds validated — the median over folds of the baseline's epochs, of the rounds kept,
// of each round's epochs, of the temperatures the selection used, and of the final temperature and
// threshold. Nothing is chosen here (no image is left to choose on): a fixed replay of what the folds
// did, whose expected performance is the out-of-fold verdict's self-training arm.

import path from 'node:path';
import type { LayersModel, Logger, Rng, Tf } from '@neuro-ssl/core';
import { FIXED_SCHEDULE_RULE, metrics, trainClassifier, type EpochRecord, type TrainItem, type TrainSettings } from '@neuro-ssl/core/learn';
import type { ConsistencyEpoch } from './algorithms/consistency-training.js';
import type { ArmAlgorithm, ArmSettings } from './algorithms/ssl-algorithm.js';
import { benchmarkRound, type PseudoLabelBenchmark } from './benchmark.js';
import type { FoldOutcome } from './cv-evaluation.js';
import type { PoolImage } from './cv-plan.js';
import { selectPseudoLabels, type PseudoLabelPick, type SelectionOptions } from './pseudo-label.js';
import type { RoundRecord } from './ssl-loop.js';
import type { TfLearner, TfLearnerOptions } from './ssl-learner.js';
import { describeRoundRule, type RoundRule } from './threshold-schedule.js';

export interface ValidatedSettings {
  baselineEpochs: number;
  /** Rounds to replay (0: the final model is the supervised baseline). */
  rounds: number;
  /** Per round to replay: its epochs and the temperature its selection uses. */
  roundEpochs: number[];
  selectionTemperatures: number[];
  temperature: number;
  threshold: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The folds' medians. Rounds round down (fewer rounds: closer to the baseline every fold started from);
 * `supervised`: no round at all, the baseline's calibration (when the verdict found self-training worse).
 */
export function validatedSettings(folds: readonly FoldOutcome[], defaultEpochs: number, supervised = false): ValidatedSettings {
  if (folds.length === 0) throw new Error('validatedSettings: no fold');
  const rounds = supervised ? 0 : Math.floor(median(folds.map((f) => f.ssl.round)));
  const medianOf = (values: readonly (number | undefined)[], fallback: number): number => {
    const present = values.filter((v): v is number => v !== undefined);
    return present.length ? median(present) : fallback;
  };
  // A replayed round is a kept one: its epochs are those of the folds that kept it (else of those that ran it).
  const epochsOf = (i: number): number => {
    const kept = folds.map((f) => (f.rounds[i]?.kept ? f.rounds[i].bestEpoch : undefined));
    return medianOf(kept, medianOf(folds.map((f) => f.rounds[i]?.bestEpoch), defaultEpochs));
  };
  const roundEpochs = Array.from({ length: rounds }, (_, i) => Math.max(1, Math.round(epochsOf(i))));
  const selectionTemperatures = Array.from({ length: rounds }, (_, i) => medianOf(folds.map((f) => f.selectionTemperatures[i]), 1));
  const arm = (f: FoldOutcome): { temperature: number; threshold: number } => (rounds > 0 ? f.ssl : f.baseline);
  return {
    baselineEpochs: Math.max(1, Math.round(median(folds.map((f) => f.baseline.bestEpoch)))),
    rounds,
    roundEpochs,
    selectionTemperatures,
    temperature: median(folds.map((f) => arm(f).temperature)),
    threshold: median(folds.map((f) => arm(f).threshold)),
  };
}

/** `why`: why there is no round, when there is none (default: the median fold kept none). */
export function describeSettings(s: ValidatedSettings, folds: number, why = 'the median fold kept none'): string {
  const rounds = s.rounds === 0 ? `no self-training round (${why})` : `${s.rounds} round(s) of ${s.roundEpochs.join(', ')} epochs`;
  return `${s.baselineEpochs} baseline epochs, then ${rounds}; temperature ${s.temperature.toFixed(3)}, threshold ${s.threshold.toFixed(3)} (medians over ${folds} folds)`;
}

/** A replayed round: what the loop records of a round, less its validation (nothing is held out), plus its benchmark. */
export type FinalRound = Pick<RoundRecord, 'round' | 'rule' | 'cutoff' | 'learningRate' | 'poolProbabilities' | 'picks' | 'passed' | 'kept' | 'trainSize' | 'epochs'> & {
  benchmark: PseudoLabelBenchmark | null;
};

export interface FinalModel {
  /** The pool's probabilities under the final baseline (before any round). */
  baselinePool: number[];
  rounds: FinalRound[];
  /** Why the replay ran fewer rounds than validated, if it did. */
  stop: string | null;
}

export interface FinalModelOptions {
  tf: Tf;
  classifier: LayersModel;
  learner: TfLearner;
  /** Everything trainClassifier needs beyond the images, as the learner has it. */
  learnerOptions: TfLearnerOptions;
  baselineSettings: Omit<TrainSettings, 'mode'>;
  labelled: readonly TrainItem[];
  pool: readonly PoolImage[];
  rules: readonly RoundRule[];
  calibratedSelection: boolean;
  selection: SelectionOptions;
  softLabels: boolean;
  poolViews?: number;
  learningRate: number;
  restart: 'cold' | 'continue';
  truth: ReadonlyMap<string, number> | null;
  classNames: [string, string];
  checkpointDir: string;
  resumeKey: string;
  rng: Rng;
  logger: Logger;
  /** For the trainings' per-epoch lines (scored on the training images: debug, not estimates). */
  quietLogger: Logger;
  signal?: AbortSignal;
  onEpoch?: (round: number, record: EpochRecord) => void;
  /** A one-go algorithm (FixMatch, …): its validated run replaces the rounds (one "round" of the validated epochs). */
  arm?: { algorithm: ArmAlgorithm<unknown>; options: unknown; settings: ArmSettings; onEpoch?: (record: ConsistencyEpoch) => void };
}

/** Trains the final model in place (`classifier`) and returns what each replayed round selected. */
export async function trainFinalModel(o: FinalModelOptions, settings: ValidatedSettings): Promise<FinalModel> {
  const l = o.learnerOptions;
  const [neg, pos] = o.classNames;
  const monitor = o.labelled.map((t) => ({ id: t.id, path: t.path, label: t.target }));
  o.logger.info(`final model: ${o.labelled.length} labelled images + a pool of ${o.pool.length}; per-epoch numbers below are on its own training images (nothing is held out: the verdict is the estimate)`);
  const baseline = await trainClassifier(o.tf, {
    spec: l.spec,
    classifier: o.classifier,
    settings: { ...o.baselineSettings, mode: l.mode, epochs: settings.baselineEpochs },
    preprocess: l.preprocess,
    normalization: l.normalization,
    concurrency: l.concurrency,
    train: o.labelled,
    validation: monitor,
    evaluation: l.evaluation,
    checkpoint: FIXED_SCHEDULE_RULE,
    checkpointDir: path.join(o.checkpointDir, 'baseline'),
    resumeKey: `${o.resumeKey}:baseline@${settings.baselineEpochs}`,
    rng: o.rng.fork('baseline'),
    logger: o.quietLogger,
    label: 'baseline',
    initHead: true,
    ...(l.probe ? { probe: l.probe } : {}),
    ...(l.trunk ? { trunk: l.trunk } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onEpoch ? { onEpoch: (r: EpochRecord) => o.onEpoch!(0, r) } : {}),
  });
  baseline.optimizer.dispose();
  const poolIds = o.pool.map((p) => p.id);
  const rounds: FinalRound[] = [];
  let baselinePool: number[] = [];
  let stop: string | null = null;
  if (o.arm) return { ...(await replayArm(o, o.arm, settings, poolIds)), stop };
  for (let r = 1; r <= Math.max(1, settings.rounds); r++) {
    o.signal?.throwIfAborted();
    // With no round validated, the baseline's pool probabilities are still drawn at the final temperature.
    const temperature = o.calibratedSelection ? (settings.selectionTemperatures[r - 1] ?? settings.temperature) : 1;
    const probabilities = Array.from(metrics.applyTemperature(await o.learner.poolLogits(r), temperature));
    if (r === 1) baselinePool = probabilities;
    if (r > settings.rounds) break; // no round validated: the pool's probabilities are for the figure
    const rule = o.rules[r - 1]!;
    const selection = selectPseudoLabels(probabilities, rule, o.selection);
    if (selection.picks.length === 0) {
      stop = `round ${r}: no unlabelled image passes ${describeRoundRule(rule)}: the final model stops after ${r - 1} round(s)`;
      o.logger.warn(`final model: ${stop}`);
      break;
    }
    const learningRate = o.restart === 'continue' ? o.learningRate / 10 ** (r - 1) : o.learningRate;
    const items: TrainItem[] = [
      ...o.labelled,
      ...selection.picks.map((p) => ({
        id: o.pool[p.index]!.id,
        path: o.pool[p.index]!.path,
        target: o.softLabels ? p.probability : p.label,
        ...(o.poolViews !== undefined ? { views: o.poolViews } : {}),
      })),
    ];
    const epochs = settings.roundEpochs[r - 1]!;
    await o.learner.train(r, items, o.labelled.length, learningRate, epochs);
    const benchmark = o.truth ? benchmarkRound(selection.picks, poolIds, probabilities, o.truth) : null;
    rounds.push({ round: r, rule, cutoff: selection.cutoff, learningRate, poolProbabilities: probabilities, picks: selection.picks, passed: selection.passed, kept: selection.kept, trainSize: items.length, epochs, benchmark });
    o.logger.info(
      `final model, round ${r}/${settings.rounds} (${describeRoundRule(rule)}): ${selection.picks.length} pseudo-labels (${pos} ${selection.kept[1]}, ${neg} ${selection.kept[0]}) of ${o.pool.length} + ${o.labelled.length} labelled, ${epochs} epochs`,
    );
  }
  return { baselinePool, rounds, stop };
}

/** The final model of a one-go algorithm: from the final baseline, its run with the epochs the folds validated (nothing chosen). */
async function replayArm(o: FinalModelOptions, arm: NonNullable<FinalModelOptions['arm']>, settings: ValidatedSettings, poolIds: readonly string[]): Promise<Omit<FinalModel, 'stop'>> {
  const l = o.learnerOptions;
  const temperature = o.calibratedSelection ? (settings.selectionTemperatures[0] ?? settings.temperature) : 1;
  const baselinePool = Array.from(metrics.applyTemperature(await o.learner.poolLogits(1), temperature));
  if (settings.rounds === 0) return { baselinePool, rounds: [] };
  const epochs = settings.roundEpochs[0]!;
  const prior = o.labelled.filter((t) => t.target === 1).length / o.labelled.length;
  const result = await arm.algorithm.train(
    {
      tf: o.tf,
      mode: l.mode,
      classifier: o.classifier,
      spec: l.spec,
      preprocess: l.preprocess,
      normalization: l.normalization,
      concurrency: l.concurrency,
      ...(l.probe ? { probe: l.probe } : {}),
      ...(l.trunk ? { trunk: l.trunk } : {}),
      labelled: o.labelled,
      pool: o.pool,
      validation: o.labelled.map((t) => ({ id: t.id, path: t.path, label: t.target })),
      settings: { ...arm.settings, epochs },
      checkpoint: FIXED_SCHEDULE_RULE,
      evaluation: l.evaluation,
      temperature,
      prior,
      truth: o.truth ? Float32Array.from(o.pool, (p) => o.truth!.get(p.id) ?? Number.NaN) : null,
      checkpointDir: path.join(o.checkpointDir, arm.algorithm.name),
      resumeKey: `${o.resumeKey}:${arm.algorithm.name}@${epochs}`,
      rng: o.rng.fork(arm.algorithm.name),
      logger: o.quietLogger,
      ...(o.signal ? { signal: o.signal } : {}),
      ...(arm.onEpoch ? { onEpoch: arm.onEpoch } : {}),
    },
    arm.options,
  );
  const probabilities = Array.from(metrics.applyTemperature(await o.learner.poolLogits(2), temperature));
  const picks: PseudoLabelPick[] = [];
  result.pseudoLabels.labels.forEach((label, index) => {
    const c = result.pseudoLabels.confidences[index]!;
    if (label === 0 || label === 1) picks.push({ index, label, probability: label === 1 ? c : 1 - c });
  });
  const counts: [number, number] = [picks.filter((p) => p.label === 0).length, picks.filter((p) => p.label === 1).length];
  const cutoff = typeof (arm.options as { threshold?: unknown }).threshold === 'number' ? ((arm.options as { threshold: number }).threshold) : Number.NaN;
  const benchmark = o.truth ? benchmarkRound(picks, poolIds, probabilities, o.truth) : null;
  o.logger.info(`final model, ${arm.algorithm.name}: ${epochs} epochs over ${o.pool.length} pool images + ${o.labelled.length} labelled; ${picks.length} pool images ended with a confident pseudo-label (${o.classNames[1]} ${counts[1]}, ${o.classNames[0]} ${counts[0]})`);
  return {
    baselinePool,
    rounds: [
      { round: 1, rule: { kind: 'threshold', value: cutoff }, cutoff, learningRate: arm.settings.learningRate, poolProbabilities: probabilities, picks, passed: counts, kept: counts, trainSize: o.labelled.length + o.pool.length, epochs, benchmark },
    ],
  };
}
