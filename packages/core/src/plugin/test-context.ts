// A StageContext for calling a stage's run() directly, as the runner would — for plugin tests
// (ours and third parties'). Logs go to `lines`; progress is silent; TensorFlow on the cpu backend.

import os from 'node:os';
import type { RuntimeConfig } from './runtime-config.js';
import { createLogger, type LogLevel } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import { createRng } from '../util/rng.js';
import type { MetricRecord, StageContext } from './stage-plugin.js';

export interface TestContextOptions {
  runtime?: Partial<RuntimeConfig>;
  seed?: number;
  experimentDir?: string;
  workDir?: string;
  checkpointDir?: string;
  signal?: AbortSignal;
  /** Receives the lines the stage passes to ctx.headline. */
  headlines?: string[];
  /** Receives the records the stage passes to ctx.metric. */
  metrics?: MetricRecord[];
  /** Receives "level message" lines. */
  lines?: string[];
}

export function createTestContext(options: TestContextOptions = {}): StageContext {
  const lines = options.lines ?? [];
  const logger = createLogger({ level: 'debug', sinks: [(l: LogLevel, line: string) => lines.push(`${l} ${line}`)] });
  const seed = options.seed ?? 1;
  const runtime: RuntimeConfig = { backend: 'cpu', batchSize: 4, concurrency: 2, inference: 'tfjs', threads: 1, cacheDir: os.tmpdir(), runsDir: os.tmpdir(), ...options.runtime };
  return {
    stageId: 'test',
    seed,
    rng: createRng(seed),
    logger,
    progress: () => ({ tick: () => undefined, status: () => undefined, done: () => undefined }),
    tf: () => loadTensorflow({ backend: runtime.backend, logger }),
    runtime,
    experimentDir: options.experimentDir ?? os.tmpdir(),
    workDir: options.workDir ?? os.tmpdir(),
    checkpointDir: options.checkpointDir ?? os.tmpdir(),
    signal: options.signal ?? new AbortController().signal,
    metric: (record) => void options.metrics?.push(record),
    headline: (line) => {
      logger.info(line);
      options.headlines?.push(line);
    },
  };
}
