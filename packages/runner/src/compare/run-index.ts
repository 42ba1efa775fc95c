// Finds run folders under runsDir (`<runsDir>/<name>/<timestamp>[-N]/`) and turns what a user typed
// (a run folder, an experiment folder, or an experiment name) into one run folder.

import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { suggest } from '@neuro-ssl/core/config';
import { parseRunSummary, type StoredRunSummary } from './run-summary.js';

/** A target that names no readable run; the CLI maps it to exit code 2. */
export class RunTargetError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'RunTargetError';
  }
}

export interface StageCounts {
  total: number;
  ran: number;
  cached: number;
  failed: number;
  /** skipped, not-run, interrupted. */
  other: number;
}

export interface RunEntry {
  /** Absolute path of the run folder. */
  dir: string;
  /** Experiment name (the parent folder). */
  name: string;
  /** The run folder's own name, e.g. 2026-12-04T18-12-44Z or 2026-12-04T18-12-44Z-2. */
  folder: string;
  /** summary.json's status; 'incomplete' without summary.json (the run crashed or is still going); 'unreadable' when it does not parse. */
  status: string;
  exitCode?: number;
  /** ISO; from summary.json, else from the folder name. */
  startedAt: string;
  durationMs?: number;
  stages: StageCounts;
  /** First headline of the last stage that has one. */
  headline?: string;
  error?: string;
}

const RUN_FOLDER = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})Z(?:-(\d+))?$/;

/** True for names the runner gives run folders (other folders, e.g. inspect/, are not runs). */
export function isRunFolderName(folder: string): boolean {
  return RUN_FOLDER.test(folder);
}

function folderTime(folder: string): string {
  const m = RUN_FOLDER.exec(folder);
  return m ? `${m[1]}T${m[2]}:${m[3]}:${m[4]}.000Z` : '';
}

function folderSuffix(folder: string): number {
  return Number(RUN_FOLDER.exec(folder)?.[5] ?? 1);
}

/** Newest first: the folder timestamp (creation time, also for crashed runs), then its -N suffix; ties by name. */
function newestFirst(a: RunEntry, b: RunEntry): number {
  const ta = a.folder.slice(0, 20);
  const tb = b.folder.slice(0, 20);
  if (ta !== tb) return ta < tb ? 1 : -1;
  const sa = folderSuffix(a.folder);
  const sb = folderSuffix(b.folder);
  if (sa !== sb) return sb - sa;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

async function subfolders(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
    throw err;
  }
}

