// @neuro-ssl/core — the shared toolkit. Knows no stage: plugin API, artifact kinds and store,
// experiment config, dataset scan, image pipeline, TensorFlow runtime, logging and progress.

// Plugin API
export { defineStage, isStagePlugin } from './plugin/stage-plugin.js';
export { createTestContext, type TestContextOptions } from './plugin/test-context.js';
export type { AnyStagePlugin, JsonSchema, MetricRecord, PortSpec, PortValues, StageContext, StagePlugin } from './plugin/stage-plugin.js';

// Artifacts
export { ARTIFACT_KINDS, isArtifactKind } from './artifacts/kinds.js';
export type {
  ArtifactKind,
  ArtifactOf,
  ArtifactTypes,
  ClusterReport,
  ClusterResult,
  Contingency,
  Embedding,
  FeatureTable,
  Figure,
  FigureFile,
  Metrics,
  ModelArtifact,
  PseudoLabel,
  PseudoLabels,
} from './artifacts/kinds.js';
export { CODECS, FEATURES_FILE, PSEUDO_LABELS_FILE, codecFor, featureColumnName, type ArtifactCodec } from './artifacts/codecs.js';
export { ArtifactStore, hashDirectory, stageKey } from './artifacts/artifact-store.js';
export type { ArtifactRef, OutputValues, StageKeyParts, StageRecord, CacheEntryInfo } from './artifacts/artifact-store.js';

// Experiment config
export type { DataConfig, ExperimentConfig, PreprocessConfig, RuntimeConfig, StageConfig } from './config/experiment.js';
export { ConfigError, formatConfigIssue, formatConfigPath, type ConfigIssue } from './config/config-error.js';
export { YamlSource, type ConfigPath, type SourcePosition } from './config/yaml-source.js';
export { validateWithSchema, type ValidateOptions, type ValidateResult } from './config/validate-schema.js';
export { suggest, editDistance } from './util/suggest.js';
export { loadExperiment, parseExperiment, stringifyResolvedConfig, defaultStageId, type LoadedExperiment } from './config/load-experiment.js';
export { experimentSchema } from './config/experiment-schema.js';
export { LABELS_FILE_FORMAT, parseLabelsFile, readLabelsFile, type LabelsFileOptions } from './config/labels-file.js';
export { renderConfigReference } from './config/config-reference.js';

// TensorFlow runtime
export { BACKEND_PREFERENCE, type BackendName, type BackendRequest, type LayersModel, type Tensor, type Tf, type TfHandle } from './tf/types.js';
export {
  loadTensorflow,
  BackendUnavailableError,
  backendSupportsTraining,
  kernelAvailable,
  missingKernels,
  installHint,
} from './tf/runtime.js';
export { registerWasmTrainingKernels, WASM_REPLACED_KERNELS, WASM_TRAINING_KERNELS } from './tf/wasm-training-kernels.js';

// Logging and progress
export { createLogger, consoleSink, filterSink, silentLogger, type Logger, type LogLevel, type LogSink } from './progress/logger.js';
export type { Progress, ProgressFactory, ProgressOptions } from './progress/progress.js';
export { createProgressFactory, createRunLogSink, type ProgressReporter } from './progress/progress-reporter.js';

// Utilities
export { createRng, deriveSeed, type Rng } from './util/rng.js';
export { writeFileAtomic, writeFileExclusive, writeJsonAtomic } from './util/atomic.js';
export { stableStringify } from './util/stable-json.js';

// Dataset scan
export type { BadFile, BadFileReason, DatasetIndex, DuplicateGroup, ImageFormat, ImageRecord, Split } from './data/dataset-index.js';
export { scanDataset, type ScanOptions } from './data/scan-dataset.js';
export { DataError } from './data/data-error.js';
export { buildDataReport, writeDataReport, formatDatasetSummary, formatScanSummary, type DataReport } from './data/data-report.js';
export { findNearDuplicateGroups, splitGroupKeys } from './data/near-duplicates.js';
export { computeDhash, hammingDistance } from './data/dhash.js';
export { sniffFormat } from './data/sniff-format.js';
export { writeSyntheticScans, type SyntheticScanOptions, type SyntheticScans } from './data/synthetic-scans.js';

// Image pipeline
export type { GreyImage, PixelBox } from './image/grey-image.js';
export { createGreyImage, cropGreyImage, padToSquare } from './image/grey-image.js';
export { decodeGrey, loadGreyImage } from './image/decode.js';
export { normaliseIntensity } from './image/intensity-normalise.js';
export { clahe, type ClaheOptions } from './image/clahe.js';
export { findBrainBox, cropToBrain, type BrainCropOptions } from './image/brain-crop.js';
export { resizeGrey } from './image/resize.js';
export { preprocessGrey, loadPreprocessed } from './image/preprocess.js';
export { IMAGENET_NORMALIZATION, MINUS_ONE_ONE_NORMALIZATION, toFloatRGB, type Normalization } from './image/normalization.js';
export { augment, drawAugmentParams, applyAugment, type AugmentLevel, type AugmentParams } from './image/augment.js';
export { imageBatches, type ImageBatch, type ImageBatchItem, type ImageBatchOptions } from './image/image-batches.js';
export { renderSampleGrid, type SampleGridRow } from './image/sample-grid.js';

