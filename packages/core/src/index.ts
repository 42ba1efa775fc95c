// @neuro-ssl/core — the plugin contract: what a stage author needs to write, type and test a stage.
// The toolkit lives behind named subpaths: @neuro-ssl/core/{config,data,image,models,learn,plots,tf,util}.

// A stage plugin, its context and its test context
export { defineStage, isStagePlugin } from './plugin/stage-plugin.js';
export type { AnyStagePlugin, JsonSchema, MetricRecord, PortSpec, PortValues, StageContext, StagePlugin } from './plugin/stage-plugin.js';
export type { RuntimeConfig } from './plugin/runtime-config.js';
export { createTestContext, type TestContextOptions } from './plugin/test-context.js';

// The artifacts stages exchange, and their on-disk formats
export { ARTIFACT_KINDS } from './artifacts/kinds.js';
export type {
  ArtifactKind,
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
  PoolLabels,
  PseudoLabels,
} from './artifacts/kinds.js';
export type { BadFile, BadFileReason, DatasetIndex, DuplicateGroup, ImageFormat, ImageRecord, Split } from './data/dataset-index.js';
export type { PreprocessConfig } from './data/data-config.js';
export { CODECS, FEATURES_FILE, PSEUDO_LABELS_FILE, codecFor, featureColumnName, type ArtifactCodec } from './artifacts/codecs.js';

// What the context hands a stage: seeded randomness, logging, progress, TensorFlow
export { createRng, deriveSeed, type Rng } from './util/rng.js';
export { createLogger, consoleSink, filterSink, silentLogger, type Logger, type LogLevel, type LogSink } from './progress/logger.js';
export type { Progress, ProgressFactory, ProgressOptions } from './progress/progress.js';
export type { BackendName, BackendRequest, LayersModel, Tensor, Tf, TfHandle } from './tf/types.js';
