// Runs an experiment: validate → plan → scan the dataset → for each stage, reuse its cached outputs
// or run it → write the run folder. The runner only wires; stages and core do the work.

import { appendFileSync, promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { CODECS, consoleSink, filterSink, createLogger, createRng, type DatasetIndex, type Logger, type Metrics, type PoolLabels, type StageContext, type TfHandle } from '@neuro-ssl/core';
import { ConfigError, formatConfigIssue } from '@neuro-ssl/core/config';
import { DataError, scanDataset, writeDataReport } from '@neuro-ssl/core/data';
import { MissingWeightsError } from '@neuro-ssl/core/models';
import { BackendUnavailableError, loadTensorflow } from '@neuro-ssl/core/tf';
import { writeFileAtomic, writeJsonAtomic } from '@neuro-ssl/core/util';
import type { ExperimentConfig } from './config/experiment-config.js';
import { loadExperiment, stringifyResolvedConfig } from './config/load-experiment.js';
import { createProgressFactory, createRunLogSink } from './progress/progress-reporter.js';
import { ArtifactStore, stageKey, type ArtifactRef, type StageRecord } from './store/artifact-store.js';
import { pluginCodeHash } from './code-hash.js';
import { collectProvenance } from './provenance.js';
import { REPORT_FILE, writeRunReport } from './report/write-report.js';
import type { RunFlags } from './cli-args.js';
import { buildPlan, describeSource, type PlannedStage } from './plan.js';
import { createRunFolder, type RunFolder } from './run-folder.js';

export type StageStatus = 'cache-hit' | 'ran' | 'failed' | 'interrupted' | 'skipped' | 'not-run';

export interface StageOutcome {
  id: string;
  plugin: string;
  version: string;
  status: StageStatus;
  key?: string;
  /** Time this run spent on the stage. */
  durationMs?: number;
  /** A cache hit: how long the stage took when it ran. */
  originalDurationMs?: number;
  outputs?: Record<string, ArtifactRef>;
  /** The stage's one-line results (ctx.headline). */
  headlines?: string[];
  /** Each Metrics output's scalar values, for `runner compare` and the report. */
  metrics?: Record<string, Record<string, number>>;
  error?: string;
}

/** summary.json's format tag: readers tell new run folders from older ones by it. */
export const RUN_SUMMARY_FORMAT = 'neuro-ssl-run/1';

export interface RunResult {
  exitCode: 0 | 1 | 2 | 130;
  runDir?: string;
  stages: StageOutcome[];
}

export interface RunOptions {
  file: string;
  flags: RunFlags;
  /** Console stream (stderr by default). */
  stream?: NodeJS.WriteStream;
  /** Aborted on SIGINT by the CLI. */
  signal?: AbortSignal;
}

const DATASET_PLUGIN = '@neuro-ssl/core:dataset-scan';

export async function runExperiment(options: RunOptions): Promise<RunResult> {
  const { flags } = options;
  const stream = options.stream ?? process.stderr;
  const consoleLevel = flags.quiet ? 'warn' : flags.verbose ? 'debug' : 'info';
  const consoleOnly = createLogger({ level: consoleLevel, sinks: [consoleSink(stream)] });
  const file = path.resolve(options.file);

  let config: ExperimentConfig;
  let plan: PlannedStage[];
  let poolLabels: PoolLabels;
  try {
    const loaded = await loadExperiment(file);
    config = loaded.config;
    poolLabels = loaded.poolLabels;
    plan = await buildPlan(config, file, loaded.source);
    for (const warning of [...loaded.warnings, ...plan.flatMap((s) => s.warnings)]) consoleOnly.warn(formatConfigIssue(warning));
    checkStageFlags(flags, plan);
  } catch (err) {
    if (err instanceof ConfigError) {
      consoleOnly.error(`invalid experiment ${file}:\n${err.message}`);
      return { exitCode: 2, stages: [] };
    }
    throw err;
  }

  const store = new ArtifactStore(config.runtime.cacheDir);
  const stale = await store.cleanStaleTemp();
  if (stale) consoleOnly.info(`cache: removed ${stale} unfinished write(s) left by an interrupted run`);

  if (flags.dryRun) return dryRun(config, plan, poolLabels, store, flags, consoleOnly, path.dirname(file), options.signal);

  const folder = await createRunFolder(config.runtime.runsDir, config.name);
  const runLog = createRunLogSink(folder.logFile);
  const progress = createProgressFactory({ stream, log: (line) => runLog.sink('info', line) });
  // On a TTY, log lines clear the progress bar and it is redrawn under them.
  const logger = createLogger({ level: 'debug', sinks: [filterSink(consoleLevel, progress.wrapSink(consoleSink(stream))), runLog.sink] });
  const outcomes: StageOutcome[] = plan.map((s) => ({ id: s.id, plugin: s.plugin.name, version: s.plugin.version, status: 'not-run' }));
  const artifacts: Record<string, ArtifactRef> = {};
  const started = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  let datasetIndex: DatasetIndex | null = null;
  const tfOnce = memoTf(config, logger);

  const finish = async (exitCode: RunResult['exitCode'], status: string, error?: string): Promise<RunResult> => {
    await writeJsonAtomic(path.join(folder.dir, 'artifacts.json'), artifacts);
    const provenance = await collectProvenance({
      codeDir: path.dirname(fileURLToPath(import.meta.url)),
      backendRequested: config.runtime.backend,
      backendUsed: tfOnce.used(),
      index: datasetIndex,
    });
    await writeJsonAtomic(path.join(folder.dir, 'summary.json'), {
      format: RUN_SUMMARY_FORMAT,
      name: config.name,
      experiment: file,
      status,
      exitCode,
      ...(error ? { error } : {}),
      seed: config.seed,
      startedAt: new Date(started).toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: Date.now() - started,
      stages: outcomes,
      provenance,
    });
    logger.info(`run folder: ${folder.dir} (report: ${path.join(folder.dir, REPORT_FILE)})`);
    // The report shows run.log's last lines (a failure's context): drawn once the log is complete.
    await runLog.close();
    try {
      await writeRunReport(folder.dir);
    } catch (err) {
      // The run's outputs are safe; a report that cannot be drawn must not turn a success into a failure.
      consoleOnly.warn(`report.html could not be written (${(err as Error).message}); retry with \`runner report ${folder.dir}\``);
    }
    return { exitCode, runDir: folder.dir, stages: outcomes };
  };

  logger.info(`experiment ${config.name} (${file}), seed ${config.seed}, run folder ${folder.dir}`);
  await writeFileAtomic(path.join(folder.dir, 'config.resolved.yaml'), resolvedYaml(config, plan));

  // The dataset is scanned on every run (files may have changed); its content hash keys the stages.
  let datasetRef: ArtifactRef;
  try {
    ({ ref: datasetRef, index: datasetIndex } = await scanIntoStore(config, store, logger, progress, signal, folder));
  } catch (err) {
    if (err instanceof DataError) {
      logger.error(`invalid data: ${err.message}${err.issues.length ? `\n  ${err.issues.join('\n  ')}` : ''}`);
      return finish(2, 'invalid-data', err.message);
    }
    throw err;
  }
  artifacts.dataset = datasetRef;
  const sources: InputSources = { dataset: datasetRef, poolLabels: await storeSource(store, 'pool-labels', 'PoolLabels', poolLabels) };

  const records = new Map<string, StageRecord>();
  const select = stageSelection(flags, plan);
  const appendMetricLine = (line: Record<string, unknown>): void => appendFileSync(folder.metricsFile, `${JSON.stringify(line)}\n`);

  for (const [i, stage] of plan.entries()) {
    const outcome = outcomes[i] as StageOutcome;
    if (select.skipped(i)) {
      outcome.status = 'skipped';
      continue;
    }
    const inputRefs = resolveInputRefs(stage, sources, records);
    const key = await keyFor(stage, inputRefs, path.dirname(file));
    outcome.key = key;
    const forced = select.forced(i);
    const cached = await store.lookup(key);
    const mustRun = select.mayRun(i);

    if (cached && !forced) {
      logger.info(`stage ${stage.id}: cache hit (${key.slice(0, 12)}), outputs reused`);
      const t0 = Date.now();
      outcome.status = 'cache-hit';
      outcome.outputs = cached.outputs;
      outcome.originalDurationMs = cached.durationMs;
      if (cached.headlines?.length) {
        outcome.headlines = cached.headlines;
        for (const line of cached.headlines) logger.info(`stage ${stage.id} (cached): ${line}`);
      }
      // The run folder stands alone: the stage's metric lines as they were written, marked as replayed.
      for (const line of cached.metricLines ?? []) appendMetricLine({ ...line, cached: true });
      await store.markUsed(key);
      records.set(stage.id, cached);
      recordArtifacts(artifacts, stage.id, cached);
      outcome.metrics = await exportToRunFolder(cached, folder);
      outcome.durationMs = Date.now() - t0;
      continue;
    }
    if (!mustRun) {
      logger.error(`--only ${flags.only}: stage ${stage.id} has no cached outputs; run without --only first`);
      outcome.status = 'not-run';
      return finish(2, 'invalid-flags', `stage ${stage.id} is not cached`);
    }
    if (signal.aborted) {
      outcome.status = 'interrupted';
      return finish(130, 'interrupted');
    }

    logger.info(`stage ${stage.id}: running ${stage.plugin.name}@${stage.plugin.version}${forced && cached ? ' (forced)' : ''}`);
    const t0 = Date.now();
    const workDir = await store.makeTemp(`work-${stage.id}`);
    // --force means from scratch: resumable state of an earlier, interrupted execution is dropped too.
    if (forced) await fs.rm(path.join(store.cacheDir, 'checkpoints', key), { recursive: true, force: true });
    const checkpointDir = await store.checkpointDir(key);
    try {
      const inputs: Record<string, unknown> = {};
      for (const [name, ref] of Object.entries(inputRefs)) inputs[name] = await store.load(ref);
      const stageLogger = logger.child(stage.id);
      const headlines: string[] = [];
      const metricLines: Record<string, unknown>[] = [];
      const ctx: StageContext = {
        stageId: stage.id,
        seed: stage.seed,
        rng: createRng(stage.seed),
        logger: stageLogger,
        progress: (o) => progress({ ...o, label: `${stage.id}: ${o.label}` }),
        tf: tfOnce,
        runtime: config.runtime,
        experimentDir: path.dirname(file),
        workDir,
        checkpointDir,
        signal,
        headline: (line) => {
          headlines.push(line);
          stageLogger.info(line);
        },
        metric: (record) => {
          const line = { stage: stage.id, time: new Date().toISOString(), ...record };
          metricLines.push(line);
          appendMetricLine(line);
        },
      };
      const run = stage.plugin.run as (c: StageContext, cfg: unknown, inp: Record<string, unknown>) => Promise<Record<string, unknown>>;
      const produced = await run(ctx, stage.config, inputs);
      if (signal.aborted) {
        // A stage that stopped early returns partial results: never cache them.
        outcome.status = 'interrupted';
        logger.warn(`stage ${stage.id}: interrupted; nothing cached for it. Re-run the same command to resume from here.`);
        return finish(130, 'interrupted');
      }
      const outputs = checkOutputs(stage, produced);
      const record = await store.commit(
        key,
        {
          stageId: stage.id,
          plugin: stage.plugin.name,
          version: stage.plugin.version,
          durationMs: Date.now() - t0,
          ...(headlines.length ? { headlines } : {}),
          ...(metricLines.length ? { metricLines } : {}),
        },
        outputs,
      );
      if (headlines.length) outcome.headlines = headlines;
      records.set(stage.id, record);
      recordArtifacts(artifacts, stage.id, record);
      await fs.rm(checkpointDir, { recursive: true, force: true });
      outcome.metrics = await exportToRunFolder(record, folder);
      outcome.status = 'ran';
      outcome.durationMs = Date.now() - t0;
      outcome.outputs = record.outputs;
      logger.info(`stage ${stage.id}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s, cached as ${key.slice(0, 12)}`);
    } catch (err) {
      if (signal.aborted) {
        outcome.status = 'interrupted';
        logger.warn(`stage ${stage.id}: interrupted (${(err as Error).message}); nothing cached for it`);
        return finish(130, 'interrupted');
      }
      outcome.status = 'failed';
      outcome.error = (err as Error).message;
      // Errors that explain themselves (missing weights, bad data, absent backend) need no stack trace.
      const explained = err instanceof MissingWeightsError || err instanceof DataError || err instanceof BackendUnavailableError;
      logger.error(`stage ${stage.id} (${stage.plugin.name}) failed: ${explained ? `${err.name}: ${err.message}` : ((err as Error).stack ?? String(err))}`);
      return finish(1, 'failed', `stage ${stage.id} failed: ${(err as Error).message}`);
    } finally {
      await fs.rm(workDir, { recursive: true, force: true });
    }
  }

  const hits = outcomes.filter((o) => o.status === 'cache-hit').map((o) => o.id);
  const ran = outcomes.filter((o) => o.status === 'ran').map((o) => o.id);
  logger.info(`done: ${ran.length} ran${ran.length ? ` (${ran.join(', ')})` : ''}, ${hits.length} cache hit(s)${hits.length ? ` (${hits.join(', ')})` : ''}`);
  return finish(0, 'ok');
}

/**
 * The cache key: plugin identity and code, resolved config, input hashes, seed, and the plugin's own
 * fingerprint. Stages read nothing but their declared inputs, so nothing else decides their outputs.
 */
async function keyFor(stage: PlannedStage, inputRefs: Record<string, ArtifactRef>, experimentDir: string): Promise<string> {
  const fingerprint = stage.plugin.fingerprint ? await (stage.plugin.fingerprint as (c: unknown, e: { experimentDir: string }) => Promise<unknown>)(stage.config, { experimentDir }) : null;
  return stageKey({
    plugin: stage.plugin.name,
    version: stage.plugin.version,
    config: stage.config,
    inputs: Object.fromEntries(Object.entries(inputRefs).map(([n, r]) => [n, r.hash])),
    seed: stage.seed,
    code: await pluginCodeHash(stage.resolvedFrom),
    ...(fingerprint !== null && fingerprint !== undefined ? { fingerprint } : {}),
  });
}

function checkStageFlags(flags: RunFlags, plan: PlannedStage[]): void {
  const ids = plan.map((s) => s.id);
  const named = [...(flags.force === true ? [] : flags.force), flags.from, flags.only].filter((x): x is string => typeof x === 'string');
  const unknown = named.filter((id) => !ids.includes(id));
  if (unknown.length) {
    throw new ConfigError(unknown.map((id) => ({ file: '(command line)', path: id, message: `no stage "${id}" (stages: ${ids.join(', ')})` })));
  }
}

/** What --force / --from / --only mean for the stage at index i (shared by the run and the dry run). */
function stageSelection(flags: RunFlags, plan: PlannedStage[]): { forced(i: number): boolean; skipped(i: number): boolean; mayRun(i: number): boolean } {
  const onlyIndex = flags.only ? plan.findIndex((s) => s.id === flags.only) : -1;
  const fromIndex = flags.from ? plan.findIndex((s) => s.id === flags.from) : -1;
  return {
    forced: (i) => flags.force === true || flags.force.has((plan[i] as PlannedStage).id) || (fromIndex >= 0 && i >= fromIndex),
    // --only: later stages are skipped, earlier ones may only come from the cache.
    skipped: (i) => onlyIndex >= 0 && i > onlyIndex,
    mayRun: (i) => onlyIndex < 0 || i === onlyIndex,
  };
}

/** TensorFlow loaded on first use, once per run; `used()` names the backend, or null if no stage loaded it. */
function memoTf(config: ExperimentConfig, logger: Logger): (() => Promise<TfHandle>) & { used(): string | null } {
  let handle: Promise<TfHandle> | undefined;
  let used: string | null = null;
  const load = (): Promise<TfHandle> =>
    (handle ??= loadTensorflow({ backend: config.runtime.backend, logger }).then((h) => {
      used = h.backend;
      return h;
    }));
  return Object.assign(load, { used: () => used });
}

/** The artifacts that come from the experiment itself rather than from a stage. */
interface InputSources {
  dataset: ArtifactRef;
  poolLabels: ArtifactRef;
}

function resolveInputRefs(stage: PlannedStage, sources: InputSources, records: Map<string, StageRecord>): Record<string, ArtifactRef> {
  const refs: Record<string, ArtifactRef> = {};
  for (const [name, binding] of Object.entries(stage.bindings)) {
    const { source } = binding;
    if (source.type === 'dataset' || source.type === 'pool-labels') {
      refs[name] = source.type === 'dataset' ? sources.dataset : sources.poolLabels;
      continue;
    }
    const ref = records.get(source.stageId)?.outputs[source.output];
    if (!ref) throw new Error(`internal: input ${name} of ${stage.id} (${describeSource(source)}) is not available`);
    refs[name] = ref;
  }
  return refs;
}

/** Stores an artifact that comes from the experiment itself under a key made of its content. */
async function storeSource<K extends 'PoolLabels'>(store: ArtifactStore, prefix: string, kind: K, value: unknown): Promise<ArtifactRef> {
  const key = `${prefix}-${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32)}`;
  const hit = await store.lookup(key);
  if (hit) await store.markUsed(key);
  const record = hit ?? (await store.commit(key, { stageId: prefix, plugin: `@neuro-ssl/runner:${prefix}`, version: '1', durationMs: 0 }, { value: { kind, value } }));
  return record.outputs.value as ArtifactRef;
}

function checkOutputs(stage: PlannedStage, produced: Record<string, unknown>): Record<string, { kind: (typeof stage.plugin.outputs)[string]; value: unknown }> {
  if (typeof produced !== 'object' || produced === null) throw new Error(`run() returned ${typeof produced}, expected an object of outputs`);
  const problems: string[] = [];
  const outputs: Record<string, { kind: (typeof stage.plugin.outputs)[string]; value: unknown }> = {};
  for (const [name, kind] of Object.entries(stage.plugin.outputs)) {
    if (!(name in produced)) {
      problems.push(`missing output "${name}" (${kind})`);
      continue;
    }
    const problem = CODECS[kind].check(produced[name]);
    if (problem) problems.push(`output "${name}" is not a valid ${kind}: ${problem}`);
    outputs[name] = { kind, value: produced[name] };
  }
  for (const extra of Object.keys(produced)) if (!(extra in stage.plugin.outputs)) problems.push(`undeclared output "${extra}"`);
  if (problems.length) throw new Error(`${stage.plugin.name} returned bad outputs: ${problems.join('; ')}`);
  return outputs;
}

function recordArtifacts(into: Record<string, ArtifactRef>, stageId: string, record: StageRecord): void {
  for (const [name, ref] of Object.entries(record.outputs)) into[`${stageId}.${name}`] = ref;
}

/** One line of figures/index.json: which stage and output drew a figure file. */
export interface FigureIndexEntry {
  stage: string;
  output: string;
  file: string;
  format: 'png' | 'svg';
  title?: string;
}

/**
 * Copies what a person opens directly into the run folder: figures (listed in figures/index.json by
 * stage), each Metrics output as <stage>-<output>.json, the tables a codec exports (for pandas), and
 * each Model output whole (meta.json + model/) as <stage>-<output>/, for `runner predict`. Returns the
 * scalar values of the Metrics outputs, for summary.json.
 */
async function exportToRunFolder(record: StageRecord, folder: RunFolder): Promise<Record<string, Record<string, number>> | undefined> {
  const place = async (from: string, dir: string, name: string): Promise<string> => {
    let target = path.join(dir, name);
    if (await fs.stat(target).catch(() => null)) target = path.join(dir, `${record.stageId}-${name}`);
    await fs.copyFile(from, target);
    return path.basename(target);
  };
  const metrics: Record<string, Record<string, number>> = {};
  const figures: FigureIndexEntry[] = [];
  for (const [output, ref] of Object.entries(record.outputs)) {
    if (ref.kind === 'Model') await fs.cp(ref.path, path.join(folder.dir, `${record.stageId}-${output}`), { recursive: true });
    if (ref.kind === 'Metrics') {
      const value: Metrics = await CODECS.Metrics.load(ref.path);
      await writeJsonAtomic(path.join(folder.dir, `${record.stageId}-${output}.json`), value);
      metrics[output] = value.values;
    }
    if (ref.kind === 'Figure') {
      const figure = await CODECS.Figure.load(ref.path);
      for (const file of figure.files) {
        const placed = await place(path.join(ref.path, file.name), folder.figuresDir, file.name);
        figures.push({ stage: record.stageId, output, file: placed, format: file.format, ...(file.title ? { title: file.title } : {}) });
      }
    }
    for (const name of CODECS[ref.kind].exports ?? []) await place(path.join(ref.path, name), folder.dir, name);
  }
  if (figures.length) {
    const indexFile = path.join(folder.figuresDir, 'index.json');
    const earlier = JSON.parse(await fs.readFile(indexFile, 'utf8').catch(() => '[]')) as FigureIndexEntry[];
    await writeJsonAtomic(indexFile, [...earlier, ...figures]);
  }
  return Object.keys(metrics).length ? metrics : undefined;
}

async function scanIntoStore(
  config: ExperimentConfig,
  store: ArtifactStore,
  logger: Logger,
  progress: ReturnType<typeof createProgressFactory>,
  signal: AbortSignal,
  folder?: RunFolder,
): Promise<{ ref: ArtifactRef; index: DatasetIndex }> {
  const index = await scanDataset(config.data, { logger: logger.child('data'), progress, concurrency: config.runtime.concurrency, signal });
  if (folder) await writeDataReport(path.join(folder.dir, 'data-report.json'), index);
  const contentKey = createHash('sha256').update(JSON.stringify(index)).digest('hex').slice(0, 32);
  const key = `dataset-${contentKey}`;
  const hit = await store.lookup(key);
  if (hit) await store.markUsed(key);
  const record =
    hit ??
    (await store.commit(key, { stageId: 'dataset', plugin: DATASET_PLUGIN, version: '1', durationMs: 0 }, { index: { kind: 'DatasetIndex', value: index } }));
  return { ref: record.outputs.index as ArtifactRef, index };
}

function resolvedYaml(config: ExperimentConfig, plan: PlannedStage[]): string {
  const stages = config.stages.map((s, i) => ({ ...s, with: plan[i]?.config ?? s.with }));
  return stringifyResolvedConfig({ ...config, stages });
}

async function dryRun(
  config: ExperimentConfig,
  plan: PlannedStage[],
  poolLabels: PoolLabels,
  store: ArtifactStore,
  flags: RunFlags,
  logger: Logger,
  experimentDir: string,
  signal?: AbortSignal,
): Promise<RunResult> {
  let sources: InputSources;
  try {
    const { ref } = await scanIntoStore(config, store, logger, createProgressFactory({}), signal ?? new AbortController().signal);
    sources = { dataset: ref, poolLabels: await storeSource(store, 'pool-labels', 'PoolLabels', poolLabels) };
  } catch (err) {
    if (err instanceof DataError) {
      logger.error(`invalid data: ${err.message}\n  ${err.issues.join('\n  ')}`);
      return { exitCode: 2, stages: [] };
    }
    throw err;
  }
  const records = new Map<string, StageRecord>();
  const outcomes: StageOutcome[] = [];
  const lines = [`plan for ${config.name} (seed ${config.seed}):`];
  // Stages whose outputs are unknown until they run; only their consumers cannot be keyed yet.
  const unknown = new Set<string>();
  const select = stageSelection(flags, plan);
  for (const [i, stage] of plan.entries()) {
    const inputs = Object.entries(stage.bindings).map(([n, b]) => `${n}←${describeSource(b.source)}`).join(', ');
    if (select.skipped(i)) {
      lines.push(`  ${stage.id.padEnd(14)} skip      (after --only ${flags.only})`);
      outcomes.push({ id: stage.id, plugin: stage.plugin.name, version: stage.plugin.version, status: 'skipped' });
      continue;
    }
    let status: string;
    const upstreamUnknown = Object.values(stage.bindings).some((b) => b.source.type === 'stage' && unknown.has(b.source.stageId));
    if (upstreamUnknown) {
      status = 'run       (an upstream stage runs first)';
      unknown.add(stage.id);
    }
    else {
      const key = await keyFor(stage, resolveInputRefs(stage, sources, records), experimentDir);
      const cached = await store.lookup(key);
      const forced = select.forced(i);
      if (cached) records.set(stage.id, cached);
      if (cached && !forced) status = `hit       ${key.slice(0, 12)}`;
      else {
        status = `${cached ? 'run       (forced)' : 'miss      '}${cached ? '' : key.slice(0, 12)}`;
        // A forced stage may reproduce the same hashes, but we cannot know before running it.
        unknown.add(stage.id);
      }
    }
    lines.push(`  ${stage.id.padEnd(14)} ${status}  ${stage.plugin.name}@${stage.plugin.version}${inputs ? `  [${inputs}]` : ''}`);
    outcomes.push({ id: stage.id, plugin: stage.plugin.name, version: stage.plugin.version, status: 'not-run' });
  }
  logger.info(lines.join('\n'));
  return { exitCode: 0, stages: outcomes };
}
