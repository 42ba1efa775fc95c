// `runner inspect-data <experiment.yaml>`: the dataset summary and a sample grid before/after
// preprocessing (the reference notebook's first figure), without running any stage. With
// `--augment strong|weak`, also a grid of what training feeds the network: each sample preprocessed,
// then `--views` augmented views of it (strong: the experiment's `strongAugment` policy).

import path from 'node:path';
import { consoleSink, createLogger, createRng } from '@neuro-ssl/core';
import { ConfigError, validateWithSchema } from '@neuro-ssl/core/config';
import { DataError, formatDatasetSummary, scanDataset, writeDataReport } from '@neuro-ssl/core/data';
import { DEFAULT_STRONG_AUGMENT, renderAugmentGrid, renderSampleGrid, type AugmentLevel, type StrongAugmentPolicy } from '@neuro-ssl/core/image';
import { trainingOptionsSchema } from '@neuro-ssl/core/learn';
import { writeFileAtomic } from '@neuro-ssl/core/util';
import { loadExperiment, type LoadedExperiment } from './config/load-experiment.js';
import { createProgressFactory } from './progress/progress-reporter.js';
import { createRunFolder } from './run-folder.js';

export interface InspectOptions {
  file: string;
  /** Output folder; default runs/<name>/inspect-<timestamp>/. */
  out?: string;
  perClass: number;
  /** Also write a grid of augmented views (augment-<level>.png and .json). */
  augment?: AugmentLevel;
  /** Augmented views per sample image (default 4). */
  views?: number;
  verbose: boolean;
  stream?: NodeJS.WriteStream;
}

export async function inspectData(options: InspectOptions): Promise<{ exitCode: 0 | 2; outDir?: string }> {
  const stream = options.stream ?? process.stderr;
  const logger = createLogger({ level: options.verbose ? 'debug' : 'info', sinks: [consoleSink(stream)] });
  const file = path.resolve(options.file);
  try {
    const loaded = await loadExperiment(file);
    const { config } = loaded;
    // Before the scan: a bad policy is reported at once.
    const strong = options.augment === 'strong' ? strongPolicyOf(loaded) : null;
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
    const picked = Object.keys(config.data.labelled.classes).map((className) => {
      const records = index.images.filter((r) => r.className === className);
      return { label: className, records: rng.shuffle(records).slice(0, options.perClass) };
    });
    const unlabelled = index.images.filter((r) => r.split === 'unlabelled');
    if (unlabelled.length) picked.push({ label: 'unlabelled', records: rng.shuffle(unlabelled).slice(0, options.perClass) });
    const rows = picked.map(({ label, records }) => ({ label, paths: records.map((r) => r.path) }));
    const grid = path.join(outDir, 'samples.png');
    await renderSampleGrid(rows, config.data.preprocess, grid);
    logger.info(`wrote ${grid} and ${path.join(outDir, 'data-report.json')}`);

    if (options.augment) {
      const level = options.augment;
      const views = options.views ?? 4;
      if (strong) logger.info(`strong policy: ops ${strong.policy.ops}, magnitude ${strong.policy.magnitude} (${strong.from})`);
      const samples = picked.flatMap(({ label, records }) => records.map((r) => ({ label, id: r.id, path: r.path })));
      const png = path.join(outDir, `augment-${level}.png`);
      const drawn = await renderAugmentGrid(samples, config.data.preprocess, png, {
        level,
        views,
        rng: createRng(config.seed).fork(`inspect-data-augment-${level}`),
        ...(strong ? { policy: strong.policy } : {}),
      });
      const json = path.join(outDir, `augment-${level}.json`);
      const record = { level, seed: config.seed, views, ...(strong ? { policy: strong.policy, policyFrom: strong.from } : {}), samples: drawn };
      await writeFileAtomic(json, `${JSON.stringify(record, null, 2)}\n`);
      logger.info(`wrote ${png} (each sample: preprocessed, then ${views} ${level} views) and ${json} (the parameters of every view)`);
    }
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

/** The stages' own schema of `strongAugment` (the other options' stage defaults do not matter here). */
const STRONG_AUGMENT_SCHEMA = trainingOptionsSchema({ defaults: { epochs: 1, learningRate: 1e-3, augment: 'strong', views: 1 } }).strongAugment!;

/**
 * The strong policy the experiment trains with: the first stage's `with.strongAugment` (checked against
 * the stages' schema, defaults filled), or the default when no stage sets one.
 */
function strongPolicyOf({ config, source }: LoadedExperiment): { policy: StrongAugmentPolicy; from: string } {
  const setting = config.stages.map((stage, i) => ({ stage, i })).filter(({ stage }) => stage.with.strongAugment !== undefined);
  const first = setting[0];
  if (!first) return { policy: { ...DEFAULT_STRONG_AUGMENT }, from: 'the default: no stage sets strongAugment' };
  const { value, issues } = validateWithSchema<StrongAugmentPolicy>(STRONG_AUGMENT_SCHEMA, first.stage.with.strongAugment, {
    file: source.file,
    source,
    basePath: ['stages', first.i, 'with', 'strongAugment'],
  });
  if (issues.length) throw new ConfigError(issues);
  const others = setting.slice(1).filter(({ stage }) => JSON.stringify(stage.with.strongAugment) !== JSON.stringify(first.stage.with.strongAugment));
  const note = others.length ? `; stage ${others.map(({ stage }) => stage.id).join(', ')} sets another one` : '';
  return { policy: value, from: `stage ${first.stage.id}${note}` };
}
