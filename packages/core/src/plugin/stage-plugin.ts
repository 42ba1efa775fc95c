// A stage plugin is a plain object (Rollup-style): a name, a version, the JSON Schema of its `with:`
// block, the artifact kinds it consumes and produces, and one async `run` — a pure function from named
// inputs to named outputs (Kedro-style). The runner owns persistence and caching.

import type { ArtifactKind, ArtifactTypes } from '../artifacts/kinds.js';
import type { RuntimeConfig } from './runtime-config.js';
import type { Logger } from '../progress/logger.js';
import type { ProgressFactory } from '../progress/progress.js';
import type { TfHandle } from '../tf/types.js';
import type { Rng } from '../util/rng.js';

/** A JSON Schema object (draft-07 / 2019 subset that ajv understands). */
export type JsonSchema = { [key: string]: unknown };

/** Port name → artifact kind. */
export type PortSpec = Record<string, ArtifactKind>;

/** The values bound to a PortSpec. */
export type PortValues<P extends PortSpec> = { [K in keyof P]: ArtifactTypes[P[K]] };

/** One line of metrics.jsonl: the runner adds the stage id and a timestamp. */
export type MetricRecord = Record<string, number | string | boolean | null>;

export interface StageContext {
  /** This stage's id in the experiment. */
  stageId: string;
  /** Seed for this stage, derived from the experiment seed and the stage id. */
  seed: number;
  /** A stream seeded with `seed`; fork it per purpose (split, init, augment, shuffle). */
  rng: Rng;
  logger: Logger;
  progress: ProgressFactory;
  /** Loads TensorFlow.js on first call (the configured backend), then returns the same handle. */
  tf(): Promise<TfHandle>;
  runtime: RuntimeConfig;
  /** Folder of the experiment YAML: relative paths in a stage's config are relative to it. */
  experimentDir: string;
  /** A scratch folder private to this stage execution; deleted after the stage. */
  workDir: string;
  /**
   * A folder that survives an interrupted or failed execution and is handed to the next execution
   * with the same cache key (same config, inputs and seed); deleted once the stage's outputs are
   * cached. Put resumable state here (e.g. per-epoch checkpoints).
   */
  checkpointDir: string;
  /** Aborted on SIGINT: check it between batches/epochs and stop at a safe point. */
  signal: AbortSignal;
  /** Append a step to metrics.jsonl (tagged with this stage's id). */
  metric(record: MetricRecord): void;
  /**
   * A one-line result for the run's summary.json (e.g. a verdict); it is also logged, and kept with
   * the cached outputs so a cache hit reports it again.
   */
  headline(line: string): void;
}

export interface StagePlugin<C = Record<string, unknown>, I extends PortSpec = PortSpec, O extends PortSpec = PortSpec, OI extends PortSpec = Record<never, never>> {
  /** Package-style name, e.g. "@neuro-ssl/stage-extract". */
  name: string;
  /** Bump when outputs for the same config would change: it is part of the cache key. */
  version: string;
  description?: string;
  /** JSON Schema of the `with:` block; defaults in it are filled before `run`. */
  configSchema: JsonSchema;
  inputs: I;
  /**
   * Inputs the stage can do without: bound like `inputs` (by kind, or by name under the YAML's
   * `inputs:`) when an earlier stage produces one, and then part of the cache key; absent otherwise.
   * E.g. ssl reuses extract's features of the pool instead of computing them again.
   */
  optionalInputs?: OI;
  outputs: O;
  /**
   * Optional: what else, beyond config, inputs and seed, decides the outputs — e.g. the hash of a
   * weight file named by path. Must be JSON-able; it becomes part of the cache key.
   */
  fingerprint?(config: C, env: { experimentDir: string }): Promise<unknown>;
  /**
   * Optional: what `run` would fail on that shows before anything runs — a weights file that is not
   * there, an unlabelled pool that is empty. One line per problem, naming the `with:` field or data key
   * and the fix. The runner calls it for every stage on `--dry-run` and before a run starts its first
   * stage, and stops with exit 2 on any problem. `inputs` holds the inputs known then: those bound to
   * the dataset or the pool labels (other stages' outputs are not passed).
   */
  check?(config: C, env: { experimentDir: string; inputs: Partial<PortValues<I>> }): Promise<string[]> | string[];
  run(ctx: StageContext, config: C, inputs: PortValues<I> & Partial<PortValues<OI>>): Promise<PortValues<O>>;
}

/** Identity helper that gives a plugin object full type inference. */
export function defineStage<C, I extends PortSpec, O extends PortSpec, OI extends PortSpec = Record<never, never>>(plugin: StagePlugin<C, I, O, OI>): StagePlugin<C, I, O, OI> {
  return plugin;
}

/** The shape the runner accepts from a module: default export or a named `plugin` export. */
export type AnyStagePlugin = StagePlugin<never, PortSpec, PortSpec, PortSpec>;

export function isStagePlugin(value: unknown): value is AnyStagePlugin {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.name === 'string' &&
    typeof v.version === 'string' &&
    typeof v.run === 'function' &&
    typeof v.inputs === 'object' &&
    v.inputs !== null &&
    (v.optionalInputs === undefined || (typeof v.optionalInputs === 'object' && v.optionalInputs !== null)) &&
    typeof v.outputs === 'object' &&
    v.outputs !== null &&
    typeof v.configSchema === 'object' &&
    v.configSchema !== null
  );
}
