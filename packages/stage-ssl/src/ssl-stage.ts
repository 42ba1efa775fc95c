// The self-training stage: DatasetIndex + the train stage's Model → the final Model, every round's
// pseudo-labels, metrics, figures and a verdict against the supervised baseline. Two ways to get the
// verdict: cross-validated (cv-run.ts: both arms scored on held-out folds, the default for small
// labelled sets) or on the input model's holdout split (holdout-run.ts). The loop is ssl-loop.ts; the
// algorithms `with.algorithm` may name are in algorithms/ (a plugin adds its own via createSslStage).

import { defineStage } from '@neuro-ssl/core';
import { algorithmRegistry, getAlgorithm } from './algorithms/registry.js';
import type { SslAlgorithm } from './algorithms/ssl-algorithm.js';
import { classNames as classNamesOf, loadClassifier, resolveTrainingOptions } from '@neuro-ssl/core/learn';
import { runCv } from './cv-run.js';
import { runHoldout } from './holdout-run.js';
import { CV_LABELLED_LIMIT, configProblems, resolveSchedule, sslConfigSchema, type SslConfig } from './ssl-config.js';
import { scheduleRules } from './threshold-schedule.js';

const NAME = '@neuro-ssl/stage-ssl';
// 0.1.1: the pool leaves out near-duplicates of validation images. 0.2.0: the benchmark labels are
// an input (PoolLabels), and the run summary is part of the Metrics output instead of a file of its own.
// 0.3.0: evaluation: cv (a cross-validated verdict and a final model on every labelled image), selection
// on a proper scoring rule by default.
// 0.4.0: with.algorithm (pseudo-label, fixmatch, flexmatch, or a plugin's).
const VERSION = '0.4.0';

export interface SslStageOptions {
  /** Algorithms beside the built-ins (pseudo-label, fixmatch, flexmatch), selectable as `with.algorithm`. */
  algorithms?: readonly SslAlgorithm[];
  /** The stage's package name (a plugin package that re-exports the stage with its algorithms names itself). */
  name?: string;
  version?: string;
}

/**
 * The self-training stage with extra algorithms: a plugin package exports
 * `createSslStage({ algorithms: [myAlgorithm] })` as its stage and is used with `use:` like this one.
 */
export function createSslStage(options: SslStageOptions = {}) {
  const algorithms = algorithmRegistry(options.algorithms ?? []);
  const name = options.name ?? NAME;
  const version = options.version ?? VERSION;
  const plugin = { name, version };
  return defineStage({
    name,
    version,
    description:
      'Self-training — pseudo-label rounds (threshold schedules, guards against confirmation bias, rollback), FixMatch or FlexMatch consistency training, or a plugin’s algorithm — and a verdict against the supervised baseline, cross-validated (both arms scored on held-out folds) or on the input model’s holdout split.',
    configSchema: sslConfigSchema(algorithms),
    // poolLabels: the benchmark's true classes of the pool (empty outside benchmark mode), for reporting only.
    inputs: { dataset: 'DatasetIndex', model: 'Model', poolLabels: 'PoolLabels' },
    // The extract stage's features, when they are the probe's frozen features (same backbone, weights
    // and preprocessing): the pool is then not run through the backbone a second time.
    optionalInputs: { features: 'FeatureTable' },
    outputs: { model: 'Model', pseudoLabels: 'PseudoLabels', metrics: 'Metrics', figures: 'Figure' },

    // Self-training needs a pool: say so before the stages before it run, not after.
    check: (_config: SslConfig, { inputs }) =>
      inputs.dataset && !inputs.dataset.images.some((image) => image.split === 'unlabelled')
        ? [`the dataset under ${inputs.dataset.root} has no unlabelled image (no readable file in data.unlabelled.dir): self-training needs a pool; point data.unlabelled.dir at the unlabelled images, or remove the ssl stage`]
        : [],

    async run(ctx, config: SslConfig, { dataset, model, poolLabels, features }) {
      const handle = await ctx.tf();
      const { tf } = handle;
      const { model: classifier, meta } = await loadClassifier(tf, model);
      try {
        const mode = config.mode === 'model' ? meta.mode : config.mode;
        const training = resolveTrainingOptions(config, ctx.runtime);
        const batchSize = training.settings.batchSize;
        const problems = configProblems(config, batchSize, algorithms);
        const algorithm = getAlgorithm(algorithms, config.algorithm);
        const algorithmOptions = algorithm.kind === 'arm' ? algorithm.resolve((config as unknown as Record<string, Record<string, unknown> | undefined>)[algorithm.name]) : undefined;
        const labelledCount = dataset.images.filter((r) => r.split === 'labelled').length;
        const evaluation = config.evaluation === 'auto' ? (labelledCount <= CV_LABELLED_LIMIT ? 'cv' : 'holdout') : config.evaluation;
        if (config.benchmark && evaluation === 'holdout') problems.push(`with.benchmark.hideLabelsOf needs evaluation: cv (evaluation: auto chose holdout for ${labelledCount} labelled images)`);
        if (problems.length) throw new Error(`invalid ssl config: ${[...new Set(problems)].join('; ')}`);
        if (config.evaluation === 'auto') ctx.logger.info(`evaluation: auto → ${evaluation} (${labelledCount} labelled images, ${evaluation === 'cv' ? 'at most' : 'more than'} ${CV_LABELLED_LIMIT})`);
        if (training.checkpoint.rule === 'prAucOrFBeta') {
          ctx.logger.warn(
            evaluation === 'holdout'
              ? "checkpoint rule prAucOrFBeta (the notebook's) keeps rounds on the validation images that report the verdict, and F-beta and PR-AUC saturate on small validation sets"
              : "checkpoint rule prAucOrFBeta (the notebook's) selects on F-beta and PR-AUC, which saturate on small inner validation sets; rule nll or brier keeps ranking rounds",
          );
        }
        const schedule = resolveSchedule(config.schedule);
        const run = { ctx, config, dataset, poolLabels, ...(features ? { features } : {}), tf, backend: handle.backend, classifier, meta, names: classNamesOf(meta.classes), mode, training, batchSize, schedule, rules: scheduleRules(schedule), algorithm, algorithmOptions };
        return evaluation === 'cv' ? await runCv(run, plugin) : await runHoldout(run, plugin);
      } finally {
        classifier.dispose();
      }
    },
  });
}

export const sslStage = createSslStage();
