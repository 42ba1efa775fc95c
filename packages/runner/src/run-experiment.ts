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
import { describeLockOwner, writeFileAtomic, writeJsonAtomic, type HeldLock, type LockOwner } from '@neuro-ssl/core/util';
import type { ExperimentConfig } from './config/experiment-config.js';
import { loadExperiment, stringifyResolvedConfig } from './config/load-experiment.js';
import { createProgressFactory, createRunLogSink } from './progress/progress-reporter.js';
import { ArtifactStore, stageKey, type ArtifactRef, type StageRecord, type StaleLeftovers } from './store/artifact-store.js';
import { EnvironmentError, describeReason, duringWrite, errnoCode, errorPath, fixFor, isEnvironmentFailure, whyMkdirFailed } from './io-errors.js';
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
  const experimentDir = path.dirname(file);

  if (flags.dryRun) {
    reportLeftovers(await store.cleanStale().catch(() => null), store, consoleOnly);
    return dryRun(config, plan, poolLabels, store, flags, consoleOnly, experimentDir, options.signal);
  }

  let folder: RunFolder;
  let runLog: ReturnType<typeof createRunLogSink>;
  try {
    folder = await createRunFolder(config.runtime.runsDir, config.name);
    runLog = createRunLogSink(folder.logFile);
  } catch (err) {
    if (!errnoCode(err)) throw err;
    // Not a stack trace: which folder, why (a read-only mount, a file in the way, no permission), what to change.
    const target = path.join(path.resolve(config.runtime.runsDir), config.name);
    const failed = errorPath(err);
    const named = failed && isInside(failed, target) ? failed : target;
    consoleOnly.error(`cannot create the run folder ${named}: ${await whyMkdirFailed(named, err)}; set runtime.runsDir to a writable folder`);
    return { exitCode: 2, stages: [] };
  }
  // A full disk must not turn every log line into a crash: run.log stops, the console goes on.
  let runLogBroken = false;
  const runLogSink: typeof runLog.sink = (level, line) => {
    if (runLogBroken) return;
    try {
      runLog.sink(level, line);
    } catch (err) {
      runLogBroken = true;
      consoleOnly.warn(`run.log: ${describeReason(err)} writing ${folder.logFile}; logging to the console only from here`);
    }
  };
  const progress = createProgressFactory({ stream, log: (line) => runLogSink('info', line) });
  // On a TTY, log lines clear the progress bar and it is redrawn under them.
  const logger = createLogger({ level: 'debug', sinks: [filterSink(consoleLevel, progress.wrapSink(consoleSink(stream))), runLogSink] });
  const outcomes: StageOutcome[] = plan.map((s) => ({ id: s.id, plugin: s.plugin.name, version: s.plugin.version, status: 'not-run' }));
  const artifacts: Record<string, ArtifactRef> = {};
  const started = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  let datasetIndex: DatasetIndex | null = null;
  const tfOnce = memoTf(config, logger);

  const finish = async (exitCode: RunResult['exitCode'], status: string, error?: string): Promise<RunResult> => {
    try {
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
    } catch (err) {
      // The disk that failed the run may fail its summary too: say so, keep the exit code.
      if (!isEnvironmentFailure(err)) throw err;
      logger.error(`summary.json could not be written either: ${describeReason(err)} (${errorPath(err) ?? folder.dir})`);
    }
    logger.info(`run folder: ${folder.dir} (report: ${path.join(folder.dir, REPORT_FILE)})`);
    // The report shows run.log's last lines (a failure's context): drawn once the log is complete.
    await runLog.close().catch(() => undefined);
    try {
      await writeRunReport(folder.dir);
    } catch (err) {
      // The run's outputs are safe; a report that cannot be drawn must not turn a success into a failure.
      consoleOnly.warn(`report.html could not be written (${(err as Error).message}); retry with \`runner report ${folder.dir}\``);
    }
    return { exitCode, runDir: folder.dir, stages: outcomes };
  };

  try {
    return await runStages();
  } catch (err) {
    if (!(err instanceof EnvironmentError)) throw err;
    logger.error(err.message);
    return finish(2, 'environment-error', err.message);
  }

  async function runStages(): Promise<RunResult> {
    logger.info(`experiment ${config.name} (${file}), seed ${config.seed}, run folder ${folder.dir}`);
    const runFix = 'runtime.runsDir';
    const cacheFix = 'runtime.cacheDir';
    reportLeftovers(await duringWrite('cleaning up after an earlier run', store.tmpDir, cacheFix, () => store.cleanStale()), store, logger);
    await duringWrite('writing config.resolved.yaml', path.join(folder.dir, 'config.resolved.yaml'), runFix, () =>
      writeFileAtomic(path.join(folder.dir, 'config.resolved.yaml'), resolvedYaml(config, plan)),
    );

    // The dataset is scanned on every run (files may have changed); its content hash keys the stages.
    let datasetRef: ArtifactRef;
    try {
      ({ ref: datasetRef, index: datasetIndex } = await scanIntoStore(config, store, logger, progress, signal, folder));
    } catch (err) {
      if (err instanceof DataError) {
        logger.error(`invalid data: ${describeDataError(err)}`);
        return finish(2, 'invalid-data', err.message);
      }
      throw err;
    }
    artifacts.dataset = datasetRef;
    const sources: InputSources = { dataset: datasetRef, poolLabels: await storeSource(store, 'pool-labels', 'PoolLabels', poolLabels, logger) };

    const select = stageSelection(flags, plan);
    // What a stage would fail on that shows now (a weights path, an empty pool): before any stage runs.
    const problems = await preflightProblems(plan, select, { dataset: datasetIndex as DatasetIndex, poolLabels }, experimentDir);
    if (problems.length) {
      logger.error(`cannot run ${config.name}:\n  ${problems.join('\n  ')}`);
      return finish(2, 'invalid-config', problems.join('; '));
    }

    const records = new Map<string, StageRecord>();
    const appendMetricLine = (line: Record<string, unknown>): void => appendFileSync(folder.metricsFile, `${JSON.stringify(line)}\n`);

    /** A verified cache entry becomes this run's outputs for the stage; nothing here can blame the stage. */
    const reuse = async (stage: PlannedStage, outcome: StageOutcome, cached: StageRecord, how: string): Promise<void> => {
      logger.info(`stage ${stage.id}: cache hit (${cached.key.slice(0, 12)})${how}, outputs reused`);
      const t0 = Date.now();
      outcome.status = 'cache-hit';
      outcome.outputs = cached.outputs;
      outcome.originalDurationMs = cached.durationMs;
      if (cached.headlines?.length) {
        outcome.headlines = cached.headlines;
        for (const line of cached.headlines) logger.info(`stage ${stage.id} (cached): ${line}`);
      }
      await duringWrite(`copying stage ${stage.id}'s cached results into the run folder`, folder.dir, runFix, async () => {
        // The run folder stands alone: the stage's metric lines as they were written, marked as replayed.
        for (const line of cached.metricLines ?? []) appendMetricLine({ ...line, cached: true });
        outcome.metrics = await exportToRunFolder(cached, folder);
      });
      await store.markUsed(cached.key);
      records.set(stage.id, cached);
      recordArtifacts(artifacts, stage.id, cached);
      outcome.durationMs = Date.now() - t0;
    };

    /** Runs one stage (the caller holds its key's lock) and caches its outputs; a RunResult ends the run. */
    const runStage = async (stage: PlannedStage, outcome: StageOutcome, key: string, inputRefs: Record<string, ArtifactRef>, forced: boolean, wasCached: boolean): Promise<RunResult | null> => {
      logger.info(`stage ${stage.id}: running ${stage.plugin.name}@${stage.plugin.version}${forced && wasCached ? ' (forced)' : ''}`);
      const t0 = Date.now();
      const workDir = await duringWrite(`making stage ${stage.id}'s scratch folder`, store.tmpDir, cacheFix, () => store.makeTemp(`work-${stage.id}`));
      try {
        // --force means from scratch: resumable state of an earlier, interrupted execution is dropped too.
        if (forced) await fs.rm(path.join(store.cacheDir, 'checkpoints', key), { recursive: true, force: true });
        const checkpointDir = await duringWrite(`making stage ${stage.id}'s checkpoint folder`, store.cacheDir, cacheFix, () => store.checkpointDir(key));
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
          experimentDir,
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
        let produced: Record<string, unknown>;
        try {
          const inputs: Record<string, unknown> = {};
          for (const [name, ref] of Object.entries(inputRefs)) inputs[name] = await store.load(ref);
          produced = await run(ctx, stage.config, inputs);
        } catch (err) {
          if (signal.aborted) {
            outcome.status = 'interrupted';
            logger.warn(`stage ${stage.id}: interrupted (${(err as Error).message}); nothing cached for it`);
            return finish(130, 'interrupted');
          }
          outcome.status = 'failed';
          outcome.error = (err as Error).message;
          if (isEnvironmentFailure(err)) {
            // The stage was right; the disk was not. Name the path and what to change.
            const where = errorPath(err);
            const setting = where && isInside(where, folder.dir) ? runFix : where && isInside(where, store.cacheDir) ? cacheFix : null;
            const fix = setting ? fixFor(setting, errnoCode(err)) : 'make room there, or fix the folder’s permissions';
            const message = `stage ${stage.id} could not write: ${describeReason(err)}${where ? `: ${where}` : ''}; ${fix}`;
            logger.error(message);
            return finish(2, 'environment-error', message);
          }
          // Errors that explain themselves (missing weights, bad data, absent backend) need no stack trace.
          const explained = err instanceof MissingWeightsError || err instanceof DataError || err instanceof BackendUnavailableError;
          logger.error(`stage ${stage.id} (${stage.plugin.name}) failed: ${explained ? `${err.name}: ${err.message}` : ((err as Error).stack ?? String(err))}`);
          return finish(1, 'failed', `stage ${stage.id} failed: ${(err as Error).message}`);
        }
        if (signal.aborted) {
          // A stage that stopped early returns partial results: never cache them.
          outcome.status = 'interrupted';
          logger.warn(`stage ${stage.id}: interrupted; nothing cached for it. Re-run the same command to resume from here.`);
          return finish(130, 'interrupted');
        }
        const meta = {
          stageId: stage.id,
          plugin: stage.plugin.name,
          version: stage.plugin.version,
          durationMs: Date.now() - t0,
          ...(headlines.length ? { headlines } : {}),
          ...(metricLines.length ? { metricLines } : {}),
        };
        try {
          const outputs = checkOutputs(stage, produced);
          const record = await duringWrite(`caching stage ${stage.id}'s outputs`, store.cacheDir, cacheFix, () => store.commit(key, meta, outputs));
          if (headlines.length) outcome.headlines = headlines;
          records.set(stage.id, record);
          recordArtifacts(artifacts, stage.id, record);
          await fs.rm(checkpointDir, { recursive: true, force: true });
          outcome.status = 'ran';
          outcome.outputs = record.outputs;
          await duringWrite(`copying stage ${stage.id}'s results into the run folder`, folder.dir, runFix, async () => {
            outcome.metrics = await exportToRunFolder(record, folder);
          });
        } catch (err) {
          // Cached already, the stage is not to blame for the run folder's disk (an EnvironmentError ends the run, exit 2).
          if (outcome.status !== 'ran') {
            outcome.status = 'failed';
            outcome.error = (err as Error).message;
          }
          if (err instanceof EnvironmentError) throw err;
          logger.error(`stage ${stage.id} (${stage.plugin.name}) failed: ${(err as Error).stack ?? String(err)}`);
          return finish(1, 'failed', `stage ${stage.id} failed: ${(err as Error).message}`);
        }
        outcome.durationMs = Date.now() - t0;
        logger.info(`stage ${stage.id}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s, cached as ${key.slice(0, 12)}`);
        return null;
      } finally {
        await fs.rm(workDir, { recursive: true, force: true });
      }
    };

    for (const [i, stage] of plan.entries()) {
      const outcome = outcomes[i] as StageOutcome;
      if (select.skipped(i)) {
        outcome.status = 'skipped';
        continue;
      }
      const inputRefs = resolveInputRefs(stage, sources, records);
      const key = await keyFor(stage, inputRefs, experimentDir);
      outcome.key = key;
      const forced = select.forced(i);
      const mustRun = select.mayRun(i);
      const found = await openVerified(store, key, `stage ${stage.id}`, logger);

      if (found && !forced) {
        await reuse(stage, outcome, found, '');
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

      // One writer per key: another run computing the same stage (same inputs) is waited for, and its
      // result used; the key's checkpoint folder is only ever used by the lock's holder.
      let lock: HeldLock;
      let waitedFor: LockOwner | null | undefined;
      try {
        lock = await duringWrite('taking the cache lock', store.locksDir, cacheFix, () =>
          store.lock(
            key,
            { stage: stage.id, experiment: config.name, runDir: folder.dir },
            {
              signal,
              onWait: (owner) => {
                waitedFor = owner;
                logger.info(`stage ${stage.id}: waiting for another run (${describeLockOwner(owner)}) computing stage ${String(owner?.stage ?? stage.id)} (${key.slice(0, 12)})…`);
              },
            },
          ),
        );
      } catch (err) {
        if (signal.aborted) {
          outcome.status = 'interrupted';
          logger.warn(`stage ${stage.id}: interrupted while waiting for another run; nothing cached for it`);
          return finish(130, 'interrupted');
        }
        throw err;
      }
      try {
        if (lock.tookOverFrom) {
          logger.warn(
            `stage ${stage.id}: the run that was computing it (${describeLockOwner(lock.tookOverFrom)}) is gone (killed or crashed); taking over` +
              (await hasFiles(path.join(store.cacheDir, 'checkpoints', key)) ? ', resuming from its checkpoint' : ''),
          );
        }
        if (!forced) {
          // The entry may have appeared while we waited (or just before we asked): a writer commits before it unlocks.
          const committed = await openVerified(store, key, `stage ${stage.id}`, logger);
          if (committed) {
            await reuse(stage, outcome, committed, waitedFor !== undefined ? `, computed by the run it waited for (${describeLockOwner(waitedFor)})` : ', committed by another run');
            continue;
          }
        }
        const result = await runStage(stage, outcome, key, inputRefs, forced, found !== null);
        if (result) return result;
      } finally {
        await lock.release();
      }
    }
    const hits = outcomes.filter((o) => o.status === 'cache-hit').map((o) => o.id);
    const ran = outcomes.filter((o) => o.status === 'ran').map((o) => o.id);
    logger.info(`done: ${ran.length} ran${ran.length ? ` (${ran.join(', ')})` : ''}, ${hits.length} cache hit(s)${hits.length ? ` (${hits.join(', ')})` : ''}`);
    return finish(0, 'ok');
  }
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
async function storeSource<K extends 'PoolLabels'>(store: ArtifactStore, prefix: string, kind: K, value: unknown, logger: Logger): Promise<ArtifactRef> {
  const key = `${prefix}-${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32)}`;
  const record =
    (await openVerified(store, key, 'the pool labels', logger)) ??
    (await duringWrite('writing the pool labels to the cache', store.cacheDir, CACHE_FIX, () =>
      store.commit(key, { stageId: prefix, plugin: `@neuro-ssl/runner:${prefix}`, version: '1', durationMs: 0 }, { value: { kind, value } }),
    ));
  return record.outputs.value as ArtifactRef;
}

const CACHE_FIX = 'runtime.cacheDir';

/**
 * A verified cache entry (and marked used), or null. A damaged entry is reported with where it was
 * moved; the caller then computes it again.
 */
async function openVerified(store: ArtifactStore, key: string, what: string, logger: Logger): Promise<StageRecord | null> {
  const found = await duringWrite(`checking ${what}'s cache entry`, store.entryDir(key), CACHE_FIX, () => store.open(key));
  if (found.state === 'damaged') {
    const moved = found.movedTo ? `moved to ${found.movedTo} (look, then delete it)` : 'already moved aside by another run';
    logger.warn(`${what}: the cache entry ${store.entryDir(key)} is damaged — ${found.problem}; ${moved}; computing it again`);
    return null;
  }
  if (found.state === 'miss') return null;
  const { files, bytes, ms } = found.verified;
  logger.debug(`${what}: cache entry ${key.slice(0, 12)} verified (${files} files, ${(bytes / 1e6).toFixed(1)} MB re-hashed in ${ms} ms)`);
  await store.markUsed(key);
  return found.record;
}

/** Says what processes that died left in the cache, now removed (their checkpoints stay, for resuming). */
function reportLeftovers(leftovers: StaleLeftovers | null, store: ArtifactStore, logger: Logger): void {
  if (!leftovers) return;
  const pids = new Set([...leftovers.temps.keys(), ...leftovers.locks.map((l) => l.pid)]);
  for (const pid of pids) {
    const temps = leftovers.temps.get(pid) ?? [];
    const stages = leftovers.locks.filter((l) => l.pid === pid).map((l) => String(l.stage ?? l.key ?? '?'));
    const parts = [
      temps.length ? `its ${temps.length} unfinished write(s) (${temps.join(', ')}) in ${store.tmpDir}` : '',
      stages.length ? `its lock on stage ${stages.join(', ')} (which resumes from its checkpoint when it next runs)` : '',
    ].filter(Boolean);
    logger.warn(`cache: an earlier run (pid ${pid}) ended without cleaning up (killed or crashed); removed ${parts.join(' and ')}`);
  }
}

async function hasFiles(dir: string): Promise<boolean> {
  return ((await fs.readdir(dir).catch(() => [])) as string[]).length > 0;
}

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A DataError's message, and its issues that the message does not already list. */
function describeDataError(err: DataError): string {
  const extra = err.issues.filter((issue) => !err.message.includes(issue));
  return `${err.message}${extra.length ? `\n  ${extra.join('\n  ')}` : ''}`;
}

/**
 * What the stages' `check` hooks report (e.g. a weights path that does not exist, an empty pool),
 * given the inputs known before anything runs: the dataset index and the pool labels.
 */
async function preflightProblems(
  plan: PlannedStage[],
  select: ReturnType<typeof stageSelection>,
  known: { dataset: DatasetIndex; poolLabels: PoolLabels },
  experimentDir: string,
): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, stage] of plan.entries()) {
    const check = stage.plugin.check as ((config: unknown, env: { experimentDir: string; inputs: Record<string, unknown> }) => Promise<string[]> | string[]) | undefined;
    if (select.skipped(i) || !check) continue;
    const inputs: Record<string, unknown> = {};
    for (const [name, binding] of Object.entries(stage.bindings)) {
      if (binding.source.type === 'dataset') inputs[name] = known.dataset;
      if (binding.source.type === 'pool-labels') inputs[name] = known.poolLabels;
    }
    let found: string[];
    try {
      found = await check(stage.config, { experimentDir, inputs });
    } catch (err) {
      found = [`its check could not run: ${(err as Error).message}`];
    }
    for (const problem of found) problems.push(`stage ${stage.id} (use: ${stage.use}): ${problem}`);
  }
  return problems;
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
  // onBadFile 'fail' is applied here, after the scan, so that data-report.json lists every bad file
  // the run stopped for; the scan's "skipping bad file" lines are not shown (nothing is skipped).
  const failOnBad = config.data.onBadFile === 'fail';
  const scanLogger = failOnBad ? withoutSkipLines(logger.child('data')) : logger.child('data');
  const index = await scanDataset(failOnBad ? { ...config.data, onBadFile: 'skip' } : config.data, { logger: scanLogger, progress, concurrency: config.runtime.concurrency, signal });
  const reportFile = folder ? path.join(folder.dir, 'data-report.json') : undefined;
  if (reportFile) await duringWrite('writing data-report.json', reportFile, 'runtime.runsDir', () => writeDataReport(reportFile, index));
  if (failOnBad && index.badFiles.length > 0) {
    const lines = index.badFiles.map((b) => `${b.id}: ${b.reason} — ${b.detail}`);
    const header = `${lines.length} bad file(s) under ${index.root} (data.onBadFile is 'fail'; 'skip' leaves them out${reportFile ? `; listed in ${reportFile}` : ''}):`;
    throw new DataError([header, ...lines.map((l) => `  - ${l}`)].join('\n'), lines);
  }
  const contentKey = createHash('sha256').update(JSON.stringify(index)).digest('hex').slice(0, 32);
  const key = `dataset-${contentKey}`;
  const record =
    (await openVerified(store, key, 'the dataset index', logger)) ??
    (await duringWrite('writing the dataset index to the cache', store.cacheDir, CACHE_FIX, () =>
      store.commit(key, { stageId: 'dataset', plugin: DATASET_PLUGIN, version: '1', durationMs: 0 }, { index: { kind: 'DatasetIndex', value: index } }),
    ));
  return { ref: record.outputs.index as ArtifactRef, index };
}

