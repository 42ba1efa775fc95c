// The options every training stage shares (train, ssl): one schema fragment, one name per idea, and
// one resolver from the validated `with:` block to what core's trainer, checkpoint rule and calibration
// take. A stage spreads the fragment into its own schema, next to its stage-specific options (train's
// split and cross-validation, ssl's schedule and guards), and feeds its config to resolveTrainingOptions.
//
// Renamed spellings stay accepted: the schema marks them (`x-renamedTo` on an old key,
// `x-deprecatedValues` on an old enum value) and the YAML validator rewrites them with a warning that
// names the new one; the resolver also reads them, for configs that never went through the validator.

import type { AugmentLevel } from '../image/augment.js';
import { DEFAULT_STRONG_AUGMENT, MAX_MAGNITUDE, RAND_AUGMENT_OPS, type StrongAugmentPolicy } from '../image/rand-augment.js';
import type { JsonSchema } from '../plugin/stage-plugin.js';
import type { ThresholdRule } from './calibrate.js';
import { CHECKPOINT_METRICS, type CheckpointMetric, type CheckpointRule } from './checkpoint-rule.js';
import { PROPER_SCORES, TIE_BREAKERS, type ProperScore, type TieBreaker } from './selection.js';
import type { TrainSettings } from './train-classifier.js';
import type { TrunkCacheMode } from './trunk-cache.js';

export type AugmentChoice = AugmentLevel | 'none';

/** The checkpoint rule as the YAML writes it (`keepFBeta` defaults to 0.9, `tieBreak` to none, `tolerance` to 0). */
export type CheckpointConfig =
  | { rule: ProperScore; tieBreak?: TieBreaker | 'none'; tolerance?: number }
  | { rule: 'prAucOrFBeta'; keepFBeta?: number }
  | { rule: 'metric'; metric: CheckpointMetric }
  /** Deprecated spelling of `prAucOrFBeta` (the reference notebook's rule). */
  | { rule: 'notebook'; keepFBeta?: number };

/** The decision threshold: a probability, or `fbeta` (the F-beta-optimal one on validation). */
export type ThresholdChoice = number | 'fbeta';

/** The shared training options, as validated (defaults filled). */
export interface TrainingOptions {
  /** Training epochs (ssl: per round). */
  epochs: number;
  /** Adam's learning rate. */
  learningRate: number;
  /** Default: runtime.batchSize. */
  batchSize?: number;
  posWeight: number;
  labelSmoothing: number;
  weightDecay: number;
  augment: AugmentChoice;
  /** How strong the strong view is (absent: DEFAULT_STRONG_AUGMENT; the schema fills a written block's fields). */
  strongAugment?: StrongAugmentPolicy;
  /** Probe: augmented views cached per (labelled) training image. */
  views: number;
  /** Partial: train the top on the frozen trunk's cached output (`views`, the default) or on whole images (`off`). */
  trunkCache?: TrunkCacheMode;
  checkpoint: CheckpointConfig;
  /** The final model's decision threshold on the calibrated probability. */
  threshold: ThresholdChoice;
  /** Fit a temperature on the validation logits. */
  temperature: boolean;
  eceBins: number;
  /** Bootstrap resamples for the 95% intervals. */
  bootstrap: number;
}

/** Old spellings of training options, still read (the validator rewrites them to the new ones). */
export interface DeprecatedTrainingOptions {
  /** ssl's old name of `threshold`. */
  decisionThreshold?: ThresholdChoice;
}

export const TRAINING_OPTION_NAMES = [
  'epochs',
  'learningRate',
  'batchSize',
  'posWeight',
  'labelSmoothing',
  'weightDecay',
  'augment',
  'strongAugment',
  'views',
  'trunkCache',
  'checkpoint',
  'threshold',
  'temperature',
  'eceBins',
  'bootstrap',
] as const satisfies readonly (keyof TrainingOptions)[];
export type TrainingOptionName = (typeof TRAINING_OPTION_NAMES)[number];

/** Old option name → the shared option it is now (the key of `x-renamedTo`). */
export const RENAMED_TRAINING_OPTIONS = { decisionThreshold: 'threshold' } as const satisfies Record<keyof DeprecatedTrainingOptions, TrainingOptionName>;

/** Old checkpoint rule name → the current one (`x-deprecatedValues` of `checkpoint.rule`). */
export const RENAMED_CHECKPOINT_RULES = { notebook: 'prAucOrFBeta' } as const;

export interface TrainingOptionsSchemaOptions {
  /** The defaults that differ between stages (what one training of the stage is). */
  defaults: { epochs: number; learningRate: number; augment: AugmentChoice; views: number };
  /** A stage's own wording of an option (e.g. "per round"); the rest use the shared descriptions. */
  descriptions?: Partial<Record<TrainingOptionName, string>>;
  /** Deprecated spellings this stage still accepts (each must be a key of RENAMED_TRAINING_OPTIONS). */
  deprecated?: readonly (keyof typeof RENAMED_TRAINING_OPTIONS)[];
}

