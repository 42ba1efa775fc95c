// The experiment's `runtime:` block after validation and defaulting (ctx.runtime).

import type { BackendRequest } from '../tf/types.js';

export interface RuntimeConfig {
  backend: BackendRequest;
  batchSize: number;
  /** Images decoded concurrently ahead of the consumer. */
  concurrency: number;
  /** Absolute. */
  cacheDir: string;
  /** Absolute. */
  runsDir: string;
}
