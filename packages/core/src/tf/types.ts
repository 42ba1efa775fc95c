// The TensorFlow.js handle stages receive. All backends expose the same @tensorflow/tfjs API.

import type * as tfjs from '@tensorflow/tfjs';
import type { WebGpuAdapterInfo } from './webgpu.js';

export type Tf = typeof tfjs;

/**
 * Backends in order of preference for `auto`. `auto` takes `webgpu` only on a hardware adapter, never
 * on a software (fallback) one such as Mesa's lavapipe (webgpu.ts, webgpuAutoVerdict).
 */
export const BACKEND_PREFERENCE = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'] as const;

export type BackendName = (typeof BACKEND_PREFERENCE)[number];

export type BackendRequest = BackendName | 'auto';

export interface TfHandle {
  tf: Tf;
  /** The backend actually in use. */
  backend: BackendName;
  /** One line for logs, e.g. "tensorflow (libtensorflow 2.9.1, @tensorflow/tfjs-node 4.22.0)". */
  description: string;
  /** webgpu only: the adapter Dawn chose. */
  adapter?: WebGpuAdapterInfo;
}

export type { LayersModel, Tensor } from '@tensorflow/tfjs';
