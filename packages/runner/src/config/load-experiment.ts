// Reads an experiment YAML: parse (with positions), validate against the core schema, fill defaults,
// resolve paths relative to the YAML's folder and assign stage ids. Stage `with:` blocks are validated
// later, against each plugin's own schema, by the runner (validateWithSchema with basePath
// ["stages", i, "with"]).

import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { ConfigError, formatConfigPath, validateWithSchema, type ConfigIssue } from '@neuro-ssl/core/config';
import { experimentSchema, STAGE_ID_PATTERN } from './experiment-schema.js';
import type { PoolLabels, RuntimeConfig } from '@neuro-ssl/core';
import type { DataConfig } from '@neuro-ssl/core/data';
import type { ExperimentConfig, StageConfig } from './experiment-config.js';
import { readLabelsFile } from './labels-file.js';
import { YamlSource } from './yaml-source.js';

export interface LoadedExperiment {
  /** Validated, with defaults filled, paths absolute and every stage id assigned. */
  config: ExperimentConfig;
  /** The parsed YAML, for locating later issues (plugin `with:` blocks, input bindings). */
  source: YamlSource;
  /** The document exactly as written (no defaults). */
  raw: unknown;
  /** Deprecated spellings that were accepted (each names the new one), for the log. */
  warnings: ConfigIssue[];
  /** The benchmark labels of the pool (data.unlabelled.labelsFile), read once; empty without one. */
  poolLabels: PoolLabels;
}

/** Throws ConfigError (every problem at once, each with file:line:column) when the file is invalid. */
export async function loadExperiment(file: string): Promise<LoadedExperiment> {
  const absolute = path.resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory, not a YAML file' : (err as Error).message;
    throw new ConfigError([{ file: absolute, path: '', message: `cannot read the experiment file: ${reason}` }]);
  }
  const loaded = parseExperiment(text, absolute);
  return { ...loaded, poolLabels: await readPoolLabels(loaded) };
}

/**
 * A benchmark labels file is read once here — a missing file or a bad row stops the run before any
 * stage — and becomes the PoolLabels artifact that only the stages declaring it receive.
 */
