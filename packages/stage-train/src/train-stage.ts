// The train stage: DatasetIndex → Model (calibrated) + Metrics + Figures.
// Split (groups kept whole) → epoch, temperature and threshold chosen without the validation images
// (nested inner folds, a fixed schedule, or the notebook's way: nested-cv.ts) → train in the
// configured mode with core's trainer → bootstrap intervals → optional repeated k-fold, pooled out of fold.

import path from 'node:path';
import { defineStage, type DatasetIndex, type ImageRecord, type LayersModel, type Logger, type StageContext } from '@neuro-ssl/core';
import { DataError } from '@neuro-ssl/core/data';
import { FIXED_SCHEDULE_RULE, ProbeFeatureCache, attachHead, createTrunkCache, buildBackbone, classifierArtifact, epochResults, itemsForSplit, outOfFoldIntervals, resolveTrainingOptions, saveModelFolder, stratifiedGroupSplit, trainClassifier, type ClassifierMeta, type ClassifierSpec, type TrainedClassifier } from '@neuro-ssl/core/learn';
import { resolveBackboneConfig, resolveWeights, seededInit, weightsFingerprint, weightsProblems } from '@neuro-ssl/core/models';
import { stableStringify } from '@neuro-ssl/core/util';
import { createHash } from 'node:crypto';
import { foldIntervals, formatInterval, validationIntervals, type MetricIntervals } from './metric-intervals.js';
import { crossValidate, describeSelection, selectAndFit, type FoldResult, type SelectionOptions, type SplitTrainer, type TrainedRun } from './nested-cv.js';
import { trainConfigSchema, type TrainConfig } from './train-config.js';
import { renderTrainFigures } from './train-figures.js';

/** What one training leaves: the classifier (kept epoch's weights) and its Adam. */
export interface TrainedModel {
  classifier: LayersModel;
  optimizer: TrainedClassifier['optimizer'];
}

function checkBinary(dataset: DatasetIndex): Record<number, string> {
  const labels = Object.values(dataset.classes).sort();
  if (labels.length !== 2 || labels[0] !== 0 || labels[1] !== 1) {
    throw DataError.fromIssues('data.labelled.classes', [
      `the train stage is binary: data.labelled.classes must map one class to 1 (the tumour) and one to 0, got ${JSON.stringify(dataset.classes)}`,
    ]);
  }
  return Object.fromEntries(Object.entries(dataset.classes).map(([name, label]) => [label, name]));
}

