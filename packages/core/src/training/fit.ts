// The training loop every mode and every self-training round shares: Adam on a per-batch loss (by
// default BCE-with-logits with pos_weight, optional label smoothing and per-row weights) plus optional
// L2 weight decay, one validation pass per epoch scored with the full binary report, the best epoch
// chosen by the checkpoint rule, and the state of an epoch (weights, Adam moments, history) saved so
// an interrupted run resumes where it stopped. Saved every `checkpointEverySeconds`, not every epoch
// (a probe's epoch takes milliseconds, a write more): in between, the last completed epoch and the best
// one are held in memory (tensor clones) and written on an interruption, an error, an early stop and
// at the end. A resumed run retrains the epochs after the saved one and, as batches and dropout masks
// depend on (epoch, step) alone, ends bit for bit where the uninterrupted run does.
//
// What is trained on is abstract (a BatchSource): image batches for finetune/partial, cached
// feature batches for the probe; the loop does not know which. How a batch becomes a loss is a hook
// (`batchLoss`): weighted BCE on hard, soft or mixed-up targets is the default, and a loss that needs
// more than one view of a batch (a weak → strong consistency loss) is another hook over a batch type
// that carries those views — the same loop either way.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AdamOptimizer, LayersModel, Scalar, Tensor } from '@tensorflow/tfjs';
import type { Logger } from '../progress/logger.js';
import type { ProgressFactory } from '../progress/progress.js';
import type { Tf } from '../tf/types.js';
import { deriveSeed } from '../util/rng.js';
import { bceWithLogits, bceWithLogitsValue, type BceOptions } from './bce-loss.js';
import { evaluateBinary, type BinaryEvaluation, type EvaluationOptions } from './binary-evaluation.js';
import { describeRule, improves, type CheckpointRule, type CheckpointScore } from './checkpoint-rule.js';
import { disposeSnapshot, restoreOptimizer, restoreWeights, snapshotModel, writeModelFolder, type ModelSnapshot } from './model-folder.js';

export interface TrainBatch {
  /** Model input, row-major, `shape` (e.g. [n, s, s, 3] images or [n, dim] features). */
  data: Float32Array;
  shape: number[];
  /** Targets in [0, 1], one per row (soft pseudo-labels allowed). */
  targets: Float32Array;
  /** Per-row loss weights (default 1). */
  weights?: Float32Array;
}

/** The batches of one epoch (0-based); shuffling and augmentation are the source's business. */
export type BatchSource<B extends TrainBatch = TrainBatch> = (epoch: number) => AsyncIterable<B>;

/** What a per-batch loss sees, inside the optimizer's step (every tensor it makes is tidied). */
export interface LossContext<B extends TrainBatch = TrainBatch> {
  tf: Tf;
  /** The model being trained: what its trainable weights get from the loss is the gradient. */
  model: LayersModel;
  /** The batch as the source yielded it (after any BatchPlan transform: mixup, soft targets). */
  batch: B;
  /** The model is applied in training mode (dropout on, trainable BatchNorm on batch statistics). */
  training: true;
  /** The model on `data` (row-major, `shape`) in training mode: logits [n, 1]. */
  forward(data: Float32Array, shape: number[]): Tensor;
}

/** A batch → the scalar loss to minimise (weight decay, when set, is added by the loop). */
export type BatchLoss<B extends TrainBatch = TrainBatch> = (ctx: LossContext<B>) => Scalar;

/**
 * The default loss: BCE-with-logits on the batch's targets (hard, soft or mixed up) with pos_weight,
 * optional label smoothing and the batch's per-row weights.
 */
export function weightedBceLoss(options: BceOptions): BatchLoss {
  return ({ tf, batch, forward }) => {
    const logits = forward(batch.data, batch.shape);
    const y = tf.tensor1d(batch.targets);
    const w = batch.weights ? tf.tensor1d(batch.weights) : undefined;
    return bceWithLogits(tf, logits, y, options, w) as Scalar;
  };
}