/** The scan's logger without its per-file "skipping bad file" warnings (for onBadFile: fail). */
function withoutSkipLines(logger: Logger): Logger {
  const skipLine = (m: string): boolean => m.startsWith('skipping bad file') || /more bad files? skipped/.test(m);
  return {
    debug: (m) => logger.debug(m),
    // The scan's summary would say "skipped"; the run stops on them instead.
    info: (m) => logger.info(m.replace(/( bad files?) skipped/, '$1')),
    warn: (m) => {
      if (!skipLine(m)) logger.warn(m);
    },
    error: (m) => logger.error(m),
    child: (scope) => withoutSkipLines(logger.child(scope)),
  };
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
  let index: DatasetIndex;
  try {
    let ref: ArtifactRef;
    ({ ref, index } = await scanIntoStore(config, store, logger, createProgressFactory({}), signal ?? new AbortController().signal));
    sources = { dataset: ref, poolLabels: await storeSource(store, 'pool-labels', 'PoolLabels', poolLabels, logger) };
  } catch (err) {
    if (err instanceof DataError) {
      logger.error(`invalid data: ${describeDataError(err)}`);
      return { exitCode: 2, stages: [] };
    }
    if (err instanceof EnvironmentError) {
      logger.error(err.message);
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
    } else {
      const key = await keyFor(stage, resolveInputRefs(stage, sources, records), experimentDir);
      // Verified like a run would (but not moved aside: a dry run changes nothing in the cache).
      const found = await store.check(key);
      const cached = found.state === 'hit' ? found.record : null;
      const forced = select.forced(i);
      if (cached) records.set(stage.id, cached);
      if (cached && !forced) status = `hit       ${key.slice(0, 12)}`;
      else if (found.state === 'damaged') status = `miss      ${key.slice(0, 12)} (the cached entry is damaged and will be quarantined: ${found.problem})`;
      else status = `${cached ? 'run       (forced)' : 'miss      '}${cached ? '' : key.slice(0, 12)}`;
      // A stage that runs may reproduce the same hashes, but we cannot know before running it.
      if (!cached || forced) unknown.add(stage.id);
    }
    lines.push(`  ${stage.id.padEnd(14)} ${status}  ${stage.plugin.name}@${stage.plugin.version}${inputs ? `  [${inputs}]` : ''}`);
    outcomes.push({ id: stage.id, plugin: stage.plugin.name, version: stage.plugin.version, status: 'not-run' });
  }
  logger.info(lines.join('\n'));
  // What the run would fail on before or while running (weights paths, an empty pool): exit 2 now.
  const problems = await preflightProblems(plan, select, { dataset: index, poolLabels }, experimentDir);
  if (problems.length) {
    logger.error(`the run would fail:\n  ${problems.join('\n  ')}`);
    return { exitCode: 2, stages: outcomes };
  }
  return { exitCode: 0, stages: outcomes };
}
