// The two arms of a cross-validated verdict, fold by fold. Each fold trains the supervised baseline
// the way the train stage trained its model (its settings, from the Model's meta) on the fold's
// training labels, choosing the epoch on the inner validation; self-training then starts from that
// baseline with the same labels and the fold's pool, its rounds kept or rolled back on the inner
// validation. Both arms are then scored, each with the temperature and threshold its inner validation
// chose, on the held-out images — which chose nothing.

import path from 'node:path';
import type { LayersModel, Logger, PreprocessConfig, ProgressFactory, Rng, Tf } from '@neuro-ssl/core';
import type { Normalization } from '@neuro-ssl/core/image';
import { trainClassifier, type BatchPlan, type BinaryEvaluation, type CheckpointRule, type ClassifierSpec, type EpochRecord, type OutOfFoldRow, type ProbeFeatureCache, type TrainItem, type TrainMode, type TrainSettings, evaluateBinary } from '@neuro-ssl/core/learn';
import type { ConsistencyEpoch } from './algorithms/consistency-training.js';
import type { ArmAlgorithm, ArmSettings } from './algorithms/ssl-algorithm.js';
import { runArmAsRound } from './arm-round.js';
import { benchmarkRound, type PseudoLabelBenchmark } from './benchmark.js';
import type { CvFold } from './cv-plan.js';
import { TfLearner } from './ssl-learner.js';
import { describeScore, runSslLoop, type LoopOptions, type RoundRecord, type StopReason } from './ssl-loop.js';
import { prefixed } from './prefixed-logger.js';
import { describeBenchmark } from './ssl-report.js';

export interface CvArmsOptions {
  tf: Tf;
  spec: ClassifierSpec;
  mode: TrainMode;
  preprocess: PreprocessConfig;
  normalization: Normalization;
  concurrency: number;
  probe?: ProbeFeatureCache;
  /** Partial mode: the frozen trunk's output per image and view (the trunk is the pretrained one in every fold). */
  trunk?: ProbeFeatureCache;
  /** The classifier a fold starts from (its backbone as pretrained; the head is initialised here), and its release. */
  classifier: () => Promise<LayersModel>;
  release: (classifier: LayersModel) => void;
  /** The supervised baseline: the train stage's settings. */
  baselineSettings: Omit<TrainSettings, 'mode'>;
  /** A self-training round (its learning rate is the loop's). */
  roundSettings: Omit<TrainSettings, 'mode' | 'learningRate'>;
  checkpoint: CheckpointRule;
  /** The loop's options every fold shares. */
  loop: Omit<LoopOptions, 'resumeKey' | 'labelled' | 'pool' | 'validationLabels' | 'selection' | 'logger' | 'signal' | 'onRound' | 'baselineName'> & {
    balance: LoopOptions['selection']['balance'];
  };
  poolAugment: 'none' | 'weak';
  plan: (items: readonly TrainItem[], labelled: number) => BatchPlan | undefined;
  /** Labelled image id → path and label. */
  labelled: ReadonlyMap<string, { path: string; label: number }>;
  /** Benchmark: true labels of pool images (labels file, hidden labels), for reporting only. */
  truth: ReadonlyMap<string, number> | null;
  checkpointDir: string;
  resumeKey: string;
  rng: Rng;
  logger: Logger;
  progress?: ProgressFactory;
  signal?: AbortSignal;
  onEpoch?: (fold: CvFold, arm: string, record: EpochRecord) => void;
  onRound?: (fold: CvFold, record: RoundRecord, benchmark: PseudoLabelBenchmark | null) => void;
  /** A one-go algorithm (FixMatch, FlexMatch, …) in the place of the pseudo-label loop. */
  arm?: { algorithm: ArmAlgorithm<unknown>; options: unknown; settings: ArmSettings };
  onArmEpoch?: (fold: CvFold, record: ConsistencyEpoch) => void;
}

export interface FoldRoundSummary {
  round: number;
  cutoff: number;
  selected: number;
  bestEpoch: number;
  kept: boolean;
  /** The inner validation's log-loss after the round (the selection score by default). */
  innerNll: number;
  benchmark: PseudoLabelBenchmark | null;
}

export interface FoldOutcome {
  /** 0-based. */
  repeat: number;
  fold: number;
  sizes: { train: number; inner: number; heldOut: number; pool: number; excluded: number };
  baseline: { bestEpoch: number; temperature: number; threshold: number; heldOut: BinaryEvaluation };
  ssl: { round: number; roundsRun: number; stop: StopReason | null; temperature: number; threshold: number; heldOut: BinaryEvaluation };
  rounds: FoldRoundSummary[];
  /** Per round: the temperature its pseudo-labels were selected with (the best model's so far). */
  selectionTemperatures: number[];
}

export interface CvArms {
  folds: FoldOutcome[];
  /** Every labelled image once per repeat: the baseline's and self-training's held-out predictions, row for row. */
  baselineRows: OutOfFoldRow[];
  sslRows: OutOfFoldRow[];
}