export interface FitOptions<B extends TrainBatch = TrainBatch> {
  epochs: number;
  learningRate: number;
  /** BCE settings: the default batch loss's, and always the validation loss's (its pos_weight). */
  loss: BceOptions;
  /** The per-batch training loss; default weightedBceLoss(loss). */
  batchLoss?: BatchLoss<B>;
  /** L2 penalty added to the gradient (torch's Adam weight_decay); 0 = none. */
  weightDecay: number;
  /** Training batches; the rows of a batch (for the mean training loss and progress) are its targets. */
  train: BatchSource<B>;
  /** Rows per epoch, for progress and throughput. */
  trainSize: number;
  /** Validation logits, in the order of `validationLabels`. */
  validate: () => Promise<Float32Array>;
  validationLabels: ArrayLike<number>;
  evaluation: EvaluationOptions;
  checkpoint: CheckpointRule;
  /** Folder that survives an interruption: last/ (the latest saved epoch) and best/ (the best epoch up to it). */
  checkpointDir: string;
  /**
   * Write last/ (and best/, when a better epoch came since) after an epoch once this many seconds have
   * passed since the previous write (default 30; 0 = after every epoch). Whatever the interval, the
   * final epoch, an early stop, an interruption and an error write the last completed epoch, so only a
   * killed process loses up to this much training; the result never depends on it.
   */
  checkpointEverySeconds?: number;
  /** Identity of this training (config, data, seed): a checkpoint saved under another key is not resumed. */
  resumeKey: string;
  logger: Logger;
  progress?: ProgressFactory;
  signal?: AbortSignal;
  /** Prefix of log lines and progress labels, e.g. "fold 2/10". */
  label?: string;
  /** Continue with this optimizer (its moments and step count) instead of a fresh Adam. */
  optimizer?: AdamOptimizer;
  /**
   * Seed of the dropout masks (default 0): the k-th forward pass of step s in epoch e draws them from
   * deriveSeed(seed, `e<e>-s<s>-f<k>-l<layer>`), a function of the step alone, so a resumed run draws the
   * masks the uninterrupted one did. Unseeded, tf.dropout seeds itself from Math.random.
   */
  dropoutSeed?: number;
  /** Stop after this many epochs without improvement (default: never). */
  patience?: number;
  onEpoch?: (record: EpochRecord) => void;
  /** After every optimizer step (e.g. a moving average of the weights); the batch is the one just trained on. */
  onStep?: (batch: B) => void;
  /** No progress bar per epoch (epochs of a probe take milliseconds). */
  quietEpochs?: boolean;
}

export interface EpochRecord extends BinaryEvaluation {
  /** 1-based. */
  epoch: number;
  trainLoss: number;
  valLoss: number;
  /** Wall-clock time of the epoch (training + validation): for the log and metric lines only, see epochResults. */
  seconds: number;
  samplesPerSecond: number;
  /** This epoch became the best checkpoint. */
  best: boolean;
}

/** An epoch's results without its wall-clock timings: what belongs in a hashed artifact. */
export type EpochResult = Omit<EpochRecord, 'seconds' | 'samplesPerSecond'>;

/**
 * The history without timings, for a Metrics artifact: artifacts are content-addressed, and two runs
 * of the same training (or a resumed one) must give the same bytes. Timings go to ctx.metric lines.
 */
export function epochResults(history: readonly EpochRecord[]): EpochResult[] {
  return history.map(({ seconds: _seconds, samplesPerSecond: _rate, ...rest }) => rest);
}

export interface FitResult {
  history: EpochRecord[];
  /** 1-based epoch of the best checkpoint (0 when no epoch completed). */
  bestEpoch: number;
  /** Folder holding the best epoch's weights (restore with restoreWeights). */
  bestDir: string;
  optimizer: AdamOptimizer;
  /** Why training ended before `epochs`: interrupted, or early stop. */
  stopped: 'interrupted' | 'patience' | null;
}

interface FitState {
  resumeKey: string;
  epoch: number;
  history: EpochRecord[];
  bestEpoch: number;
}

const STATE_FILE = 'state.json';
const DEFAULT_CHECKPOINT_SECONDS = 30;