// Models and weights
export type { BackboneDefinition, BuildOptions, ImagenetWeights, WeightSource } from './models/backbone.js';
export { backboneNames, getBackbone, listBackbones, registerBackbone } from './models/registry.js';
export {
  WeightMismatchError,
  assignNamedWeights,
  modelWeightKeys,
  oihwToHwio,
  depthwiseToHwc1,
  linearToDense,
  type NamedTensor,
  type StateDict,
} from './weights/state-dict.js';
export { parseSafetensors, readSafetensors } from './weights/safetensors.js';
export { downloadFile, downloadTfjsFolder } from './weights/download.js';
export {
  MissingWeightsError,
  fetchInstructions,
  imagenetPath,
  loadWeightSource,
  resolveWeights,
  sha256Of,
  weightsCacheDir,
  type ResolvedWeights,
  type WeightsIdentity,
} from './weights/weights-cache.js';
export { seededInit } from './models/seeded-init.js';
export { FoldBatchNormError, foldBatchNorm, foldBatchNormReport, foldForInference, type FoldBatchNormReport } from './models/fold-batchnorm.js';
export {
  backboneConfigProperties,
  resolveBackboneConfig,
  weightsFingerprint,
  type BackboneConfig,
  type NormalizationChoice,
  type ResolvedBackboneConfig,
} from './models/backbone-config.js';

// Plots
export { renderScatter, scatterVegaLiteSpec, type RenderedPlot, type ScatterGroup, type ScatterPoint, type ScatterSpec } from './plots/scatter.js';
export { PLOT_GREY, categoricalColor } from './plots/plot-theme.js';
export { renderVegaLite } from './plots/render-vega-lite.js';
export { renderLineChart, type LineChartSpec, type LineSeries } from './plots/line-chart.js';
export { renderConfusionMatrix, type ConfusionPlotSpec } from './plots/confusion-plot.js';
export { renderPrCurve, renderRocCurve, type PrCurveSpec, type RocCurveSpec } from './plots/curve-plot.js';
export { renderReliabilityDiagram, type ReliabilityDiagramSpec, type ReliabilityPanel } from './plots/reliability-plot.js';
export { histogramBins, renderHistogram, type HistogramBin, type HistogramSpec } from './plots/histogram-plot.js';
export { renderGroupedBars, type GroupedBarsSpec } from './plots/bar-chart.js';

// Supervised splits (near-duplicate groups kept on one side)
export {
  itemsForSplit,
  repeatedStratifiedGroupKFold,
  stratifiedGroupSplit,
  type GroupFold,
  type GroupKFoldOptions,
  type SplitItem,
  type StratifiedGroupSplit,
  type StratifiedGroupSplitOptions,
} from './data/split.js';

// Binary classification metrics (namespaced: names like `precision` or `sigmoid` are generic)
export * as metrics from './metrics/index.js';

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
} from './training/classifier.js';
export { bceWithLogits, bceWithLogitsValue, type BceOptions } from './training/bce-loss.js';
export { evaluateBinary, METRIC_NAMES, type BinaryEvaluation, type EvaluationOptions, type MetricName } from './training/binary-evaluation.js';
export { DEFAULT_CHECKPOINT_RULE, describeRule, improves, type CheckpointRule, type CheckpointScore } from './training/checkpoint-rule.js';
export { MODEL_JSON, loadModelFolder, restoreOptimizer, restoreWeights, saveModelFolder } from './training/model-folder.js';
export { fit, type BatchSource, type EpochRecord, type FitOptions, type FitResult, type TrainBatch } from './training/fit.js';
export { featureBatchSource, imageBatchSource, type BatchPlan, type FeatureViews, type ImageSourceOptions, type TrainItem } from './training/batch-sources.js';
export { ProbeFeatureCache, type ProbeFeatureOptions } from './training/probe-features.js';
export { trainClassifier, type TrainClassifierOptions, type TrainSettings, type TrainedClassifier, type ValidationItem } from './training/train-classifier.js';
export { calibrate, type Calibration, type TemperatureStatus, type ThresholdRule } from './training/calibrate.js';
export { CLASSIFIER_KIND, classNames, classifierArtifact, isClassifierMeta, loadClassifier, type ClassifierMeta } from './training/classifier-artifact.js';
export { runOnImages, type RunOnImagesOptions } from './models/run-on-images.js';
export { ensureKeyedFolder, isProcessAlive, type KeyedFolderOptions } from './util/keyed-folder.js';
export { lastLines, runProcess, type ProcessResult } from './util/run-process.js';
