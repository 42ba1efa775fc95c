// tfjs-backend-webgpu 4.22's AddN binds every input as its own storage buffer in ONE shader. WebGPU's
// default device allows 8 storage buffers per shader stage (tfjs does not ask for more), so addN of more
// than 7 tensors fails validation — and the op does not throw: Dawn prints the error and the result is
// zeros. fit's weight decay sums one term per trainable weight with addN (158 for MobileNetV2), so on
// webgpu the loss read 0. Its Concat already splits its inputs by the same limit; this does it for AddN:
// sums of at most `limit − 1` inputs, then a sum of the sums.

import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './types.js';

interface WebGpuBackendLike {
  device: { limits: { maxStorageBuffersPerShaderStage: number } };
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The most tensors one AddN shader can read: every storage buffer of the stage but the output. */
export function addNInputLimit(backend: WebGpuBackendLike): number {
  return Math.max(2, backend.device.limits.maxStorageBuffersPerShaderStage - 1);
}

/**
 * Replaces the webgpu backend's AddN by one that splits its inputs into groups the device can bind
 * (idempotent). Call after the webgpu backend is registered.
 */
export function registerWebgpuAddN(tf: Tf): void {
  const original = tf.getKernel('AddN', 'webgpu') as (KernelConfig & { chunked?: true }) | undefined;
  if (!original || original.chunked) return;
  const kernelFunc = original.kernelFunc;
  const chunked: KernelFunc = (args) => {
    const backend = args.backend as WebGpuBackendLike;
    const limit = addNInputLimit(backend);
    let inputs = args.inputs as unknown as TensorInfo[];
    if (inputs.length <= limit) return kernelFunc(args);
    const partial: TensorInfo[] = [];
    while (inputs.length > limit) {
      const next: TensorInfo[] = [];
      for (let i = 0; i < inputs.length; i += limit) {
        const group = inputs.slice(i, i + limit);
        if (group.length === 1) {
          next.push(group[0]!);
          continue;
        }
        const sum = kernelFunc({ ...args, inputs: group as unknown as typeof args.inputs }) as TensorInfo;
        partial.push(sum);
        next.push(sum);
      }
      inputs = next;
    }
    const result = kernelFunc({ ...args, inputs: inputs as unknown as typeof args.inputs });
    for (const t of partial) backend.disposeData(t.dataId);
    return result;
  };
  tf.unregisterKernel('AddN', 'webgpu');
  tf.registerKernel({ ...original, kernelFunc: chunked, chunked: true } as KernelConfig);
}
