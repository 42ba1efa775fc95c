// The experiment's `runtime:` block after validation and defaulting (ctx.runtime).

import type { BackendRequest } from '../tf/types.js';

export interface RuntimeConfig {
  backend: BackendRequest;
  batchSize: number;
  /** Images decoded concurrently ahead of the consumer. */
  concurrency: number;
  /** Engine for forward passes that train nothing: ONNX Runtime, TF.js, or ONNX Runtime where it works. */
  inference: 'auto' | 'onnx' | 'tfjs';
  /** ONNX Runtime's threads (resolved: at least 1). */
  threads: number;
  /** Absolute. */
  cacheDir: string;
  /** Absolute. */
  runsDir: string;
}
