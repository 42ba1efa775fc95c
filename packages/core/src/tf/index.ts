// @neuro-ssl/core/tf — loading TensorFlow.js on the best backend present, and our wasm training kernels.
export { BACKEND_PREFERENCE, type BackendName, type BackendRequest, type LayersModel, type Tensor, type Tf, type TfHandle } from './types.js';
export { loadTensorflow, BackendUnavailableError, backendSupportsTraining, kernelAvailable, missingKernels, installHint } from './runtime.js';
export { registerWasmTrainingKernels, WASM_REPLACED_KERNELS, WASM_TRAINING_KERNELS } from './wasm-training-kernels.js';
export { describeBackends, type BackendStatus, type BackendsReport } from './describe-backends.js';
export { createTensorflowLoader, type LoadTensorflow, type ModuleImporter } from './runtime.js';
export {
  describeAdapter,
  findVulkanLoader,
  isSoftwareAdapter,
  probeWebGpu,
  VULKAN_INSTALL_HINT,
  vulkanDrivers,
  webgpuAutoVerdict,
  type WebGpuAdapterInfo,
  type WebGpuProbe,
} from './webgpu.js';
