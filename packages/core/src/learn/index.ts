// @neuro-ssl/core/learn — what the training stages share: group-aware splits, binary metrics and
// calibration, the classifier (backbone + head), its training loop, batch sources and the Model artifact.
export {
  itemsForSplit,
  repeatedStratifiedGroupKFold,
  stratifiedGroupSplit,
  type GroupFold,
  type GroupKFoldOptions,
  type SplitItem,
  type StratifiedGroupSplit,
  type StratifiedGroupSplitOptions,
} from '../data/split.js';
// Namespaced: names like `precision` or `sigmoid` are generic.
export * as metrics from '../metrics/index.js';
// Training (shared by the train and self-training stages)
export {
  attachHead,
  buildBackbone,
  buildHead,
  copyHeadWeights,
  featureExtractor,
  initHead,
  isHeadLayer,
  setTrainable,
  type BatchNormMode,
  type ClassifierSpec,
  type HeadConfig,
  type TrainMode,
} from '../training/classifier.js';
export { bceWithLogits, bceWithLogitsValue, type BceOptions } from '../training/bce-loss.js';
export { evaluateBinary, METRIC_NAMES, type BinaryEvaluation, type EvaluationOptions, type MetricName } from '../training/binary-evaluation.js';
export { DEFAULT_CHECKPOINT_RULE, describeRule, improves, type CheckpointRule, type CheckpointScore } from '../training/checkpoint-rule.js';
export { MODEL_JSON, loadModelFolder, restoreOptimizer, restoreWeights, saveModelFolder } from '../training/model-folder.js';
export { epochResults, fit, type BatchSource, type EpochRecord, type EpochResult, type FitOptions, type FitResult, type TrainBatch } from '../training/fit.js';
export { featureBatchSource, imageBatchSource, type BatchPlan, type FeatureViews, type ImageSourceOptions, type TrainItem } from '../training/batch-sources.js';
export { ProbeFeatureCache, type ProbeFeatureOptions } from '../training/probe-features.js';
export { reusableFeatures, type ReusableFeatures } from '../training/reuse-features.js';
export { TRUNK_CACHE_LIMIT_BYTES, createTrunkCache, type TrunkCacheMode, type TrunkCacheOptions } from '../training/trunk-cache.js';
export { imageLogits, type ImageLogitsOptions, type InferenceSetting } from '../training/image-logits.js';
export { trainClassifier, type TrainClassifierOptions, type TrainSettings, type TrainedClassifier, type ValidationItem } from '../training/train-classifier.js';
export { calibrate, type Calibration, type TemperatureStatus, type ThresholdRule } from '../training/calibrate.js';
export { CLASSIFIER_KIND, classNames, classifierArtifact, isClassifierMeta, loadClassifier, upgradeClassifierMeta, type ClassifierMeta, type ClassifierTraining } from '../training/classifier-artifact.js';
// Selection on proper scoring rules, and honest estimates from pooled out-of-fold predictions
export {
  DEFAULT_SELECTION_RULE,
  FIXED_SCHEDULE_RULE,
  PROPER_SCORES,
  TIE_BREAKERS,
  describeScoreRule,
  isScoreRule,
  scoreImproves,
  type FixedScheduleRule,
  type ProperScore,
  type ScoreRule,
  type TieBreaker,
} from '../training/selection.js';
export { evaluateOutOfFold, type OutOfFoldRow, type PooledEvaluationOptions } from '../training/out-of-fold.js';
export {
  foldResample,
  foldStructure,
  outOfFoldIntervals,
  pairedOutOfFoldDeltas,
  pooledEstimate,
  type FoldBootstrapOptions,
  type MetricInterval,
  type MetricIntervals,
  type PairedDelta,
} from '../training/fold-bootstrap.js';
// The shared training options (train, ssl), the checkpoint metrics, and the per-batch loss hook
export { CHECKPOINT_METRICS, type CheckpointMetric } from '../training/checkpoint-rule.js';
export { weightedBceLoss, type BatchLoss, type LossContext } from '../training/fit.js';
export {
  RENAMED_CHECKPOINT_RULES,
  RENAMED_TRAINING_OPTIONS,
  TRAINING_OPTION_NAMES,
  checkpointRuleOf,
  resolveTrainingOptions,
  thresholdRuleOf,
  trainingOptionsSchema,
  type AugmentChoice,
  type CheckpointConfig,
  type DeprecatedTrainingOptions,
  type ResolvedTrainingOptions,
  type ThresholdChoice,
  type TrainingOptionName,
  type TrainingOptions,
  type TrainingOptionsSchemaOptions,
} from '../training/training-options.js';
