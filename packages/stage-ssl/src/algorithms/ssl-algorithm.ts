// What a self-training algorithm is to the stage. `rounds` is the notebook's pseudo-label loop, which
// the stage runs itself (ssl-loop.ts, its rounds, rollbacks and guards). Any other algorithm trains
// the self-training arm in one go: given the classifier holding the supervised baseline's weights, the
// labelled training images, the pool and a validation split that chooses its epoch, it trains in place
// and says what it did per epoch. The stage does the rest the same way for every algorithm: the
// baseline, calibration, keep-or-roll-back against the baseline, held-out scoring, the verdict, the
// final model (a replay with the epochs the folds validated), metrics and figures.

import type { JsonSchema, LayersModel, Logger, PreprocessConfig, Rng, Tf } from '@neuro-ssl/core';
import type { ImageBatchItem, Normalization, StrongAugmentPolicy } from '@neuro-ssl/core/image';
import type { CheckpointRule, ClassifierSpec, EvaluationOptions, ProbeFeatureCache, TrainItem, TrainMode, ValidationItem } from '@neuro-ssl/core/learn';
import type { ConsistencyEpoch } from './consistency-training.js';

export interface ArmSettings {
  /** Epochs (an epoch: one pass over the pool) and Adam's learning rate: the `with:` block's. */
  epochs: number;
  learningRate: number;
  /** Labelled rows per step (B). */
  batchSize: number;
  weightDecay: number;
  posWeight: number;
  /** Probe: weak views cached per labelled image. */
  views: number;
  /** The strong views' RandAugment policy (`strongAugment`; absent: core's default). */
  strongAugment?: StrongAugmentPolicy;
}

export interface ArmContext {
  tf: Tf;
  mode: TrainMode;
  /** Holds the baseline's weights on entry; trained in place, holding the kept epoch's on return. */
  classifier: LayersModel;
  spec: ClassifierSpec;
  preprocess: PreprocessConfig;
  normalization: Normalization;
  concurrency: number;
  /** Probe mode: the frozen backbone's features (clean, weak and strong views). */
  probe?: ProbeFeatureCache;
  /** Partial mode: the frozen trunk's output per image and view (core's createTrunkCache); absent, partial trains on images. */
  trunk?: ProbeFeatureCache;
  labelled: readonly TrainItem[];
  pool: readonly ImageBatchItem[];
  /** Chooses the epoch (the inner split in cv; the labelled images, under a fixed schedule, for the final model). */
  validation: readonly ValidationItem[];
  settings: ArmSettings;
  /** The epoch rule (`last` for the final model's replay). */
  checkpoint: CheckpointRule;
  evaluation: EvaluationOptions;
  /** The baseline's validation temperature: the pool's probabilities are sigmoid(logit / T). */
  temperature: number;
  /** Share of positives among the labelled training images. */
  prior: number;
  /** Benchmark: the pool's true labels in pool order (NaN: unknown); null outside benchmark mode. */
  truth: Float32Array | null;
  checkpointDir: string;
  resumeKey: string;
  rng: Rng;
  logger: Logger;
  signal?: AbortSignal;
  onEpoch?: (record: ConsistencyEpoch) => void;
}

export interface ArmResult {
  /** 1-based epoch kept (0: none completed). */
  bestEpoch: number;
  history: ConsistencyEpoch[];
  /** The trained model on the validation items. */
  validationLogits: Float32Array;
  /** Pool index → the last pseudo-label that passed its threshold (−1: never) and its confidence. */
  pseudoLabels: { labels: Int32Array; confidences: Float32Array };
}

interface AlgorithmBase {
  name: string;
  /** One line for the log and the schema. */
  description: string;
  /** The schema of its own options block, `with.<name>:` (null: it has none). */
  optionsSchema: JsonSchema | null;
}

/** The stage's own round-based loop (pseudo-labels above a threshold schedule). */
export interface RoundsAlgorithm extends AlgorithmBase {
  kind: 'rounds';
}

/** Trains the arm in one go (FixMatch, FlexMatch, a plugin's). */
export interface ArmAlgorithm<O = Record<string, unknown>> extends AlgorithmBase {
  kind: 'arm';
  /** The options block with defaults filled (the schema validated it). */
  resolve(options: Record<string, unknown> | undefined): O;
  /** What the log says it does with these options. */
  describe(options: O): string;
  train(ctx: ArmContext, options: O): Promise<ArmResult>;
}

// Method syntax keeps an ArmAlgorithm<FixMatchOptions> assignable here: the registry erases option types.
export type SslAlgorithm = RoundsAlgorithm | ArmAlgorithm<unknown>;
