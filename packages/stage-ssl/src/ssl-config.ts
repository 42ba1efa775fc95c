// The `with:` block of the self-training stage. Defaults are the notebook's loop (11 rounds, pseudo-label threshold
// 0.70 → 0.95, 10 epochs per round at Adam 5e-5 from the best state, strong augmentation); every
// guard against confirmation bias is a switch, off unless named here as on.

import type { JsonSchema } from '@neuro-ssl/core';
import { DEFAULT_ALGORITHM, algorithmRegistry, type AlgorithmRegistry } from './algorithms/registry.js';
import { trainingOptionsSchema, type DeprecatedTrainingOptions, type TrainMode, type TrainingOptions } from '@neuro-ssl/core/learn';

export type ScheduleType = 'linear' | 'linear-reverse' | 'percentile';

export interface ScheduleConfig {
  type: ScheduleType;
  /** Probability thresholds in (0.5, 1), or percentages of the pool in (0, 100] for `percentile`. */
  from: number;
  to: number;
  rounds: number;
}

export type BalanceMode = 'none' | 'rarer' | 'prior';

/** `auto`: `cv` up to CV_LABELLED_LIMIT labelled images, `holdout` above. */
export type EvaluationMode = 'auto' | 'cv' | 'holdout';

/** Up to this many labelled images `evaluation: auto` cross-validates (a 20% holdout would be ≤ 60 images). */
export const CV_LABELLED_LIMIT = 300;

export interface SslCvConfig {
  folds: number;
  repeats: number;
  /** Share of each fold's training labels held out (group-aware) to choose epochs, rounds, temperature and threshold. */
  innerSize: number;
}

/**
 * The self-training stage's options: core's shared training options (per round: epochs, learning
 * rate, loss, augmentation, checkpoint rule; for the final model: threshold, temperature; eceBins,
 * bootstrap) and its own below. `decisionThreshold` is the old name of `threshold`.
 */
export interface SslConfig extends TrainingOptions, DeprecatedTrainingOptions {
  /** A registered algorithm's name (algorithms/registry.ts): `pseudo-label` (the loop below), `fixmatch`, `flexmatch`, or a plugin's. */
  algorithm: string;
  /** The selected algorithm's own options block, keyed by its name (e.g. `fixmatch: {threshold: 0.95}`). */
  fixmatch?: Record<string, unknown>;
  flexmatch?: Record<string, unknown>;
  /** `model`: the input model's own mode. */
  mode: 'model' | TrainMode;
  /** As written: `from`/`to` may be missing (see resolveSchedule). */
  schedule: Partial<ScheduleConfig> & { type: ScheduleType; rounds: number };
  restart: 'cold' | 'continue';
  poolAugment: 'none' | 'weak';
  calibratedSelection: boolean;
  balance: BalanceMode;
  minLabelledPerBatch: number;
  mixup?: { alpha: number };
  softLabels: boolean;
  /** Rounds in a row without improvement before stopping. */
  patience: number;
  maxEce: number;
  poolViews: number;
  evaluation: EvaluationMode;
  cv: SslCvConfig;
  /** Benchmark on one's own data: hide the labels of this share of the labelled images (they join the pool). */
  benchmark?: { hideLabelsOf: number };
}

/** `from`/`to` when the YAML leaves them out: the notebook's thresholds, or 10% → 50% of the pool. */
export const SCHEDULE_DEFAULTS: Record<ScheduleType, { from: number; to: number }> = {
  linear: { from: 0.7, to: 0.95 },
  'linear-reverse': { from: 0.7, to: 0.95 },
  percentile: { from: 10, to: 50 },
};

const bound = (description: string): JsonSchema => ({ type: 'number', description });

