// The train stage: DatasetIndex → Model (best checkpoint, calibrated) + Metrics + Figures.
// Split (groups kept whole) → train in the configured mode with core's trainer → temperature and
// threshold on validation → bootstrap intervals → optional repeated k-fold for the spread.

import path from 'node:path';
import { defineStage, type DatasetIndex, type ImageRecord, type LayersModel, type StageContext } from '@neuro-ssl/core';
import { DataError } from '@neuro-ssl/core/data';
import { ProbeFeatureCache, attachHead, buildBackbone, calibrate, classifierArtifact, itemsForSplit, repeatedStratifiedGroupKFold, resolveTrainingOptions, saveModelFolder, stratifiedGroupSplit, trainClassifier, type BinaryEvaluation, type Calibration, type ClassifierMeta, type ClassifierSpec, type TrainedClassifier } from '@neuro-ssl/core/learn';
import { resolveBackboneConfig, resolveWeights, seededInit, weightsFingerprint, weightsProblems } from '@neuro-ssl/core/models';
import { stableStringify } from '@neuro-ssl/core/util';
import { createHash } from 'node:crypto';
import { foldIntervals, formatInterval, validationIntervals, type MetricIntervals } from './metric-intervals.js';
import { trainConfigSchema, type TrainConfig } from './train-config.js';
import { renderTrainFigures } from './train-figures.js';

/** One training on one split: the classifier (best weights), its history and calibration. */
export interface SplitResult {
  classifier: LayersModel;
  trained: TrainedClassifier;
  calibration: Calibration;
  validationLabels: number[];
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

    // A backbone with the configured weights (seeded when `weights: none`): the same start for every fold.
    const makeBackbone = async (): Promise<LayersModel> => {
      const backbone = buildBackbone(tf, spec);
      if (weights.source) await definition.loadWeights(tf, backbone, weights.source);
      else seededInit(tf, backbone, ctx.rng.fork('init'));
      return backbone;
    };
    // Probe: one frozen backbone computes the features every fold reuses.
    let probeBackbone: LayersModel | null = null;
    let probe: ProbeFeatureCache | undefined;
    if (config.mode === 'probe') {
      probeBackbone = await makeBackbone();
      probe = new ProbeFeatureCache(tf, probeBackbone, {
        preprocess,
        normalization,
        batchSize,
        concurrency: ctx.runtime.concurrency,
        featureDim: definition.featureDim({ imageSize, width }),
        rng: ctx.rng.fork('views'),
        progress: ctx.progress,
        signal: ctx.signal,
        logger: ctx.logger,
      });
    }

    // With cross-validation every labelled image trains in some fold and validates in another: cache
    // all views and clean features in two passes rather than a few images per fold.
    if (probe && config.cv) {
      const all = items.map((i) => ({ id: i.id, path: records.get(i.id)!.path }));
      await probe.clean(all);
      await probe.views(all, config.views);
    }

    const trainOn = async (trainIds: readonly string[], validationIds: readonly string[], label: string): Promise<SplitResult> => {
      const record = (id: string): ImageRecord => records.get(id)!;
      const classifier = attachHead(tf, await makeBackbone(), spec);
      const trained = await trainClassifier(tf, {
        spec,
        classifier,
        settings: {
          mode: config.mode,
          ...training.settings,
          batchNorm: config.batchNorm,
          ...(config.patience !== undefined ? { patience: config.patience } : {}),
        },
        preprocess,
        normalization,
        concurrency: ctx.runtime.concurrency,
        train: trainIds.map((id) => ({ id, path: record(id).path, target: record(id).label })),
        validation: validationIds.map((id) => ({ id, path: record(id).path, label: record(id).label })),
        evaluation: { threshold: 0.5, beta: config.beta, eceBins: config.eceBins },
        checkpoint: training.checkpoint,
        checkpointDir: path.join(ctx.checkpointDir, label),
        resumeKey: resumeKey(config, trainIds, validationIds, ctx.seed, label),
        rng: ctx.rng.fork(`train-${label}`),
        logger: ctx.logger,
        progress: ctx.progress,
        signal: ctx.signal,
        label,
        initHead: true,
        ...(probe ? { probe } : {}),
        onEpoch: (r) => ctx.metric({ phase: 'epoch', split: label, ...r }),
      });
      ctx.signal.throwIfAborted();
      const validationLabels = validationIds.map((id) => record(id).label);
      const calibration = calibrate(validationLabels, trained.validationLogits, { ...training.calibration, beta: config.beta });
      return { classifier, trained, calibration, validationLabels };
    };

