// A StageContext for calling a stage's run() directly in tests, as the runner would.
import os from 'node:os';
import { createLogger, createRng, loadTensorflow, type DataConfig, type LogLevel, type StageContext } from '@neuro-ssl/core';

export function testContext(data: DataConfig, options: { experimentDir?: string; lines?: string[] } = {}): StageContext {
  const lines = options.lines ?? [];
  const logger = createLogger({ level: 'debug', sinks: [(l: LogLevel, line: string) => lines.push(`${l} ${line}`)] });
  return {
    stageId: 'extract',
    seed: 1,
    rng: createRng(1),
    logger,
    progress: () => ({ tick: () => undefined, status: () => undefined, done: () => undefined }),
    tf: () => loadTensorflow({ backend: 'cpu', logger }),
    data,
    runtime: { backend: 'cpu', batchSize: 4, concurrency: 2, cacheDir: os.tmpdir(), runsDir: os.tmpdir() },
    experimentDir: options.experimentDir ?? os.tmpdir(),
    runDir: os.tmpdir(),
    workDir: os.tmpdir(),
    signal: new AbortController().signal,
    metric: () => undefined,
  };
}