const THRESHOLD_FORMS: JsonSchema[] = [{ type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 }, { const: 'fbeta' }];

/**
 * The JSON Schema `properties` of the shared training options (with defaults and descriptions), to
 * spread into a stage's `with:` schema; deprecated spellings come marked `x-renamedTo`.
 */
export function trainingOptionsSchema(options: TrainingOptionsSchemaOptions): Record<string, JsonSchema> {
  const { defaults } = options;
  const describe = (name: TrainingOptionName, text: string): string => options.descriptions?.[name] ?? text;
  const properties: Record<TrainingOptionName, JsonSchema> = {
    epochs: { type: 'integer', minimum: 1, maximum: 1000, default: defaults.epochs, description: describe('epochs', 'Training epochs.') },
    learningRate: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: defaults.learningRate, description: describe('learningRate', 'Adam learning rate.') },
    batchSize: { type: 'integer', minimum: 2, maximum: 1024, description: describe('batchSize', 'Training batch size; default runtime.batchSize.') },
    posWeight: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 100,
      default: 3,
      description: describe('posWeight', "Weight of the positive (tumour) term of the BCE loss (torch's pos_weight)."),
    },
    labelSmoothing: { type: 'number', minimum: 0, maximum: 0.5, default: 0, description: describe('labelSmoothing', 'Targets y become y(1-ε) + ε/2.') },
    weightDecay: { type: 'number', minimum: 0, maximum: 1, default: 0, description: describe('weightDecay', "L2 penalty added to the gradient (torch Adam's weight_decay).") },
    augment: {
      enum: ['weak', 'strong', 'none'],
      default: defaults.augment,
      description: describe('augment', 'Augmentation of training images (validation is never augmented).'),
    },
    // No default for the block itself: configs that do not write it resolve as before (same cache keys).
    strongAugment: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ops: {
          type: 'integer',
          minimum: 0,
          maximum: RAND_AUGMENT_OPS.length,
          default: DEFAULT_STRONG_AUGMENT.ops,
          description: `Operations per strong view, drawn without replacement from: ${RAND_AUGMENT_OPS.join(', ')} (0: the cutout alone).`,
        },
        magnitude: {
          type: 'number',
          minimum: 0,
          maximum: MAX_MAGNITUDE,
          default: DEFAULT_STRONG_AUGMENT.magnitude,
          description: `Cap of each operation's strength on RandAugment's 0..${MAX_MAGNITUDE} scale (each view draws it uniformly below the cap); ${MAX_MAGNITUDE} = rotate ±30°, shear ±0.3, translate ±30%, contrast/brightness/sharpness ×(1 ± 0.9), gamma 1/1.5..1.5, noise σ 12 grey levels, blur σ 1.5 px, cutout up to half the side.`,
        },
      },
      description: describe(
        'strongAugment',
        `The strong view (\`augment: strong\`, FixMatch's strong branch): a RandAugment policy for greyscale slices — \`ops\` operations per view, each at a random strength up to \`magnitude\`, then a black cutout square. Default {ops: ${DEFAULT_STRONG_AUGMENT.ops}, magnitude: ${DEFAULT_STRONG_AUGMENT.magnitude}} (FixMatch's RandAugment). See it with \`runner inspect-data <experiment.yaml> --augment strong\`.`,
      ),
    },
    views: { type: 'integer', minimum: 1, maximum: 64, default: defaults.views, description: describe('views', 'Probe mode, and partial mode with trunkCache views: weakly augmented views cached per training image.') },
    // No default written: configs that do not set it resolve as before (same cache keys); absent = views.
    trunkCache: {
      enum: ['views', 'off'],
      description: describe(
        'trunkCache',
        '`mode: partial` only. `views` (the default): the frozen part of the backbone (everything before its last stage) runs once per image and per augmented view — `views` weakly augmented views per training image, one clean pass for validation — on ONNX Runtime where available, and the trainable top (last stage + head) trains on that cached output: an epoch costs about a probe epoch plus the top. ' +
          '`off`: every batch runs the whole backbone on images augmented on the fly (a new augmentation each epoch, several times slower). A cache that would exceed 4 GiB falls back to `off` with a warning.',
      ),
    },
    checkpoint: {
      default: { rule: 'nll' },
      description: describe(
        'checkpoint',
        'Which epoch is kept: `{rule: nll}` (lowest validation log-loss, the default) or `{rule: brier}` — proper scoring rules, which keep ranking epochs when F-beta and AUC saturate on a small validation set; `tieBreak: rocAuc | prAuc` decides changes within `tolerance`. ' +
          "Or the notebook's `{rule: prAucOrFBeta, keepFBeta: 0.9}` (PR-AUC or F-beta improves and F-beta ≥ 0.9 × best; formerly `rule: notebook`), or `{rule: metric, metric: prAuc}`.",
      ),
      oneOf: [
        {
          type: 'object',
          additionalProperties: false,
          required: ['rule'],
          properties: {
            rule: { enum: [...PROPER_SCORES] },
            tieBreak: { enum: [...TIE_BREAKERS, 'none'], default: 'none' },
            tolerance: { type: 'number', minimum: 0, maximum: 1, default: 0 },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['rule'],
          properties: {
            rule: { const: 'prAucOrFBeta', 'x-deprecatedValues': { ...RENAMED_CHECKPOINT_RULES } },
            keepFBeta: { type: 'number', minimum: 0, maximum: 1, default: 0.9 },
          },
        },
        {
          type: 'object',
          additionalProperties: false,
          required: ['rule', 'metric'],
          properties: { rule: { const: 'metric' }, metric: { enum: [...CHECKPOINT_METRICS] } },
        },
      ],
    },
    threshold: {
      default: 0.5,
      description: describe('threshold', 'Decision threshold on the calibrated probability: a number, or `fbeta` (the one maximising F-beta on validation).'),
      oneOf: THRESHOLD_FORMS,
    },
    temperature: { type: 'boolean', default: true, description: describe('temperature', 'Fit temperature scaling on the validation logits (stored in the Model).') },
    eceBins: { type: 'integer', minimum: 2, maximum: 100, default: 15, description: describe('eceBins', 'Equal-width bins of the expected calibration error.') },
    bootstrap: { type: 'integer', minimum: 100, maximum: 100000, default: 1000, description: describe('bootstrap', 'Bootstrap resamples for the 95% intervals.') },
  };
  const deprecated: Record<string, JsonSchema> = {};
  for (const old of options.deprecated ?? []) {
    const current = RENAMED_TRAINING_OPTIONS[old];
    const { default: _default, description: _description, ...shape } = properties[current];
    deprecated[old] = { ...shape, 'x-renamedTo': current, deprecated: true, description: `Deprecated: the old name of \`${current}\` (same meaning).` };
  }
  return { ...properties, ...deprecated };
}

