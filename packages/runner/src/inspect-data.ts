// `runner inspect-data <experiment.yaml>`: the dataset summary and a sample grid before/after
// preprocessing (the reference notebook's first figure), without running any stage.

import path from 'node:path';
import { consoleSink, createLogger, createRng } from '@neuro-ssl/core';
import { ConfigError } from '@neuro-ssl/core/config';
import { DataError, formatDatasetSummary, scanDataset, writeDataReport } from '@neuro-ssl/core/data';
import { renderSampleGrid } from '@neuro-ssl/core/image';
import { loadExperiment } from './config/load-experiment.js';
import { createProgressFactory } from './progress/progress-reporter.js';
import { createRunFolder } from './run-folder.js';

export interface InspectOptions {
  file: string;
  /** Output folder; default runs/<name>/inspect-<timestamp>/. */
  out?: string;
  perClass: number;
  verbose: boolean;
  stream?: NodeJS.WriteStream;
}

export async function inspectData(options: InspectOptions): Promise<{ exitCode: 0 | 2; outDir?: string }> {
  const stream = options.stream ?? process.stderr;
  const logger = createLogger({ level: options.verbose ? 'debug' : 'info', sinks: [consoleSink(stream)] });
  const file = path.resolve(options.file);
  try {
    const { config } = await loadExperiment(file);
    const index = await scanDataset(config.data, {
      logger: logger.child('data'),
      progress: createProgressFactory({ stream }),
      concurrency: config.runtime.concurrency,
    });
    const outDir = options.out
      ? path.resolve(options.out)
      : (await createRunFolder(path.join(config.runtime.runsDir, config.name), 'inspect')).dir;
    for (const line of formatDatasetSummary(index)) stream.write(`${line}\n`);
    await writeDataReport(path.join(outDir, 'data-report.json'), index);

    // A seeded sample so that the grid is the same each time for the same data and seed.
    const rng = createRng(config.seed).fork('inspect-data');
    const rows = Object.keys(config.data.labelled.classes).map((className) => {
      const paths = index.images.filter((r) => r.className === className).map((r) => r.path);
      return { label: className, paths: rng.shuffle(paths).slice(0, options.perClass) };
    });
    const unlabelled = index.images.filter((r) => r.split === 'unlabelled').map((r) => r.path);
    if (unlabelled.length) rows.push({ label: 'unlabelled', paths: rng.shuffle(unlabelled).slice(0, options.perClass) });
    const grid = path.join(outDir, 'samples.png');
    await renderSampleGrid(rows, config.data.preprocess, grid);
    logger.info(`wrote ${grid} and ${path.join(outDir, 'data-report.json')}`);
    return { exitCode: 0, outDir };
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.error(`invalid experiment ${file}:\n${err.message}`);
      return { exitCode: 2 };
    }
    if (err instanceof DataError) {
      logger.error(`invalid data: ${err.message}\n  ${err.issues.join('\n  ')}`);
      return { exitCode: 2 };
    }
    throw err;
  }
}
