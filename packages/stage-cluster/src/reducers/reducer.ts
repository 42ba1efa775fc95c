// A reducer maps n × d features to n × k coordinates (k = 2 for the plots; PCA may keep more).

import type { JsonSchema, Logger, Rng } from '@neuro-ssl/core';
import type { Matrix } from '../matrix.js';

export interface ReducerOutput {
  embedding: Matrix;
  /** The parameters actually used (defaults filled, `auto` values resolved), for the report. */
  params: Record<string, unknown>;
  explainedVarianceRatio?: number[];
}

export interface ReducerContext {
  rng: Rng;
  logger: Logger;
  signal?: AbortSignal;
}

export interface Reducer<P = Record<string, unknown>> {
  name: string;
  description: string;
  /** JSON Schema of this reducer's block under `reducers:` (with defaults). `input` is handled by the stage. */
  schema: JsonSchema;
  reduce(x: Matrix, params: P, ctx: ReducerContext): Promise<ReducerOutput>;
}