/** What the shared options become: the trainer's settings, the checkpoint rule, the calibration. */
export interface ResolvedTrainingOptions {
  /** trainClassifier's settings but for what the stage decides (mode, patience, BatchNorm). */
  settings: Omit<TrainSettings, 'mode' | 'patience' | 'batchNorm'>;
  /** Partial mode: train on the cached trunk (`views`, also when absent) or on images (`off`). */
  trunkCache?: TrunkCacheMode;
  checkpoint: CheckpointRule;
  /** calibrate()'s options but for F-beta's beta (the stage's, or the input model's). */
  calibration: { threshold: ThresholdRule; eceBins: number; temperature: boolean };
  eceBins: number;
  bootstrap: number;
}

/** The shared options of a validated config (old spellings included) → what training takes. */
export function resolveTrainingOptions(config: TrainingOptions & DeprecatedTrainingOptions, runtime: { batchSize: number }): ResolvedTrainingOptions {
  return {
    settings: {
      epochs: config.epochs,
      learningRate: config.learningRate,
      loss: { posWeight: config.posWeight, labelSmoothing: config.labelSmoothing },
      weightDecay: config.weightDecay,
      augment: config.augment === 'none' ? null : config.augment,
      ...(config.strongAugment ? { strongAugment: config.strongAugment } : {}),
      views: config.views,
      batchSize: config.batchSize ?? runtime.batchSize,
    },
    ...(config.trunkCache ? { trunkCache: config.trunkCache } : {}),
    checkpoint: checkpointRuleOf(config.checkpoint),
    calibration: { threshold: thresholdRuleOf(config.decisionThreshold ?? config.threshold), eceBins: config.eceBins, temperature: config.temperature },
    eceBins: config.eceBins,
    bootstrap: config.bootstrap,
  };
}

/** The checkpoint rule of a `checkpoint:` block: defaults filled, the old `notebook` read as `prAucOrFBeta`. */
export function checkpointRuleOf(checkpoint: CheckpointConfig): CheckpointRule {
  if (checkpoint.rule === 'metric') return { rule: 'metric', metric: checkpoint.metric };
  if (checkpoint.rule === 'prAucOrFBeta' || checkpoint.rule === 'notebook') return { rule: 'prAucOrFBeta', keepFBeta: checkpoint.keepFBeta ?? 0.9 };
  const tieBreak = checkpoint.tieBreak === undefined || checkpoint.tieBreak === 'none' ? null : checkpoint.tieBreak;
  return { rule: checkpoint.rule, tieBreak, tolerance: checkpoint.tolerance ?? 0 };
}

/** `threshold:` → calibrate()'s rule. */
export function thresholdRuleOf(threshold: ThresholdChoice): ThresholdRule {
  return threshold === 'fbeta' ? { rule: 'fbeta' } : { rule: 'fixed', value: threshold };
}