/** A run folder's file as text; null when it does not exist (other read errors are thrown). */
export async function readOptionalText(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** summary.json of a run folder; null when the file is absent. Throws RunTargetError when it is not valid. */
export async function readRunSummary(dir: string): Promise<StoredRunSummary | null> {
  const file = path.join(dir, 'summary.json');
  const text = await readOptionalText(file);
  if (text === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new RunTargetError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  try {
    return parseRunSummary(json, file);
  } catch (err) {
    throw new RunTargetError((err as Error).message);
  }
}

function countStages(summary: StoredRunSummary): StageCounts {
  const counts: StageCounts = { total: summary.stages.length, ran: 0, cached: 0, failed: 0, other: 0 };
  for (const s of summary.stages) {
    if (s.status === 'ran') counts.ran++;
    else if (s.status === 'cache-hit') counts.cached++;
    else if (s.status === 'failed') counts.failed++;
    else counts.other++;
  }
  return counts;
}

function lastHeadline(summary: StoredRunSummary): string | undefined {
  for (let i = summary.stages.length - 1; i >= 0; i--) {
    const first = summary.stages[i]?.headlines?.[0];
    if (first) return first;
  }
  return undefined;
}

async function entryFor(runsDir: string, name: string, folder: string): Promise<RunEntry> {
  const dir = path.resolve(runsDir, name, folder);
  const base = { dir, name, folder, startedAt: folderTime(folder) };
  const none: StageCounts = { total: 0, ran: 0, cached: 0, failed: 0, other: 0 };
  let summary: StoredRunSummary | null;
  try {
    summary = await readRunSummary(dir);
  } catch (err) {
    if (!(err instanceof RunTargetError)) throw err;
    return { ...base, status: 'unreadable', stages: none, error: err.message };
  }
  if (!summary) return { ...base, status: 'incomplete', stages: none };
  const headline = lastHeadline(summary);
  return {
    ...base,
    status: summary.status,
    ...(summary.exitCode !== undefined ? { exitCode: summary.exitCode } : {}),
    ...(summary.startedAt ? { startedAt: summary.startedAt } : {}),
    ...(summary.durationMs !== undefined ? { durationMs: summary.durationMs } : {}),
    stages: countStages(summary),
    ...(headline ? { headline } : {}),
    ...(summary.error ? { error: summary.error } : {}),
  };
}

/**
 * Every run folder under runsDir (or under runsDir/name), newest first. Folders without summary.json
 * are listed with status 'incomplete' rather than hidden: they are crashed (or running) runs.
 * A missing runsDir is an empty list.
 */
export async function listRuns(runsDir: string, name?: string): Promise<RunEntry[]> {
  const names = name !== undefined ? [name] : await subfolders(runsDir);
  const entries: RunEntry[] = [];
  for (const n of names) {
    for (const folder of (await subfolders(path.join(runsDir, n))).filter(isRunFolderName)) {
      entries.push(await entryFor(runsDir, n, folder));
    }
  }
  return entries.sort(newestFirst);
}

/** The newest run folder in an experiment folder that has a summary.json (an incomplete run cannot be compared). */
async function newestFinished(experimentDir: string, name?: string): Promise<string> {
  const runs = await listRuns(path.dirname(experimentDir), path.basename(experimentDir));
  const finished = runs.find((r) => r.status !== 'incomplete' && r.status !== 'unreadable');
  if (finished) return finished.dir;
  const where = `${name !== undefined ? ` of experiment "${name}"` : ''} in ${experimentDir}`;
  throw new RunTargetError(
    runs.length
      ? `no finished run${where}: its ${runs.length} run folder(s) have no readable summary.json (crashed or still running)`
      : `no run folders${where}`,
  );
}

/**
 * A run folder for `target`: a path to a run folder is itself; a path to an experiment folder, or an
 * experiment name under runsDir, is its newest finished run. Throws RunTargetError otherwise.
 */
export async function resolveRunTarget(target: string, runsDir: string): Promise<string> {
  const asPath = path.resolve(target);
  const stat = await fs.stat(asPath).catch(() => null);
  if (stat?.isDirectory()) {
    if (existsSync(path.join(asPath, 'summary.json'))) return asPath;
    if (isRunFolderName(path.basename(asPath))) {
      throw new RunTargetError(`${asPath} is a run folder without summary.json: the run crashed or is still running, so there is nothing to compare`);
    }
    if ((await subfolders(asPath)).some(isRunFolderName)) return newestFinished(asPath);
    throw new RunTargetError(`${asPath} is neither a run folder (no summary.json) nor an experiment folder (no <timestamp> run folders)`);
  }
  const root = path.resolve(runsDir);
  // A name is one path segment; anything else was meant as a path.
  if (!target.includes('/') && !target.includes(path.sep) && target !== '.' && target !== '..') {
    const experimentDir = path.join(root, target);
    if (existsSync(experimentDir)) return newestFinished(experimentDir, target);
    const known = (await subfolders(root)).filter((n) => n !== target);
    const hint = suggest(target, known);
    throw new RunTargetError(
      `no run folder or experiment named "${target}": ${asPath} does not exist and there is no ${experimentDir}` +
        (hint ? ` (did you mean "${hint}"?)` : known.length ? ` (experiments in ${root}: ${known.join(', ')})` : existsSync(root) ? ` (${root} has no runs yet)` : ` (runs dir ${root} does not exist)`),
    );
  }
  throw new RunTargetError(`no run folder at ${asPath} (looked for it as a path; experiment names are looked up in ${root})`);
}
