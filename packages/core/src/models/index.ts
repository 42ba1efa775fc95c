// @neuro-ssl/core/models — the backbones (one folder each), their weights (files, cache, download),
// BatchNorm folding for inference, and running a model over images.
export type { BackboneDefinition, BuildOptions, ImagenetWeights, WeightSource } from './backbone.js';
export { backboneNames, getBackbone, listBackbones } from './registry.js';
export { WeightMismatchError, assignNamedWeights, modelWeightKeys, oihwToHwio, depthwiseToHwc1, type NamedTensor, type StateDict } from '../weights/state-dict.js';
export { parseSafetensors, readSafetensors } from '../weights/safetensors.js';
export { downloadFile, downloadTfjsFolder } from '../weights/download.js';
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
} from '../weights/weights-cache.js';
export { seededInit } from './seeded-init.js';
export { FoldBatchNormError, foldBatchNorm, foldBatchNormReport, foldForInference, type FoldBatchNormReport } from './fold-batchnorm.js';
export {
  backboneConfigProperties,
  resolveBackboneConfig,
  weightsFingerprint,
  weightsProblems,
  type BackboneConfig,
  type NormalizationChoice,
  type ResolvedBackboneConfig,
} from './backbone-config.js';
export { runOnImages, type RunOnImagesOptions } from './run-on-images.js';
export { PartialSplitError, isPartialTrainable, partialSplit, partialTrunk, type PartialSplit, type PartialTrunk } from './partial-split.js';
export { layersModelToOnnx, OnnxExportError, ONNX_INPUT, ONNX_OPSET, type OnnxExportOptions } from './onnx/layers-to-onnx.js';
export { createOnnxSession, defaultProviders, loadOnnxRuntime, OnnxRuntimeUnavailableError, type OnnxForward, type OnnxSessionOptions } from './onnx/onnx-session.js';
export { chooseProviders, createInferenceEngine, type InferenceEngine, type InferenceEngineOptions, type InferenceRequest } from './onnx/inference-engine.js';
