// After the folds: the model to keep, trained on every labelled image plus the pool with the
// settings the folds validated — the median over folds of the baseline's epochs, of the rounds kept,
// of each round's epochs, of the temperatures the selection used, and of the final temperature and
// threshold. Nothing is chosen here (no image is left to choose on): a fixed replay of what the folds
// did, whose expected performance is the out-of-fold verdict's self-training arm.

import path from 'node:path';
import type { LayersModel, Logger, Rng, Tf } from '@neuro-ssl/core';
import { FIXED_SCHEDULE_RULE, metrics, trainClassifier, type EpochRecord, type TrainItem, type TrainSettings } from '@neuro-ssl/core/learn';
import { benchmarkRound, type PseudoLabelBenchmark } from './benchmark.js';
import type { FoldOutcome } from './cv-evaluation.js';
import type { PoolImage } from './cv-plan.js';
import { selectPseudoLabels, type PseudoLabelPick, type SelectionOptions } from './pseudo-label.js';
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

export interface FinalRound {
  round: number;
  rule: RoundRule;
  cutoff: number;
  learningRate: number;
  /** The pool's probability of the positive class as the selection saw it. */
  poolProbabilities: number[];
  picks: PseudoLabelPick[];
  passed: [number, number];
  kept: [number, number];
  trainSize: number;
  epochs: number;
  benchmark: PseudoLabelBenchmark | null;
}

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
    ...(o.signal ? { signal: o.signal } : {}),
    ...(o.onEpoch ? { onEpoch: (r: EpochRecord) => o.onEpoch!(0, r) } : {}),
  });
  baseline.optimizer.dispose();
  const poolIds = o.pool.map((p) => p.id);
  const rounds: FinalRound[] = [];
  let baselinePool: number[] = [];
  let stop: string | null = null;
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