export function sslConfigSchema(algorithms: AlgorithmRegistry = algorithmRegistry()): JsonSchema {
  const blocks: Record<string, JsonSchema> = {};
  for (const a of algorithms.values()) if (a.optionsSchema) blocks[a.name] = a.optionsSchema;
  const properties: Record<string, JsonSchema> = {
    algorithm: {
      enum: [...algorithms.keys()],
      default: DEFAULT_ALGORITHM,
      description:
        'The self-training algorithm. `pseudo-label` (default, the notebook\'s): rounds of pseudo-labels above a threshold schedule (`schedule`, `balance`, `patience`, …). ' +
        '`fixmatch` / `flexmatch`: consistency training every step — confident weak-view predictions of the pool train its strong views — for `epochs` passes over the pool at `learningRate`, the epoch chosen on validation like a round; ' +
        'their own options go in a block named after them (`fixmatch: {threshold: 0.95}`). ' +
        describeAlgorithms(algorithms),
    },
    mode: {
      enum: ['model', 'finetune', 'partial', 'probe'],
      default: 'model',
      description:
        '`model`: train in the input model’s own mode; or `finetune` (every layer), `partial` (last backbone stage + head), `probe` (the head alone, on backbone features cached once — a whole run in minutes on a CPU).',
    },
    schedule: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description:
        'Selection per round. `linear`: probability threshold t from `from` to `to` (default 0.70 → 0.95, loosest first; `from` > `to` is a strict → loose curriculum); `linear-reverse`: the same values from `to` back to `from`; ' +
        '`percentile`: the `from`% → `to`% most confident images of the pool (default 10 → 50). A probability p is a positive pseudo-label when p ≥ t and a negative one when p ≤ 1 − t.',
      properties: {
        type: { enum: ['linear', 'linear-reverse', 'percentile'], default: 'linear', description: 'How the threshold (or share of the pool) moves from round to round.' },
        from: bound('First round’s threshold in (0.5, 1), or percentage in (0, 100] for `percentile`; default 0.70 (10 for `percentile`).'),
        to: bound('Last round’s threshold in (0.5, 1), or percentage in (0, 100] for `percentile`; default 0.95 (50 for `percentile`).'),
        rounds: { type: 'integer', minimum: 1, maximum: 100, default: 11, description: 'Self-training rounds (at most: the guards may stop earlier).' },
      },
      allOf: [
        {
          if: { properties: { type: { const: 'percentile' } }, required: ['type'] },
          then: { properties: { from: { exclusiveMinimum: 0, maximum: 100 }, to: { exclusiveMinimum: 0, maximum: 100 } } },
          else: { properties: { from: { exclusiveMinimum: 0.5, exclusiveMaximum: 1 }, to: { exclusiveMinimum: 0.5, exclusiveMaximum: 1 } } },
        },
      ],
    },
    ...trainingOptionsSchema({
      defaults: { epochs: 10, learningRate: 5e-5, augment: 'strong', views: 4 },
      descriptions: {
        epochs: 'Training epochs per round (the round keeps its best epoch).',
        learningRate: 'Adam learning rate of a round (`restart: continue`: of the first round).',
        augment: 'Augmentation of the training images of a round (probe mode trains on cached weak views instead).',
        views: 'Probe mode: weakly augmented views cached per labelled training image.',
        checkpoint:
          "When a round (and an epoch inside it) counts as an improvement on validation (cv: each fold's inner split): `{rule: nll}` (lowest log-loss, the default) or `{rule: brier}`, optionally `tieBreak: rocAuc` within `tolerance`; the notebook's `{rule: prAucOrFBeta, keepFBeta: 0.9}` (formerly `rule: notebook`), or `{rule: metric, metric: prAuc}`. A round that does not improve is rolled back, and patience counts such rounds.",
        threshold:
          'The final model’s decision threshold on the calibrated probability: a number, or `fbeta` (the one maximising F-beta on validation). The baseline is re-scored with the same rule. (Which pool images become pseudo-labels is `schedule`.) Formerly `decisionThreshold`.',
        temperature: 'Refit temperature scaling on the validation logits after every round (and for the baseline).',
        bootstrap: 'Paired bootstrap resamples for the verdict’s 95% intervals (cv: over repeats, folds and out-of-fold images; holdout: over the validation images).',
      },
      deprecated: ['decisionThreshold'],
    }),
    restart: {
      enum: ['cold', 'continue'],
      default: 'cold',
      description: '`cold`: every round starts from the best weights so far with a new Adam at `learningRate`; `continue`: the same Adam carries on, its learning rate divided by 10 each round.',
    },
    poolAugment: { enum: ['none', 'weak'], default: 'none', description: 'Augmentation of the unlabelled images when predicting their pseudo-labels.' },
    calibratedSelection: {
      type: 'boolean',
      default: true,
      description: 'Select on the calibrated probability sigmoid(logit / T), T the current model’s temperature (refitted on validation after every round); false: on sigmoid(logit).',
    },
    balance: {
      enum: ['none', 'rarer', 'prior'],
      default: 'none',
      description: 'Class-balanced selection: `rarer` keeps at most as many per class as the rarer class has (the most confident); `prior` keeps the classes in the labelled training prior.',
    },
    minLabelledPerBatch: {
      type: 'integer',
      minimum: 0,
      maximum: 1024,
      default: 0,
      description: 'At least this many labelled images in every training batch (labelled images are re-drawn when they run out); must be below the batch size. 0: a plain shuffle.',
    },
    mixup: {
      type: 'object',
      additionalProperties: false,
      description: 'Mixup between labelled and pseudo-labelled rows of a batch: x = λx₁ + (1 − λ)x₂, targets and weights alike, λ ~ Beta(α, α) (seeded, max(λ, 1 − λ) so a row stays closest to itself). Omit for none; in probe mode the features are mixed.',
      properties: { alpha: { type: 'number', exclusiveMinimum: 0, maximum: 10, default: 0.4, description: 'α of the Beta distribution.' } },
    },
    softLabels: { type: 'boolean', default: false, description: 'Train on the calibrated probability as the target of a pseudo-label instead of 0/1.' },
    patience: { type: 'integer', minimum: 1, maximum: 100, default: 3, description: 'Stop after this many rounds in a row without improvement.' },
    maxEce: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
      default: 0.6,
      description: 'Stop (and roll the round back) when the round’s validation ECE before temperature scaling reaches this: the model has become confidently wrong.',
    },
    evaluation: {
      enum: ['auto', 'cv', 'holdout'],
      default: 'auto',
      description:
        `How the verdict is estimated. \`cv\`: per outer fold, the supervised baseline and self-training both start from that fold's training labels (epochs, rounds, temperature and threshold chosen on an inner split of them) and are scored on the held-out fold; the pooled out-of-fold predictions of every labelled image give paired differences; the final model is then trained on all labelled images plus the pool with the settings the folds validated. ` +
        `\`holdout\`: the input model's own split, rounds chosen and the verdict computed on its validation images (optimistic). \`auto\`: \`cv\` up to ${CV_LABELLED_LIMIT} labelled images.`,
    },
    cv: {
      type: 'object',
      additionalProperties: false,
      default: {},
      description: '`evaluation: cv`: the outer folds (repeated stratified group k-fold of the labelled images) and the inner split that chooses inside each.',
      properties: {
        folds: { type: 'integer', minimum: 2, maximum: 20, default: 5, description: 'Outer folds per repeat.' },
        repeats: { type: 'integer', minimum: 1, maximum: 10, default: 1, description: 'Repeats of the outer folds, each with a new shuffle (each costs a full set of folds).' },
        innerSize: {
          type: 'number',
          exclusiveMinimum: 0,
          exclusiveMaximum: 1,
          default: 0.25,
          description: "Share of each class of a fold's training labels held out (near-duplicate groups whole) to choose epochs, rounds, temperature and threshold; both arms train on the rest.",
        },
      },
    },
    benchmark: {
      type: 'object',
      additionalProperties: false,
      description:
        'Measure self-training on your own labelled data: hide the labels of a share of it (seeded, stratified, near-duplicate groups whole); those images join the unlabelled pool and their labels only score the pseudo-labels. Needs `evaluation: cv`.',
      properties: {
        hideLabelsOf: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.5, description: 'Share of each class of the labelled images whose labels are hidden.' },
      },
    },
    poolViews: {
      type: 'integer',
      minimum: 0,
      maximum: 64,
      default: 0,
      description: 'Probe mode: weakly augmented views cached per pseudo-labelled image; 0 trains on its clean features (computed for scoring anyway), which keeps a run to one backbone pass over the pool.',
    },
  };
  for (const [name, schema] of Object.entries(blocks)) {
    if (Object.hasOwn(properties, name)) throw new Error(`ssl algorithm '${name}': its options block would shadow the ssl option of the same name`);
    properties[name] = schema;
  }
  return { type: 'object', additionalProperties: false, properties };
}