export const trainStage = defineStage({
  name: '@neuro-ssl/stage-train',
  version: '0.1.0',
  description: 'Supervised training of a backbone + head on the labelled images (finetune, partial or probe), calibrated, with the best checkpoint.',
  configSchema: trainConfigSchema(),
  inputs: { dataset: 'DatasetIndex' },
  outputs: { model: 'Model', metrics: 'Metrics', figures: 'Figure' },

  fingerprint: (config: TrainConfig, env) => weightsFingerprint(config, env.experimentDir),
  check: (config: TrainConfig, env) => weightsProblems(config, env.experimentDir),

  async run(ctx, config: TrainConfig, { dataset }) {
    const labelNames = checkBinary(dataset);
    const items = itemsForSplit(dataset);
    const itemById = new Map(items.map((i) => [i.id, i]));
    const records = new Map(dataset.images.map((r) => [r.id, r]));
    const split = stratifiedGroupSplit(items, { testSize: config.testSize, rng: ctx.rng.fork('split'), labelNames });
    ctx.logger.info(split.report);

    const { definition, width, imageSize, normalization } = resolveBackboneConfig(config, dataset.preprocess.imageSize, ctx.logger);
    const preprocess = { ...dataset.preprocess, imageSize };
    const spec: ClassifierSpec = { backbone: definition.name, width, imageSize, head: config.head };
    const handle = await ctx.tf();
    const { tf } = handle;
    const weights = await resolveWeights(definition, config.weights, { baseDir: ctx.experimentDir, logger: ctx.logger, progress: ctx.progress });
    const training = resolveTrainingOptions(config, ctx.runtime);
    const batchSize = training.settings.batchSize;
    ctx.logger.info(
      `training ${definition.name} (width ${width}, ${imageSize}px, ${normalization.name}) + ${config.head.type} head, mode ${config.mode}, on ${handle.backend}: ` +
        `${config.epochs} epochs, Adam lr ${config.learningRate}, batch ${batchSize}, pos_weight ${config.posWeight}`,
    );
    const method = config.selection.method;
    if (method === 'fixed' && config.threshold === 'fbeta') throw new Error('invalid train config: with.selection.method fixed chooses nothing on images, so with.threshold must be a number, not fbeta');
    ctx.logger[method === 'notebook' ? 'warn' : 'info'](describeSelection(method, config.selection.innerFolds));
    if (training.checkpoint.rule === 'prAucOrFBeta') {
      ctx.logger.warn(
        method === 'notebook'
          ? "checkpoint rule prAucOrFBeta (the notebook's) selects the epoch on the images that report it; F-beta and PR-AUC also saturate on small validation sets"
          : "checkpoint rule prAucOrFBeta (the notebook's) selects on F-beta and PR-AUC, which saturate on small validation sets; rule nll or brier keeps ranking epochs",
      );
    }

    // A backbone with the configured weights (seeded when `weights: none`): the same start for every fold.
    const makeBackbone = async (): Promise<LayersModel> => {
      const backbone = buildBackbone(tf, spec);
      if (weights.source) await definition.loadWeights(tf, backbone, weights.source);
      else seededInit(tf, backbone, ctx.rng.fork('init'));
      return backbone;
    };
    // Forward passes that train nothing (cached features, validation predictions) run on this engine.
    const inference = { request: ctx.runtime.inference, threads: ctx.runtime.threads };
    const cacheOptions = {
      preprocess,
      normalization,
      batchSize,
      concurrency: ctx.runtime.concurrency,
      rng: ctx.rng.fork('views'),
      progress: ctx.progress,
      signal: ctx.signal,
      logger: ctx.logger,
      inference,
    };
    // Probe: one frozen backbone computes the features every fold reuses. Partial (trunkCache: views):
    // one frozen trunk computes the activations every fold's top trains on.
    let frozenBackbone: LayersModel | null = null;
    let probe: ProbeFeatureCache | undefined;
    let trunk: ProbeFeatureCache | undefined;
    if (config.mode === 'probe') {
      frozenBackbone = await makeBackbone();
      probe = new ProbeFeatureCache(tf, frozenBackbone, { ...cacheOptions, featureDim: definition.featureDim({ imageSize, width }) });
    } else if (config.mode === 'partial' && training.trunkCache !== 'off') {
      frozenBackbone = await makeBackbone();
      trunk = createTrunkCache(tf, frozenBackbone, definition.name, { ...cacheOptions, images: items.length, views: config.views }) ?? undefined;
    }

    // With cross-validation every labelled image trains in some fold and validates in another: cache
    // all views and clean features in two passes rather than a few images per fold.
    const cache = probe ?? trunk;
    if (cache && config.cv) {
      const all = items.map((i) => ({ id: i.id, path: records.get(i.id)!.path }));
      await cache.clean(all);
      await cache.views(all, config.views);
    }

    // Inner trainings are many and only choose: their epochs go to the debug log.
    const innerLogger: Logger = {
      debug: (m) => ctx.logger.debug(m),
      info: (m) => ctx.logger.debug(m),
      warn: (m) => ctx.logger.warn(m),
      error: (m) => ctx.logger.error(m),
      child: (scope) => ctx.logger.child(scope),
    };
    /** One training: the best epoch by the checkpoint rule, or (`fixedEpochs`) exactly that many epochs, the last kept. */
    const runTraining = async (trainIds: readonly string[], validationIds: readonly string[], label: string, fixedEpochs?: number): Promise<TrainedRun<TrainedModel>> => {
      const record = (id: string): ImageRecord => records.get(id)!;
      const classifier = attachHead(tf, await makeBackbone(), spec);
      const fixed = fixedEpochs !== undefined;
      const trained = await trainClassifier(tf, {
        spec,
        classifier,
        settings: {
          mode: config.mode,
          ...training.settings,
          ...(fixed ? { epochs: fixedEpochs } : {}),
          batchNorm: config.batchNorm,
          ...(config.patience !== undefined && !fixed ? { patience: config.patience } : {}),
        },
        preprocess,
        normalization,
        concurrency: ctx.runtime.concurrency,
        train: trainIds.map((id) => ({ id, path: record(id).path, target: record(id).label })),
        validation: validationIds.map((id) => ({ id, path: record(id).path, label: record(id).label })),
        evaluation: { threshold: 0.5, beta: config.beta, eceBins: config.eceBins },
        checkpoint: fixed ? FIXED_SCHEDULE_RULE : training.checkpoint,
        checkpointDir: path.join(ctx.checkpointDir, label),
        resumeKey: resumeKey(config, trainIds, validationIds, ctx.seed, fixed ? `${label}@${fixedEpochs}` : label),
        rng: ctx.rng.fork(`train-${label}`),
        logger: label.includes('-inner') ? innerLogger : ctx.logger,
        progress: ctx.progress,
        signal: ctx.signal,
        label,
        initHead: true,
        ...(probe ? { probe } : {}),
        ...(trunk ? { trunk } : {}),
        inference,
        onEpoch: (r) => ctx.metric({ phase: 'epoch', split: label, ...r }),
      });
      ctx.signal.throwIfAborted();
      return { model: { classifier, optimizer: trained.optimizer }, bestEpoch: trained.bestEpoch, history: trained.history, logits: trained.validationLogits };
    };
    const trainer: SplitTrainer<TrainedModel> = {
      select: (train, validation, label) => runTraining(train, validation, label),
      fixed: (train, score, epochs, label) => runTraining(train, score, label, epochs),
      release: ({ classifier, optimizer }) => {
        classifier.dispose();
        optimizer.dispose();
      },
    };
    const selection: SelectionOptions = {
      method,
      innerFolds: config.selection.innerFolds,
      epochs: config.epochs,
      calibration: { ...training.calibration, beta: config.beta },
      items: itemById,
    };

    let main: TrainedModel | undefined;
    try {
      const fit = await selectAndFit(trainer, split.train, split.validation, selection, ctx.rng.fork('inner-main'), 'main');
      main = fit.run.model;
      const { calibration } = fit;
      const trained = fit.run;
      const validationLabels = fit.heldOutLabels;
      const best = trained.history[trained.bestEpoch - 1];
      if (calibration.temperatureStatus === 'at-bound') {
        ctx.logger.warn(`temperature scaling: the logits it is fitted on (${fit.chosenOn}) separate the classes perfectly, so the NLL keeps falling as T → 0; T is not identifiable and stays 1`);
      }
      const epochs =
        fit.method === 'nested'
          ? `${fit.epochs} epochs (median of the inner folds' best epochs ${fit.inner.map((r) => r.bestEpoch).join(', ')}), refitted on the ${split.train.length} training images`
          : `best epoch ${trained.bestEpoch}/${trained.history.length}`;
      ctx.logger.info(
        `${epochs}; temperature ${calibration.temperature.toFixed(3)}, threshold ${calibration.threshold.toFixed(3)} (chosen on ${fit.chosenOn}); ` +
          `ECE on validation ${calibration.raw.ece.toFixed(3)} → ${calibration.calibrated.ece.toFixed(3)} after temperature scaling`,
      );
      const evaluationOptions = { threshold: calibration.threshold, beta: config.beta, eceBins: config.eceBins, temperature: calibration.temperature };
      const intervals = validationIntervals(validationLabels, trained.logits, {
        ...evaluationOptions,
        resamples: config.bootstrap,
        rng: ctx.rng.fork('bootstrap'),
      });
      logIntervals(ctx, `validation (${validationLabels.length} images, 95% bootstrap over images)`, intervals, config.beta);

      let cv: CrossValidation | null = null;
      if (config.cv) {
        const { folds, repeats } = config.cv;
        const run = await crossValidate(trainer, items, config.cv, selection, ctx.rng, (r, index, total) => {
          const e = r.evaluation;
          ctx.logger.info(
            `cross-validation fold ${index + 1}/${total} (repeat ${r.repeat + 1}/${repeats}, fold ${r.fold + 1}/${folds}): ${r.bestEpoch} epochs, temperature ${r.temperature.toFixed(3)}, threshold ${r.threshold.toFixed(3)}; ` +
              `held out (${e.n} images): F${config.beta} ${e.fBeta.toFixed(3)}, ROC-AUC ${e.rocAuc?.toFixed(3) ?? 'n/a'}, NLL ${e.nll.toFixed(3)}`,
          );
          ctx.metric({ phase: 'cv-fold', repeat: r.repeat + 1, fold: r.fold + 1, bestEpoch: r.bestEpoch, ...e });
        });
        const pooled = method !== 'notebook';
        const cvIntervals = pooled
          ? outOfFoldIntervals(run.rows, { beta: config.beta, eceBins: config.eceBins, resamples: config.bootstrap, rng: ctx.rng.fork('cv-bootstrap') })
          : foldIntervals(run.folds.map((r) => r.evaluation), { resamples: config.bootstrap, rng: ctx.rng.fork('cv-bootstrap') });
        const estimate = pooled
          ? `pooled out-of-fold predictions of ${items.length} images, 95% bootstrap over repeats, folds and images`
          : 'mean and 95% bootstrap over folds';
        cv = { method, estimate, folds: run.folds, intervals: cvIntervals };
        logIntervals(ctx, `cross-validation (${repeats}×${folds} folds, selection ${method}; ${estimate})`, cv.intervals, config.beta);
      }

      ctx.headline(
        `best epoch ${trained.bestEpoch}: validation (${validationLabels.length} images) ${headlineOf(intervals, config.beta)}` +
          (cv ? `; cross-validation (${config.cv?.repeats}×${config.cv?.folds}, ${method}) ${headlineOf(cv.intervals, config.beta)}` : ''),
      );
      const modelDir = path.join(ctx.workDir, 'model');
      await saveModelFolder(tf, main.classifier, modelDir, main.optimizer);
      const meta: ClassifierMeta = {
        kind: 'neuro-ssl/binary-classifier',
        spec,
        mode: config.mode,
        preprocess,
        normalization,
        classes: dataset.classes,
        temperature: calibration.temperature,
        threshold: calibration.threshold,
        beta: config.beta,
        epoch: trained.bestEpoch,
        metrics: { ...calibration.calibrated, eceBeforeTemperature: calibration.raw.ece, valLoss: best?.valLoss ?? null },
        split: { train: split.train, validation: split.validation },
        weights: weights.identity,
        backend: handle.backend,
        seed: ctx.seed,
        training: {
          settings: { ...training.settings, batchNorm: config.batchNorm, ...(config.patience !== undefined ? { patience: config.patience } : {}) },
          checkpoint: training.checkpoint,
          calibration: { threshold: training.calibration.threshold, temperature: training.calibration.temperature },
        },
      };
      const figures = await renderTrainFigures({
        history: trained.history,
        bestEpoch: trained.bestEpoch,
        labels: validationLabels,
        logits: trained.logits,
        calibration,
        classNames: [labelNames[0] ?? '0', labelNames[1] ?? '1'],
        beta: config.beta,
        eceBins: config.eceBins,
        title: `${definition.name} ${config.mode}`,
      });
      const c = calibration.calibrated;
      return {
        model: classifierArtifact(modelDir, meta),
        metrics: {
          values: numericValues({
            ...c,
            eceBeforeTemperature: calibration.raw.ece,
            temperature: calibration.temperature,
            threshold: calibration.threshold,
            bestEpoch: trained.bestEpoch,
            epochs: trained.history.length,
          }),
          confusionMatrix: [
            [c.tn, c.fp],
            [c.fn, c.tp],
          ],
          extra: {
            intervals,
            uncalibrated: calibration.raw,
            temperatureStatus: calibration.temperatureStatus,
            // Without the per-epoch wall-clock timings: the Metrics are hashed, and the same training
            // must give the same bytes. The timings are in the `phase: epoch` metric lines.
            history: epochResults(trained.history),
            split: { train: split.train.length, validation: split.validation.length, movedGroups: split.movedGroups, report: split.report },
            selection: {
              method,
              ...(method === 'nested' ? { innerFolds: config.selection.innerFolds, innerBestEpochs: fit.inner.map((r) => r.bestEpoch) } : {}),
              epochs: fit.epochs,
              chosenOn: fit.chosenOn,
              note: describeSelection(method, config.selection.innerFolds),
            },
            cv,
            ...(config.mode === 'partial' ? { trunkCache: trunk ? 'views' : 'off' } : {}),
            weights: weights.identity,
            backend: handle.backend,
          },
        },
        figures,
      };
    } finally {
      // Saved to disk by now: the tensors can go (the runner may run further stages in this process).
      if (main) trainer.release(main);
      await probe?.dispose();
      await trunk?.dispose();
      frozenBackbone?.dispose();
    }
  },
});