    let main: SplitResult | undefined;
    try {
      main = await trainOn(split.train, split.validation, 'main');
      const { calibration, trained } = main;
      const best = trained.history[trained.bestEpoch - 1];
      if (calibration.temperatureStatus === 'at-bound') {
        ctx.logger.warn('temperature scaling: the validation logits separate the classes perfectly, so the NLL keeps falling as T → 0; T is not identifiable and stays 1');
      }
      ctx.logger.info(
        `best epoch ${trained.bestEpoch}/${trained.history.length}; temperature ${calibration.temperature.toFixed(3)}, threshold ${calibration.threshold.toFixed(3)}; ` +
          `ECE ${calibration.raw.ece.toFixed(3)} → ${calibration.calibrated.ece.toFixed(3)} after temperature scaling`,
      );
      const evaluationOptions = { threshold: calibration.threshold, beta: config.beta, eceBins: config.eceBins, temperature: calibration.temperature };
      const intervals = validationIntervals(main.validationLabels, trained.validationLogits, {
        ...evaluationOptions,
        resamples: config.bootstrap,
        rng: ctx.rng.fork('bootstrap'),
      });
      logIntervals(ctx, `validation (${main.validationLabels.length} images, 95% bootstrap over images)`, intervals, config.beta);

      let cv: CrossValidation | null = null;
      if (config.cv) {
        const folds = repeatedStratifiedGroupKFold(items, { folds: config.cv.folds, repeats: config.cv.repeats, rng: ctx.rng.fork('cv') });
        const results: FoldResult[] = [];
        for (const fold of folds) {
          const label = `cv-r${fold.repeat + 1}f${fold.fold + 1}`;
          const r = await trainOn(fold.train, fold.validation, label);
          r.classifier.dispose();
          r.trained.optimizer.dispose();
          results.push({ repeat: fold.repeat, fold: fold.fold, bestEpoch: r.trained.bestEpoch, evaluation: r.calibration.calibrated, temperature: r.calibration.temperature, threshold: r.calibration.threshold });
          ctx.metric({ phase: 'cv-fold', repeat: fold.repeat + 1, fold: fold.fold + 1, bestEpoch: r.trained.bestEpoch, ...r.calibration.calibrated });
        }
        cv = { folds: results, intervals: foldIntervals(results.map((r) => r.evaluation), { resamples: config.bootstrap, rng: ctx.rng.fork('cv-bootstrap') }) };
        logIntervals(ctx, `cross-validation (${config.cv.repeats}×${config.cv.folds} folds, mean and 95% bootstrap over folds)`, cv.intervals, config.beta);
      }

      ctx.headline(
        `best epoch ${trained.bestEpoch}: validation (${main.validationLabels.length} images) ${headlineOf(intervals, config.beta)}` +
          (cv ? `; cross-validation (${config.cv?.repeats}×${config.cv?.folds}) ${headlineOf(cv.intervals, config.beta)}` : ''),
      );
      const modelDir = path.join(ctx.workDir, 'model');
      await saveModelFolder(tf, main.classifier, modelDir, trained.optimizer);
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
      };
      const figures = await renderTrainFigures({
        history: trained.history,
        bestEpoch: trained.bestEpoch,
        labels: main.validationLabels,
        logits: trained.validationLogits,
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
            history: trained.history,
            split: { train: split.train.length, validation: split.validation.length, movedGroups: split.movedGroups, report: split.report },
            cv,
            weights: weights.identity,
            backend: handle.backend,
          },
        },
        figures,
      };
    } finally {
      // Saved to disk by now: the tensors can go (the runner may run further stages in this process).
      main?.classifier.dispose();
      main?.trained.optimizer.dispose();
      probeBackbone?.dispose();
    }
  },
});

interface FoldResult {
  repeat: number;
  fold: number;
  bestEpoch: number;
  evaluation: BinaryEvaluation;
  temperature: number;
  threshold: number;
}

interface CrossValidation {
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
  ];
  ctx.logger.info(`${what}: ${names.map(([k, n]) => `${n} ${formatInterval(intervals[k])}`).join(', ')}`);
}

/** Config, split and seed: a checkpoint left by another of these is not resumed. */
function resumeKey(config: TrainConfig, train: readonly string[], validation: readonly string[], seed: number, label: string): string {
  return createHash('sha256').update(stableStringify({ config, train, validation, seed, label })).digest('hex');
}

