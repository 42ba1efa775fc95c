// No reported number from images that chose anything. One "outer" split — the stage's train /
// validation split, or a cross-validation fold — reports on its held-out images; the epoch, the
// temperature and the threshold are chosen without them:
//
//   nested   inner group-aware folds of the outer training part: each inner training keeps its best
//            epoch on its inner validation fold; the outer training part is then refitted for the
//            median of those epochs (a fixed schedule, nothing chosen on the held-out images), and the
//            temperature and threshold are fitted on the pooled inner out-of-fold logits.
//   fixed    `epochs` epochs, no temperature, the configured numeric threshold: nothing is chosen.
//   notebook the notebook's procedure, chosen on the held-out images themselves — optimistic, kept for
//            replaying the notebook.
//
// The trainer is abstract (the stage trains a backbone + head; the coverage test a logistic
// regression on synthetic features), so the simulation checks the stage's own procedure.

import type { Rng } from '@neuro-ssl/core';
import {
  calibrate,
  evaluateBinary,
  repeatedStratifiedGroupKFold,
  type Calibration,
  type EpochRecord,
  type OutOfFoldRow,
  type SplitItem,
  type ThresholdRule,
} from '@neuro-ssl/core/learn';

export const SELECTION_METHODS = ['nested', 'fixed', 'notebook'] as const;
export type SelectionMethod = (typeof SELECTION_METHODS)[number];

/** One training, with the best (select) or the last (fixed) epoch's weights. */
export interface TrainedRun<M> {
  model: M;
  /** 1-based epoch whose weights `model` holds. */
  bestEpoch: number;
  history: EpochRecord[];
  /** Logits of the scored images (validation or `score`), in their order, at that epoch. */
  logits: Float32Array;
}

/** How one model is trained on a set of image ids: by the stage, or by a test. */
export interface SplitTrainer<M> {
  /** Trains on `train`, scoring every epoch on `validation`; keeps the best epoch by the checkpoint rule. */
  select(train: readonly string[], validation: readonly string[], label: string): Promise<TrainedRun<M>>;
  /** Trains on `train` for exactly `epochs` epochs and keeps the last; `score` is only predicted (per epoch for the curves). */
  fixed(train: readonly string[], score: readonly string[], epochs: number, label: string): Promise<TrainedRun<M>>;
  release(model: M): void;
}

export interface SelectionOptions {
  method: SelectionMethod;
  /** nested: inner folds of the outer training part. */
  innerFolds: number;
  /** The configured epochs (fixed: all of them; nested and notebook: the most an inner training runs). */
  epochs: number;
  calibration: { threshold: ThresholdRule; temperature: boolean; beta: number; eceBins: number };
  /** The items of every labelled image (label and near-duplicate group), by id. */
  items: ReadonlyMap<string, SplitItem>;
}

export interface InnerRun {
  /** Best epoch on the inner validation fold. */
  bestEpoch: number;
  train: number;
  validation: number;
}

export interface SelectedFit<M> {
  method: SelectionMethod;
  /** The run that reports: the refit (nested), the fixed run, or the notebook's run. */
  run: TrainedRun<M>;
  /** Epochs the reporting model trained (the chosen number, or the best epoch of the notebook's run). */
  epochs: number;
  inner: InnerRun[];
  /** Temperature and threshold (chosen without the held-out images, except `notebook`), and the held-out scores. */
  calibration: Calibration;
  /** What chose the temperature and threshold, for the log and the Metrics. */
  chosenOn: string;
  heldOutLabels: number[];
}

/** The median of positive integers, rounded (the epoch count a refit trains for). */
export function medianEpoch(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  const median = sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return Math.max(1, Math.round(median));
}