async function readPoolLabels({ config, source }: Omit<LoadedExperiment, 'poolLabels'>): Promise<PoolLabels> {
  const unlabelled = config.data.unlabelled;
  if (!unlabelled?.labelsFile) return { source: null, labels: {} };
  const pos = source.locate(['data', 'unlabelled', 'labelsFile']);
  const labels = await readLabelsFile(unlabelled.labelsFile, {
    classes: config.data.labelled.classes,
    unlabelledDir: unlabelled.dir,
    blame: { file: source.file, line: pos.line, column: pos.column },
  });
  return { source: unlabelled.labelsFile, labels: Object.fromEntries([...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) };
}

/** Like loadExperiment, from text already in memory; `file` is used for messages and to resolve paths. */
export function parseExperiment(text: string, file: string): Omit<LoadedExperiment, 'poolLabels'> {
  const absolute = path.resolve(file);
  const source = YamlSource.parse(text, absolute);
  const raw = source.toJS(); // throws ConfigError on YAML syntax errors
  const { value, issues, warnings } = validateWithSchema<SchemaShape>(experimentSchema, raw, { file: absolute, source, basePath: [] });
  const issueAt = (p: (string | number)[], message: string, preferKey = false): void => {
    const pos = source.locate(p, { preferKey });
    issues.push({ file: absolute, line: pos.line, column: pos.column, path: formatConfigPath(p), message });
  };
  checkClasses(value, issueAt);
  const ids = assignStageIds(value, issueAt);
  if (issues.length) throw new ConfigError(issues);

  const baseDir = path.dirname(absolute);
  const config = buildConfig(value, ids, baseDir);
  return { config, source, raw, warnings };
}

/** YAML of a resolved config, for the run folder's config.resolved.yaml. */
export function stringifyResolvedConfig(config: ExperimentConfig): string {
  const header = '# Resolved experiment: defaults filled, paths absolute, stage ids assigned.\n';
  return header + stringify(config, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** "@neuro-ssl/stage-extract" → "extract", "./plugins/my-stage.js" → "my-stage". Always a valid stage id. */
export function defaultStageId(use: string): string {
  const segments = use.split(/[\\/]/).filter((s) => s !== '' && s !== '.' && s !== '..');
  let name = segments[segments.length - 1] ?? 'stage';
  name = name.replace(/\.(?:[cm]?js|[cm]?ts|jsx|tsx)$/i, '');
  name = name.replace(/^stage-/i, '');
  let id = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (!id) id = 'stage';
  if (!/^[a-z]/.test(id)) id = `stage-${id}`;
  return id;
}

// ---------------------------------------------------------------------------------------------------

/** What the schema guarantees once there are no issues. */
interface SchemaShape {
  name: string;
  seed: number;
  data: Omit<DataConfig, 'root' | 'minSize' | 'duplicates'> & { root: string; minSize: number; duplicates: Required<DataConfig['duplicates']> };
  runtime: RuntimeConfig;
  stages: { use: string; id?: string; with: Record<string, unknown>; inputs: Record<string, string> }[];
}

type IssueAt = (path: (string | number)[], message: string, preferKey?: boolean) => void;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Class indices must be 0..n-1, each used once (they index the classifier's outputs). */
function checkClasses(value: unknown, issueAt: IssueAt): void {
  if (!isRecord(value) || !isRecord(value.data) || !isRecord(value.data.labelled)) return;
  const classes = value.data.labelled.classes;
  if (!isRecord(classes)) return;
  const entries = Object.entries(classes).filter((e): e is [string, number] => Number.isInteger(e[1]));
  if (entries.length !== Object.keys(classes).length) return; // type issues already reported
  const base = ['data', 'labelled', 'classes'];
  const byIndex = new Map<number, string>();
  for (const [name, index] of entries) {
    const other = byIndex.get(index);
    if (other !== undefined) issueAt([...base, name], `class index ${index} is already used by "${other}"; each class needs its own index`);
    else byIndex.set(index, name);
  }
  const n = entries.length;
  for (const [name, index] of entries) {
    if (index >= n) issueAt([...base, name], `class indices must be 0..${n - 1} (${n} classes), got ${index}`);
  }
}

/** Explicit ids first (duplicates are errors), then default ids for the rest, suffixed -2, -3... */
function assignStageIds(value: unknown, issueAt: IssueAt): string[] {
  if (!isRecord(value) || !Array.isArray(value.stages)) return [];
  const stages = value.stages as unknown[];
  const taken = new Map<string, number>();
  const ids: (string | undefined)[] = stages.map(() => undefined);
  stages.forEach((stage, i) => {
    if (!isRecord(stage) || typeof stage.id !== 'string' || !new RegExp(STAGE_ID_PATTERN).test(stage.id)) return;
    const first = taken.get(stage.id);
    if (first !== undefined) {
      issueAt(['stages', i, 'id'], `duplicate stage id "${stage.id}" (already used by stages[${first}]); stage ids must be unique`);
      return;
    }
    taken.set(stage.id, i);
    ids[i] = stage.id;
  });
  const counts = new Map<string, number>();
  stages.forEach((stage, i) => {
    if (ids[i] !== undefined || !isRecord(stage) || typeof stage.use !== 'string' || stage.id !== undefined) return;
    const base = defaultStageId(stage.use);
    let n = counts.get(base) ?? 0;
    let id: string;
    do {
      n += 1;
      id = n === 1 ? base : `${base}-${n}`;
    } while (taken.has(id));
    counts.set(base, n);
    taken.set(id, i);
    ids[i] = id;
  });
  return ids.map((id) => id ?? '');
}

function buildConfig(value: SchemaShape, ids: string[], baseDir: string): ExperimentConfig {
  const resolve = (p: string): string => path.resolve(baseDir, p);
  const d = value.data;
  const data: DataConfig = {
    root: resolve(d.root),
    labelled: { dir: d.labelled.dir, classes: { ...d.labelled.classes } },
    ...(d.unlabelled ? { unlabelled: { dir: d.unlabelled.dir, ...(d.unlabelled.labelsFile ? { labelsFile: resolve(d.unlabelled.labelsFile) } : {}) } } : {}),
    onBadFile: d.onBadFile,
    minSize: d.minSize,
    duplicates: { threshold: d.duplicates.threshold, crossClass: d.duplicates.crossClass },
    preprocess: {
      normalize: d.preprocess.normalize,
      clahe: d.preprocess.clahe,
      crop: d.preprocess.crop,
      imageSize: d.preprocess.imageSize,
    },
  };
  const r = value.runtime;
  const runtime: RuntimeConfig = {
    backend: r.backend,
    batchSize: r.batchSize,
    concurrency: r.concurrency,
    inference: r.inference,
    threads: r.threads === 0 ? os.availableParallelism() : r.threads,
    cacheDir: resolve(r.cacheDir),
    runsDir: resolve(r.runsDir),
  };
  const stages: StageConfig[] = value.stages.map((s, i) => ({
    use: s.use,
    id: ids[i] ?? defaultStageId(s.use),
    with: s.with,
    inputs: s.inputs,
  }));
  return { name: value.name, seed: value.seed, data, runtime, stages };
}