export async function runCvArms(o: CvArmsOptions, folds: readonly CvFold[]): Promise<CvArms> {
  const outcomes: FoldOutcome[] = [];
  const baselineRows: OutOfFoldRow[] = [];
  const sslRows: OutOfFoldRow[] = [];
  const repeats = Math.max(...folds.map((f) => f.repeat)) + 1;
  const perRepeat = Math.max(...folds.map((f) => f.fold)) + 1;
  for (const [index, fold] of folds.entries()) {
    const tag = `r${fold.repeat + 1}f${fold.fold + 1}`;
    const log = prefixed(o.logger, `fold ${index + 1}/${folds.length}: `);
    const item = (id: string): { id: string; path: string; label: number } => ({ id, path: o.labelled.get(id)!.path, label: o.labelled.get(id)!.label });
    const train: TrainItem[] = fold.train.map((id) => ({ id, path: o.labelled.get(id)!.path, target: o.labelled.get(id)!.label }));
    const inner = fold.inner.map(item);
    const heldOut = fold.heldOut.map(item);
    log.info(
      `repeat ${fold.repeat + 1}/${repeats}, fold ${fold.fold + 1}/${perRepeat}: both arms train on ${train.length} labelled images and choose on ${inner.length} (${fold.innerReport}); ` +
        `${heldOut.length} held out only score; pool ${fold.pool.length}${fold.excluded.length ? ` (${fold.excluded.length} near-duplicates of held-out or inner images left out)` : ''}`,
    );
    const classifier = await o.classifier();
    const dir = path.join(o.checkpointDir, tag);
    const evaluation = { threshold: 0.5, beta: o.loop.calibration.beta, eceBins: o.loop.calibration.eceBins };
    const quiet = prefixed(o.logger, `fold ${index + 1}/${folds.length}: `, true);
    try {
      const baseline = await trainClassifier(o.tf, {
        spec: o.spec,
        classifier,
        settings: { ...o.baselineSettings, mode: o.mode },
        preprocess: o.preprocess,
        normalization: o.normalization,
        concurrency: o.concurrency,
        train,
        validation: inner,
        evaluation,
        checkpoint: o.checkpoint,
        checkpointDir: path.join(dir, 'baseline'),
        resumeKey: `${o.resumeKey}:${tag}:baseline`,
        rng: o.rng.fork(`${tag}-baseline`),
        logger: quiet,
        initHead: true,
        label: 'baseline',
        ...(o.probe ? { probe: o.probe } : {}),
        ...(o.trunk ? { trunk: o.trunk } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onEpoch ? { onEpoch: (r: EpochRecord) => o.onEpoch!(fold, 'baseline', r) } : {}),
      });
      baseline.optimizer.dispose();
      o.signal?.throwIfAborted();
      const learner = new TfLearner(o.tf, {
        classifier,
        spec: o.spec,
        mode: o.mode,
        settings: o.roundSettings,
        preprocess: o.preprocess,
        normalization: o.normalization,
        concurrency: o.concurrency,
        validation: inner,
        pool: fold.pool,
        poolAugment: o.poolAugment,
        ...(o.probe ? { probe: o.probe } : {}),
        ...(o.trunk ? { trunk: o.trunk } : {}),
        evaluation,
        checkpoint: o.checkpoint,
        checkpointDir: path.join(dir, 'ssl'),
        resumeKey: `${o.resumeKey}:${tag}:ssl`,
        restart: o.loop.restart,
        plan: o.plan,
        rng: o.rng.fork(`${tag}-ssl`),
        logger: quiet,
        ...(o.progress ? { progress: o.progress } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        ...(o.onEpoch ? { onEpoch: (_round: number, r: EpochRecord) => o.onEpoch!(fold, 'ssl', r) } : {}),
      });
      try {
        const baselineHeldOut = await learner.logitsOf(heldOut);
        const poolIds = fold.pool.map((p) => p.id);
        const benchmarks: (PseudoLabelBenchmark | null)[] = [];
        const { balance, ...loop } = o.loop;
        const onRound = (record: RoundRecord): void => {
          const bench = o.truth ? benchmarkRound(record.picks, poolIds, record.poolProbabilities, o.truth) : null;
          if (bench) log.info(`round ${record.round} benchmark: ${describeBenchmark(bench, o.loop.classNames)}`);
          o.onRound?.(fold, record, bench);
        };
        const prior = train.filter((t) => t.target === 1).length / train.length;
        const baselineName = `the supervised baseline, trained on ${train.length} labelled images, best epoch ${baseline.bestEpoch}`;
        const state = o.arm
          ? await runArmAsRound(learner, {
              algorithm: o.arm.algorithm,
              options: o.arm.options,
              context: {
                tf: o.tf,
                mode: o.mode,
                classifier,
                spec: o.spec,
                preprocess: o.preprocess,
                normalization: o.normalization,
                concurrency: o.concurrency,
                ...(o.probe ? { probe: o.probe } : {}),
                ...(o.trunk ? { trunk: o.trunk } : {}),
                labelled: train,
                pool: fold.pool,
                validation: inner,
                settings: o.arm.settings,
                evaluation,
                prior,
                truth: o.truth ? Float32Array.from(fold.pool, (p) => o.truth!.get(p.id) ?? Number.NaN) : null,
                checkpointDir: path.join(dir, o.arm.algorithm.name),
                resumeKey: `${o.resumeKey}:${tag}:${o.arm.algorithm.name}`,
                rng: o.rng.fork(`${tag}-${o.arm.algorithm.name}`),
                logger: quiet,
                ...(o.signal ? { signal: o.signal } : {}),
              },
              resumeKey: `${o.resumeKey}:${tag}:loop`,
              checkpoint: o.checkpoint,
              validationLabels: inner.map((v) => v.label),
              calibration: o.loop.calibration,
              calibratedSelection: o.loop.calibratedSelection,
              posWeight: o.loop.posWeight,
              maxEce: o.loop.maxEce,
              classNames: o.loop.classNames,
              baselineName,
              logger: log,
              ...(o.onArmEpoch ? { onEpoch: (r: ConsistencyEpoch) => o.onArmEpoch!(fold, r) } : {}),
              onRound,
            })
          : await runSslLoop(learner, {
              ...loop,
              resumeKey: `${o.resumeKey}:${tag}:loop`,
              labelled: train,
              pool: fold.pool,
              validationLabels: inner.map((v) => v.label),
              selection: { balance, prior },
              baselineName,
              logger: log,
              ...(o.signal ? { signal: o.signal } : {}),
              onRound,
            });
        // Recomputed from the state: on resume, finished rounds were not replayed through onRound.
        for (const r of state.rounds) benchmarks.push(o.truth ? benchmarkRound(r.picks, poolIds, r.poolProbabilities, o.truth) : null);
        const sslHeldOut = await learner.logitsOf(heldOut);
        const labels = heldOut.map((h) => h.label);
        const b = state.baseline;
        const s = state.best.score;
        const score = (logits: Float32Array, t: number, th: number): BinaryEvaluation => evaluateBinary(labels, logits, { ...evaluation, temperature: t, threshold: th });
        heldOut.forEach((h, i) => {
          const row = { id: h.id, label: h.label, repeat: fold.repeat, fold: fold.fold };
          baselineRows.push({ ...row, logit: baselineHeldOut[i]!, temperature: b.temperature, threshold: b.threshold });
          sslRows.push({ ...row, logit: sslHeldOut[i]!, temperature: s.temperature, threshold: s.threshold });
        });
        const temperatures: number[] = [];
        let selectionT = b.temperature;
        for (const r of state.rounds) {
          temperatures.push(o.loop.calibratedSelection ? selectionT : 1);
          if (!r.rolledBack) selectionT = r.score.temperature;
        }
        const outcome: FoldOutcome = {
          repeat: fold.repeat,
          fold: fold.fold,
          sizes: { train: train.length, inner: inner.length, heldOut: heldOut.length, pool: fold.pool.length, excluded: fold.excluded.length },
          baseline: { bestEpoch: baseline.bestEpoch, temperature: b.temperature, threshold: b.threshold, heldOut: score(baselineHeldOut, b.temperature, b.threshold) },
          ssl: { round: state.best.round, roundsRun: state.rounds.length, stop: state.stop?.reason ?? null, temperature: s.temperature, threshold: s.threshold, heldOut: score(sslHeldOut, s.temperature, s.threshold) },
          rounds: state.rounds.map((r, i) => ({ round: r.round, cutoff: r.cutoff, selected: r.picks.length, bestEpoch: r.bestEpoch, kept: !r.rolledBack, innerNll: r.score.evaluation.nll, benchmark: benchmarks[i] ?? null })),
          selectionTemperatures: temperatures,
        };
        log.info(
          `held out (${heldOut.length} images): baseline ${describeHeldOut(outcome.baseline.heldOut, o.loop.calibration.beta)}; ` +
            `self-training (${state.best.round === 0 ? 'no round kept: the baseline' : `round ${state.best.round} of ${state.rounds.length}`}) ${describeHeldOut(outcome.ssl.heldOut, o.loop.calibration.beta)}`,
        );
        log.debug(`inner validation: baseline ${describeScore(b, o.loop.calibration.beta)}; kept ${describeScore(s, o.loop.calibration.beta)}`);
        outcomes.push(outcome);
      } finally {
        learner.dispose();
      }
    } finally {
      o.release(classifier);
    }
  }
  return { folds: outcomes, baselineRows, sslRows };
}

const f3 = (v: number | null): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(3));

function describeHeldOut(e: BinaryEvaluation, beta: number): string {
  return `NLL ${f3(e.nll)}, ROC-AUC ${f3(e.rocAuc)}, F${beta} ${f3(e.fBeta)}`;
}