/** Trains on `train` and scores `heldOut` under the selection method; `label` prefixes checkpoints and log lines. */
export async function selectAndFit<M>(trainer: SplitTrainer<M>, train: readonly string[], heldOut: readonly string[], options: SelectionOptions, rng: Rng, label: string): Promise<SelectedFit<M>> {
  const labelOf = (id: string): number => options.items.get(id)!.label;
  const heldOutLabels = heldOut.map(labelOf);
  const { calibration } = options;
  const score = (logits: ArrayLike<number>, temperature: number, threshold: number): Pick<Calibration, 'raw' | 'calibrated'> => ({
    raw: evaluateBinary(heldOutLabels, logits, { threshold: 0.5, beta: calibration.beta, eceBins: calibration.eceBins }),
    calibrated: evaluateBinary(heldOutLabels, logits, { threshold, temperature, beta: calibration.beta, eceBins: calibration.eceBins }),
  });

  if (options.method === 'notebook') {
    const run = await trainer.select(train, heldOut, label);
    const c = calibrate(heldOutLabels, run.logits, calibration);
    return { method: 'notebook', run, epochs: run.bestEpoch, inner: [], calibration: c, chosenOn: `the ${heldOut.length} held-out images themselves`, heldOutLabels };
  }

  if (options.method === 'fixed') {
    if (calibration.threshold.rule !== 'fixed') throw new Error('selection: fixed needs a numeric threshold (threshold: fbeta chooses it on images)');
    const threshold = calibration.threshold.value;
    const run = await trainer.fixed(train, heldOut, options.epochs, label);
    const c: Calibration = { temperature: 1, temperatureStatus: 'disabled', threshold, ...score(run.logits, 1, threshold) };
    return { method: 'fixed', run, epochs: options.epochs, inner: [], calibration: c, chosenOn: 'nothing (a fixed schedule)', heldOutLabels };
  }

  // nested: inner folds choose; the whole outer training part is refitted.
  const innerItems = train.map((id) => options.items.get(id)!);
  const innerFolds = repeatedStratifiedGroupKFold(innerItems, { folds: options.innerFolds, repeats: 1, rng });
  const inner: InnerRun[] = [];
  const pooledLabels: number[] = [];
  const pooledLogits: number[] = [];
  for (const fold of innerFolds) {
    const run = await trainer.select(fold.train, fold.validation, `${label}-inner${fold.fold + 1}`);
    inner.push({ bestEpoch: run.bestEpoch, train: fold.train.length, validation: fold.validation.length });
    pooledLabels.push(...fold.validation.map(labelOf));
    pooledLogits.push(...run.logits);
    trainer.release(run.model);
  }
  const epochs = medianEpoch(inner.map((r) => r.bestEpoch));
  const chosen = calibrate(pooledLabels, pooledLogits, calibration);
  const run = await trainer.fixed(train, heldOut, epochs, label);
  const c: Calibration = { temperature: chosen.temperature, temperatureStatus: chosen.temperatureStatus, threshold: chosen.threshold, ...score(run.logits, chosen.temperature, chosen.threshold) };
  return { method: 'nested', run, epochs, inner, calibration: c, chosenOn: `${innerFolds.length} inner folds of the ${train.length} training images (${pooledLabels.length} inner out-of-fold predictions)`, heldOutLabels };
}

export interface FoldResult {
  /** 0-based. */
  repeat: number;
  fold: number;
  /** Epochs of the fold's reporting model (the chosen number; the best epoch for `notebook`). */
  bestEpoch: number;
  innerBestEpochs: number[];
  temperature: number;
  threshold: number;
  /** On the fold's held-out images. */
  evaluation: Calibration['calibrated'];
}

export interface CrossValidationRun {
  folds: FoldResult[];
  /** Every labelled image once per repeat, scored by the fold that held it out. */
  rows: OutOfFoldRow[];
}

/**
 * Repeated stratified group k-fold over `items`, each outer fold through selectAndFit: per-fold
 * results and the pooled out-of-fold rows. `onFold` sees each fold as it finishes (progress, metrics).
 */
export async function crossValidate<M>(
  trainer: SplitTrainer<M>,
  items: readonly SplitItem[],
  cv: { folds: number; repeats: number },
  options: SelectionOptions,
  rng: Rng,
  onFold?: (result: FoldResult, index: number, total: number) => void,
): Promise<CrossValidationRun> {
  const folds = repeatedStratifiedGroupKFold(items, { folds: cv.folds, repeats: cv.repeats, rng: rng.fork('cv') });
  const results: FoldResult[] = [];
  const rows: OutOfFoldRow[] = [];
  for (const [index, fold] of folds.entries()) {
    const label = `cv-r${fold.repeat + 1}f${fold.fold + 1}`;
    const fit = await selectAndFit(trainer, fold.train, fold.validation, options, rng.fork(`inner-${label}`), label);
    trainer.release(fit.run.model);
    const { temperature, threshold } = fit.calibration;
    fold.validation.forEach((id, i) => rows.push({ id, label: fit.heldOutLabels[i]!, logit: fit.run.logits[i]!, temperature, threshold, repeat: fold.repeat, fold: fold.fold }));
    const result: FoldResult = {
      repeat: fold.repeat,
      fold: fold.fold,
      bestEpoch: fit.epochs,
      innerBestEpochs: fit.inner.map((r) => r.bestEpoch),
      temperature,
      threshold,
      evaluation: fit.calibration.calibrated,
    };
    results.push(result);
    onFold?.(result, index, folds.length);
  }
  return { folds: results, rows };
}

/** One line for the log: which selection ran and what it means for the numbers. */
export function describeSelection(method: SelectionMethod, innerFolds: number): string {
  if (method === 'nested') {
    return `selection: nested — the epoch (median of the inner best epochs), temperature and threshold are chosen on ${innerFolds} group-aware inner folds of each training part, which is then refitted; held-out images only report`;
  }
  if (method === 'fixed') return 'selection: fixed schedule — every epoch trains, the last is kept, no temperature, the configured threshold; nothing is chosen on images';
  return 'selection: notebook — the epoch, temperature and threshold are chosen on the same held-out images that report them, so the reported numbers are optimistic (upper bounds); use selection: nested for estimates';
}
