// The experiment YAML, as TypeScript sees it after validation and defaulting.

import type { RuntimeConfig } from '@neuro-ssl/core';
import type { DataConfig } from '@neuro-ssl/core/data';

export interface StageConfig {
  use: string;
  /** Defaults to the short name of `use`, suffixed -2, -3... when repeated. */
  id: string;
  with: Record<string, unknown>;
  /** input name → "<stageId>.<output>" or "<stageId>" or "dataset". */
  inputs: Record<string, string>;
}

export interface ExperimentConfig {
  name: string;
  seed: number;
  data: DataConfig;
  runtime: RuntimeConfig;
  stages: StageConfig[];
}