/** Trains `model` (input → one logit) in place; on return it holds the LAST epoch's weights. */
export async function fit<B extends TrainBatch = TrainBatch>(tf: Tf, model: LayersModel, options: FitOptions<B>): Promise<FitResult> {
  const label = options.label ? `${options.label}: ` : '';
  const lastDir = path.join(options.checkpointDir, 'last');
  const bestDir = path.join(options.checkpointDir, 'best');
  const optimizer = options.optimizer ?? tf.train.adam(options.learningRate);
  let history: EpochRecord[] = [];
  let bestEpoch = 0;

  const resumed = await readState(lastDir);
  if (resumed && resumed.resumeKey === options.resumeKey && resumed.epoch <= options.epochs) {
    await restoreWeights(tf, model, lastDir);
    await restoreOptimizer(tf, optimizer, model, lastDir);
    history = resumed.history;
    bestEpoch = resumed.bestEpoch;
    options.logger.info(`${label}resuming after epoch ${resumed.epoch} (best so far: epoch ${bestEpoch}) from ${lastDir}`);
  } else if (resumed) {
    options.logger.info(`${label}ignoring a checkpoint of another configuration in ${lastDir}`);
  }

  const scoreOf = (r: EpochRecord): CheckpointScore => ({ evaluation: r, loss: r.valLoss });
  let best: CheckpointScore | null = bestEpoch > 0 ? scoreOf(history[bestEpoch - 1]!) : null;
  const trainable = model.trainableWeights.map((w) => w.read() as unknown as import('@tensorflow/tfjs').Variable);
  const batchLoss: BatchLoss<B> = options.batchLoss ?? weightedBceLoss(options.loss);
  // Dropout masks from the step's own seed (see dropoutSeed): the layer reads `seed` when called; it is
  // removed after each step, so no saved topology (model.json) carries one.
  const dropouts = dropoutLayers(model);
  let step = '';
  let passes = 0;
  const forward = (data: Float32Array, shape: number[]): Tensor => {
    const pass = passes++;
    dropouts.forEach((layer, i) => (layer.seed = deriveSeed(options.dropoutSeed ?? 0, `${step}-f${pass}-l${i}`)));
    return model.apply(tf.tensor(data, shape), { training: true }) as Tensor;
  };
  options.logger.info(
    `${label}training ${trainable.length} weight tensors (${countParams(model)} parameters) for ${options.epochs} epochs; best epoch = ${describeRule(options.checkpoint)}`,
  );

  let stopped: FitResult['stopped'] = null;
  // A resumed training that had already stopped early is finished: going on would train past its stop.
  if (options.patience !== undefined && history.length > 0 && history.length < options.epochs && history.length - bestEpoch >= options.patience) {
    stopped = 'patience';
    options.logger.info(`${label}early stop: ${options.patience} epoch(s) without improvement (at epoch ${history.length}, before the resume)`);
  }
  const started = Date.now();
  const firstEpoch = history.length;
  const every = options.checkpointEverySeconds ?? DEFAULT_CHECKPOINT_SECONDS;
  // Not yet on disk: the best epoch's weights, and the last completed epoch (its state and bestEpoch).
  let unsavedBest: ModelSnapshot | null = null;
  let unsavedLast: { snapshot: ModelSnapshot; epoch: number; bestEpoch: number } | null = null;
  let savedAt = Date.now();
  const dropBest = (): void => {
    if (unsavedBest) disposeSnapshot(tf, unsavedBest);
    unsavedBest = null;
  };
  const dropLast = (): void => {
    if (unsavedLast) disposeSnapshot(tf, unsavedLast.snapshot);
    unsavedLast = null;
  };
  const stateAt = (epoch: number, best: number): FitState => ({ resumeKey: options.resumeKey, epoch, history: history.slice(0, epoch), bestEpoch: best });
  // best/ before last/: a crash between the two leaves best/ ahead of last/'s bestEpoch, and the resumed
  // run, retraining that epoch, writes it again; the other order could leave last/ naming a best epoch
  // that best/ does not hold.
  const writeUnsaved = async (): Promise<void> => {
    if (!unsavedLast) return;
    if (unsavedBest) await writeModelFolder(tf, model, bestDir, unsavedBest);
    dropBest();
    const { snapshot, epoch, bestEpoch: best } = unsavedLast;
    await writeModelFolder(tf, model, lastDir, snapshot, { [STATE_FILE]: stateAt(epoch, best) });
    dropLast();
  };
  try {
    for (let e = history.length; e < options.epochs && stopped === null; e++) {
      if (options.signal?.aborted) {
        stopped = 'interrupted';
        break;
      }
      const t0 = Date.now();
      const bar = options.quietEpochs ? undefined : options.progress?.({ label: `${label}epoch ${e + 1}/${options.epochs}`, total: options.trainSize, unit: 'img' });
      let lossSum = 0;
      let rows = 0;
      let s = 0;
      // Without a bar to show the running loss, the step losses are read once at the end of the epoch
      // (no wait on the backend per step); added up in the same order either way.
      const costs: { cost: Scalar; rows: number }[] = [];
      try {
        for await (const batch of options.train(e)) {
          if (options.signal?.aborted) break;
          step = `e${e}-s${s++}`;
          passes = 0;
          const cost = optimizer.minimize(
            () =>
              tf.tidy(() => {
                let loss: Scalar = batchLoss({ tf, model, batch, training: true, forward });
                if (options.weightDecay > 0) loss = loss.add(tf.addN(trainable.map((v) => v.square().sum())).mul(options.weightDecay / 2));
                return loss;
              }),
            true,
            trainable,
          )!;
          for (const layer of dropouts) delete layer.seed;
          options.onStep?.(batch);
          const n = batch.targets.length;
          rows += n;
          if (bar) {
            lossSum += (await cost.data())[0]! * n;
            cost.dispose();
            bar.tick(n);
            bar.status(`loss ${(lossSum / rows).toFixed(4)}`);
          } else {
            costs.push({ cost, rows: n });
          }
        }
        if (costs.length) {
          const values = await readScalars(tf, costs.map((c) => c.cost));
          costs.forEach((c, i) => (lossSum += values[i]! * c.rows));
        }
      } finally {
        tf.dispose(costs.map((c) => c.cost));
      }
      bar?.done();
      if (options.signal?.aborted) {
        stopped = 'interrupted';
        break;
      }
      const logits = await options.validate();
      const evaluation = evaluateBinary(options.validationLabels, logits, options.evaluation);
      const seconds = (Date.now() - t0) / 1000;
      const record: EpochRecord = {
        epoch: e + 1,
        trainLoss: rows ? lossSum / rows : Number.NaN,
        valLoss: bceWithLogitsValue(logits, options.validationLabels, { posWeight: options.loss.posWeight }),
        seconds,
        samplesPerSecond: rows / seconds,
        ...evaluation,
        best: false,
      };
      if (improves(options.checkpoint, scoreOf(record), best)) {
        record.best = true;
        best = scoreOf(record);
        bestEpoch = record.epoch;
      }
      history.push(record);
      const patienceStop = options.patience !== undefined && record.epoch - bestEpoch >= options.patience;
      const due = every <= 0 || record.epoch === options.epochs || patienceStop || (Date.now() - savedAt) / 1000 >= every;
      // This epoch is held (and the best one, when it is this): written now when due, else later.
      if (record.best) {
        dropBest();
        unsavedBest = await snapshotModel(tf, model);
      }
      dropLast();
      unsavedLast = { snapshot: await snapshotModel(tf, model, optimizer), epoch: record.epoch, bestEpoch };
      if (due) {
        await writeUnsaved();
        savedAt = Date.now();
      }
      options.onEpoch?.(record);
      const done = history.length - firstEpoch;
      const eta = ((Date.now() - started) / 1000 / done) * (options.epochs - history.length);
      // Long runs of quick epochs (a probe's 200) log every ~5% and each new best; the rest at debug.
      const logEvery = Math.max(1, Math.ceil(options.epochs / 20));
      // A fixed schedule (rule `last`) keeps every epoch: nothing to point out.
      const chosen = record.best && options.checkpoint.rule !== 'last';
      const level = chosen || record.epoch % logEvery === 0 || record.epoch === options.epochs ? 'info' : 'debug';
      options.logger[level](
        `${label}epoch ${record.epoch}/${options.epochs}: loss ${fmt(record.trainLoss)} val ${fmt(record.valLoss)}, F${options.evaluation.beta} ${fmt(record.fBeta)}, ` +
          `PR-AUC ${fmt(record.prAuc)}, ROC-AUC ${fmt(record.rocAuc)}, ECE ${fmt(record.ece)}${chosen ? ' *best*' : ''} ` +
          `(${seconds.toFixed(1)} s, ${record.samplesPerSecond.toFixed(1)} img/s, ETA ${Math.round(eta)} s)`,
      );
      if (patienceStop) {
        stopped = 'patience';
        options.logger.info(`${label}early stop: ${options.patience} epoch(s) without improvement`);
        break;
      }
    }
    // Interrupted (mid-epoch too: the held snapshot is the last completed epoch, not the live model).
    await writeUnsaved();
  } catch (err) {
    // Keep what was trained: the held epoch is consistent whatever failed after it.
    await writeUnsaved().catch((writeErr: unknown) => options.logger.warn(`${label}could not write the checkpoint after an error: ${(writeErr as Error).message}`));
    throw err;
  } finally {
    dropBest();
    dropLast();
  }
  return { history, bestEpoch, bestDir, optimizer, stopped };
}

/** The values of scalar tensors, with one read from the backend (a stack copies them exactly). */
async function readScalars(tf: Tf, scalars: readonly Scalar[]): Promise<ArrayLike<number>> {
  if (scalars.length === 1) return scalars[0]!.data();
  const stacked = tf.stack(scalars as Scalar[]);
  try {
    return await stacked.data();
  } finally {
    stacked.dispose();
  }
}

/** Every Dropout layer of `model`, nested models included, in a fixed order. */
function dropoutLayers(model: LayersModel): { seed?: number }[] {
  const found: { seed?: number }[] = [];
  const visit = (layers: readonly unknown[]): void => {
    for (const layer of layers) {
      const l = layer as { getClassName(): string; layers?: unknown[] };
      if (l.getClassName() === 'Dropout') found.push(layer as { seed?: number });
      if (Array.isArray(l.layers)) visit(l.layers);
    }
  };
  visit(model.layers);
  return found;
}

async function readState(dir: string): Promise<FitState | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, STATE_FILE), 'utf8')) as FitState;
  } catch {
    return null;
  }
}

function countParams(model: LayersModel): number {
  return model.trainableWeights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);
}

const fmt = (v: number | null): string => (v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(4));