function describeAlgorithms(algorithms: AlgorithmRegistry): string {
  return `Registered: ${[...algorithms.values()].map((a) => `\`${a.name}\` (${a.description})`).join('; ')}.`;
}

/** The schedule with `from`/`to` filled for its type. */
export function resolveSchedule(schedule: SslConfig['schedule']): ScheduleConfig {
  const d = SCHEDULE_DEFAULTS[schedule.type];
  return { type: schedule.type, rounds: schedule.rounds, from: schedule.from ?? d.from, to: schedule.to ?? d.to };
}

/** What the schema cannot see (the batch size may come from runtime): each problem names its field. */
export function configProblems(config: SslConfig, batchSize: number, algorithms: AlgorithmRegistry = algorithmRegistry()): string[] {
  const problems: string[] = [];
  for (const a of algorithms.values()) {
    if (a.optionsSchema && a.name !== config.algorithm && (config as unknown as Record<string, unknown>)[a.name] !== undefined) {
      problems.push(`with.${a.name} is set, but with.algorithm is ${config.algorithm}: set with.algorithm: ${a.name}, or remove the ${a.name} block`);
    }
  }
  if (config.benchmark && config.evaluation === 'holdout') {
    problems.push('with.benchmark.hideLabelsOf needs with.evaluation: cv (or auto): the input model was trained on some of the labels it would hide');
  }
  if (config.minLabelledPerBatch >= batchSize) {
    problems.push(`with.minLabelledPerBatch (${config.minLabelledPerBatch}) must be smaller than the batch size (${batchSize}), or no pseudo-label would fit in a batch`);
  }
  return problems;
}
