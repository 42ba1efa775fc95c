// The experiment YAML, as TypeScript sees it after validation and defaulting.

import type { BackendRequest } from '../tf/types.js';

export interface PreprocessConfig {
  /** Stretch intensities to the full 0..255 range (1st..99th percentile). */
  normalise: boolean;
  /** Contrast-limited adaptive histogram equalisation. */
  clahe: boolean;
  /** Crop to the brain (largest bright component), dropping frames and burned-in text near borders. */
  crop: 'brain' | 'none';
  /** Square side in pixels after resizing. */
  imageSize: number;
}

export interface DataConfig {
  /** Absolute (resolved relative to the YAML file). */
  root: string;
  labelled: { dir: string; classes: Record<string, number> };
  /** `labelsFile` (absolute): the unlabelled images' true classes, for benchmarking only. */
  unlabelled?: { dir: string; labelsFile?: string };
  onBadFile: 'skip' | 'fail';
  duplicates: { threshold: number };
  preprocess: PreprocessConfig;
}

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