interface CrossValidation {
  method: string;
  /** How the intervals were computed. */
  estimate: string;
  folds: FoldResult[];
  intervals: MetricIntervals;
}

function numericValues(record: Record<string, unknown>): Record<string, number> {
  return Object.fromEntries(Object.entries(record).filter((e): e is [string, number] => typeof e[1] === 'number'));
}

function headlineOf(i: MetricIntervals, beta: number): string {
  return `F${beta} ${formatInterval(i.fBeta)}, PR-AUC ${formatInterval(i.prAuc)}, ROC-AUC ${formatInterval(i.rocAuc)}, ECE ${formatInterval(i.ece)}`;
}

function logIntervals(ctx: StageContext, what: string, intervals: MetricIntervals, beta: number): void {
  const names: [keyof MetricIntervals, string][] = [
    ['fBeta', `F${beta}`],
    ['precision', 'precision'],
    ['recall', 'recall'],
    ['accuracy', 'accuracy'],
    ['rocAuc', 'ROC-AUC'],
    ['prAuc', 'PR-AUC'],
    ['ece', 'ECE'],
    ['brier', 'Brier'],
    ['nll', 'NLL'],
  ];
  ctx.logger.info(`${what}: ${names.map(([k, n]) => `${n} ${formatInterval(intervals[k])}`).join(', ')}`);
}

/** Config, split and seed: a checkpoint left by another of these is not resumed. */
function resumeKey(config: TrainConfig, train: readonly string[], validation: readonly string[], seed: number, label: string): string {
  return createHash('sha256').update(stableStringify({ config, train, validation, seed, label })).digest('hex');
}

