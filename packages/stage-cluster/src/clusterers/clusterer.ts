// A clusterer assigns each of n points a cluster id; -1 means noise (DBSCAN, HDBSCAN).

import type { JsonSchema, Logger, Rng } from '@neuro-ssl/core';
import type { Matrix } from '../matrix.js';

export interface ClustererOutput {
  labels: Int32Array;
  params: Record<string, unknown>;
}

export interface ClustererContext {
  rng: Rng;
  logger: Logger;
  signal?: AbortSignal;
}

export interface Clusterer<P = Record<string, unknown>> {
  name: string;
  description: string;
  /** JSON Schema of this clusterer's block under `clusterers:` (with defaults). */
  schema: JsonSchema;
  cluster(x: Matrix, params: P, ctx: ClustererContext): Promise<ClustererOutput>;
}
