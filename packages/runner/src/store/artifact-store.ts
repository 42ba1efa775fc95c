// Content-addressed stage cache. A stage execution is addressed by the hash of everything that
// determines its outputs (plugin name + version, resolved config, input artifact hashes, seed); its
// outputs live in <cacheDir>/stages/<key>/, written to a temp folder first and renamed in one step,
// so a run killed at any moment leaves either a complete entry or none.
//
// Every use re-hashes the entry (`open`): a manifest that cannot be read or an output whose bytes no
// longer match the hash recorded at commit time makes the entry damaged; it is moved, whole, to
// <cacheDir>/quarantine/<key>-<time>/ (never deleted) and the lookup is a miss, so the stage re-runs.
// Writers of one key hold <cacheDir>/locks/<key>.lock (pid + host, see core's lock.ts) while they run
// the stage and commit, so two runs sharing the cache never compute or checkpoint one key at once.

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARTIFACT_KINDS, codecFor, type ArtifactKind, type ArtifactTypes } from '@neuro-ssl/core';
import { acquireLock, isLockStale, isProcessAlive, readLockOwner, stableStringify, type AcquireOptions, type HeldLock, type LockOwner } from '@neuro-ssl/core/util';

export interface ArtifactRef {
  kind: ArtifactKind;
  /** sha256 over the artifact folder's files (names and bytes). */
  hash: string;
  /** Folder holding the artifact's files. */
  path: string;
}

export interface StageRecord {
  key: string;
  stageId: string;
  plugin: string;
  version: string;
  createdAt: string;
  durationMs: number;
  outputs: Record<string, ArtifactRef>;
  /** The stage's one-line results (ctx.headline), replayed on a cache hit. */
  headlines?: string[];
  /** The stage's metrics.jsonl lines (ctx.metric, with their time), replayed on a cache hit. */
  metricLines?: Record<string, unknown>[];
  /** output → file (relative to the output folder) → size and sha256: names the file that changed. */
  files?: Record<string, Record<string, FileDigest>>;
}

export interface FileDigest {
  bytes: number;
  sha256: string;
}

/** What a use of the cache found under a key. */
export type CacheLookup =
  | { state: 'hit'; record: StageRecord; verified: VerifyStats }
  | { state: 'miss' }
  /** The entry was damaged: `problem` says how; it was moved to `movedTo` (null: someone else moved it first). */
  | { state: 'damaged'; problem: string; movedTo: string | null };

export interface VerifyStats {
  files: number;
  bytes: number;
  ms: number;
}

/** What `cleanStale` removed: the unfinished writes and the locks of processes that are gone. */
export interface StaleLeftovers {
  /** pid → the labels of its temp folders (e.g. work-train, commit-extract). */
  temps: Map<number, string[]>;
  /** Locks whose holders died, with what they were computing. */
  locks: LockOwner[];
}

/** One cache entry as `runner cache ls` shows it. */
export interface CacheEntryInfo {
  key: string;
  /** 'dataset' for a dataset scan; else the stage id that produced it. */
  stageId: string;
  plugin: string;
  version: string;
  createdAt: string;
  /** When a run last used it (committed or reused it). */
  lastUsed: Date;
  bytes: number;
}

export interface StageKeyParts {
  plugin: string;
  version: string;
  config: unknown;
  /** The experiment's data block (preprocessing and labels files decide outputs too). */
  data?: unknown;
  /** input name → artifact hash */
  inputs: Record<string, string>;
  seed: number;
  /** Hash of the code that runs: the plugin's built files and core's, so a code change never replays a stale entry. */
  code?: string;
}

export type OutputValues = Record<string, { kind: ArtifactKind; value: unknown }>;

const MANIFEST = 'manifest.json';

export function stageKey(parts: StageKeyParts): string {
  return createHash('sha256').update(stableStringify(parts)).digest('hex').slice(0, 32);
}

/** sha256 over the sorted relative file names and contents of a folder. */
export async function hashDirectory(dir: string): Promise<string> {
  return (await digestDirectory(dir)).hash;
}

/** hashDirectory's hash, with each file's size and own sha256 (one read of every file). */
export async function digestDirectory(dir: string): Promise<{ hash: string; files: Record<string, FileDigest>; bytes: number }> {
  const hash = createHash('sha256');
  const files: Record<string, FileDigest> = {};
  let bytes = 0;
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await walk(child);
      } else {
        const content = await fs.readFile(path.join(dir, child));
        hash.update(`${child}\0${content.length}\0`).update(content);
        files[child] = { bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
        bytes += content.length;
      }
    }
  };
  await walk('');
  return { hash: hash.digest('hex'), files, bytes };
}

/** What differs between the files an output had when it was cached and the ones it has now. */
function describeFileChanges(expected: Record<string, FileDigest>, found: Record<string, FileDigest>): string {
  const changes: string[] = [];
  for (const [name, want] of Object.entries(expected)) {
    const got = found[name];
    if (!got) changes.push(`${name} is missing`);
    else if (got.bytes !== want.bytes) changes.push(`${name} has ${got.bytes} bytes instead of ${want.bytes}`);
    else if (got.sha256 !== want.sha256) changes.push(`${name} has changed (same size, different bytes)`);
  }
  for (const name of Object.keys(found)) if (!(name in expected)) changes.push(`${name} was added`);
  return changes.join(', ');
}

/** A manifest's record, or what is wrong with it. */
function parseManifest(text: string, key: string): StageRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return `manifest.json is not valid JSON (${(err as Error).message})`;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) return 'manifest.json does not hold an object';
  if (value.key !== key) return `manifest.json is for key ${String(value.key)}, not ${key}`;
  if (typeof value.stageId !== 'string' || typeof value.plugin !== 'string' || !isObject(value.outputs)) return 'manifest.json lacks stageId, plugin or outputs';
  for (const [name, ref] of Object.entries(value.outputs)) {
    if (!isObject(ref) || typeof ref.hash !== 'string' || typeof ref.path !== 'string' || !(ARTIFACT_KINDS as readonly unknown[]).includes(ref.kind)) {
      return `manifest.json: output "${name}" is not a {kind, hash, path} record`;
    }
    if (path.isAbsolute(ref.path) || ref.path.split(/[\\/]/).includes('..')) return `manifest.json: output "${name}" points outside its entry (${ref.path})`;
  }
  return value as unknown as StageRecord;
}

const HOST_TAG = createHash('sha256').update(os.hostname()).digest('hex').slice(0, 8);

/** A temp folder's owner from its name `<pid>@<host tag>-<label>-<random>` (older names: `<pid>-…`). */
function tempOwner(name: string): { pid: number; local: boolean; label: string } | null {
  const m = /^(\d+)(?:@([0-9a-f]{8}))?-(.+)$/.exec(name);
  if (!m) return null;
  return { pid: Number(m[1]), local: m[2] === undefined || m[2] === HOST_TAG, label: (m[3] as string).replace(/-[0-9a-f]{4,}$/, '') };
}

async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const child = path.join(dir, entry.name);
    total += entry.isDirectory() ? await folderBytes(child) : (await fs.stat(child)).size;
  }
  return total;
}

export class ArtifactStore {
  readonly stagesDir: string;
  readonly tmpDir: string;
  readonly quarantineDir: string;
  readonly locksDir: string;

  constructor(readonly cacheDir: string) {
    this.stagesDir = path.join(cacheDir, 'stages');
    this.tmpDir = path.join(cacheDir, 'tmp');
    this.quarantineDir = path.join(cacheDir, 'quarantine');
    this.locksDir = path.join(cacheDir, 'locks');
  }

  entryDir(key: string): string {
    return path.join(this.stagesDir, key);
  }

  /**
   * The completed entry for a key, or null — without checking its files (for listing; a run uses
   * `open`). An entry without a readable manifest does not exist.
   */
  async lookup(key: string): Promise<StageRecord | null> {
    const record = await this.readManifest(key);
    return typeof record === 'string' || record === null ? null : this.withPaths(record);
  }

  /**
   * The entry for a key, verified: its manifest parses and every output's files hash to what was
   * recorded when it was committed. A damaged entry is quarantined (moved aside whole) and reported.
   */
  async open(key: string): Promise<CacheLookup> {
    const found = await this.check(key);
    if (found.state !== 'damaged') return found;
    return { ...found, movedTo: await this.quarantine(key, found.problem) };
  }

  /** `open` without the quarantine: what `cache verify` reports. */
  async check(key: string): Promise<{ state: 'hit'; record: StageRecord; verified: VerifyStats } | { state: 'miss' } | { state: 'damaged'; problem: string; movedTo: null }> {
    const parsed = await this.readManifest(key);
    if (parsed === null) return { state: 'miss' };
    if (typeof parsed === 'string') return { state: 'damaged', problem: parsed, movedTo: null };
    const record = this.withPaths(parsed);
    const t0 = Date.now();
    let files = 0;
    let bytes = 0;
    for (const [name, ref] of Object.entries(record.outputs)) {
      let digest: Awaited<ReturnType<typeof digestDirectory>>;
      try {
        digest = await digestDirectory(ref.path);
      } catch (err) {
        return { state: 'damaged', problem: `output "${name}" cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, movedTo: null };
      }
      files += Object.keys(digest.files).length;
      bytes += digest.bytes;
      if (digest.hash !== ref.hash) {
        const expected = parsed.files?.[name];
        const what = expected ? describeFileChanges(expected, digest.files) : '';
        return { state: 'damaged', problem: `output "${name}" (${ref.kind}) does not match the hash recorded when it was cached${what ? `: ${what}` : ''}`, movedTo: null };
      }
    }
    return { state: 'hit', record, verified: { files, bytes, ms: Date.now() - t0 } };
  }

  /**
   * Moves a damaged entry to <cacheDir>/quarantine/<key>-<time>/ with a quarantine.json saying why.
   * Returns where it went, or null if the entry was gone already (another run moved it first).
   */
  async quarantine(key: string, problem: string): Promise<string | null> {
    await fs.mkdir(this.quarantineDir, { recursive: true });
    const stamp = new Date().toISOString().replace(/:/g, '-');
    const target = path.join(this.quarantineDir, `${key}-${stamp}-${randomBytes(2).toString('hex')}`);
    try {
      await fs.rename(this.entryDir(key), target);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    const note = { key, problem, quarantinedAt: new Date().toISOString(), by: { pid: process.pid, host: os.hostname() }, from: this.entryDir(key) };
    await fs.writeFile(path.join(target, 'quarantine.json'), `${JSON.stringify(note, null, 2)}\n`).catch(() => undefined);
    return target;
  }

  /** Folders in quarantine/ (damaged entries moved aside), oldest first. */
  async quarantined(): Promise<string[]> {
    const names = await fs.readdir(this.quarantineDir).catch(() => [] as string[]);
    return names.sort().map((n) => path.join(this.quarantineDir, n));
  }

  /** Every key with a folder under stages/ (complete or not). */
  async keys(): Promise<string[]> {
    return (await fs.readdir(this.stagesDir).catch(() => [] as string[])).sort();
  }

  /**
   * Takes the writer's lock of a key (waiting while another live run holds it): the one who holds it
   * runs the stage, uses the key's checkpoint folder and commits. `info` goes into the lock file.
   */
  async lock(key: string, info: Record<string, unknown>, options: Pick<AcquireOptions, 'onWait' | 'signal' | 'pollMs' | 'staleMs'> = {}): Promise<HeldLock> {
    return acquireLock(path.join(this.locksDir, `${key}.lock`), { ...options, info: { key, ...info } });
  }

  /** null: no folder for this key; a string: what is wrong with its manifest. */
  private async readManifest(key: string): Promise<StageRecord | string | null> {
    let text: string;
    try {
      text = await fs.readFile(path.join(this.entryDir(key), MANIFEST), 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') return `manifest.json cannot be read (${code ?? (err as Error).message})`;
      const folder = await fs.stat(this.entryDir(key)).catch(() => null);
      return folder ? 'manifest.json is missing' : null;
    }
    return parseManifest(text, key);
  }

  /**
   * The resumable-state folder of a stage execution: same key → same folder, so a re-run after an
   * interruption finds what the interrupted one left. Removed when the key's outputs are committed.
   */
  async checkpointDir(key: string): Promise<string> {
    const dir = path.join(this.cacheDir, 'checkpoints', key);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  /** A fresh private scratch folder inside the cache (same filesystem, so renames are atomic). */
  async makeTemp(label: string): Promise<string> {
    const dir = path.join(this.tmpDir, `${process.pid}@${HOST_TAG}-${label}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(dir, { recursive: true });
    return dir;
  }

  /** Records that a run used this entry (its folder's mtime), for `cache ls` and `cache prune`. */
  async markUsed(key: string, when = new Date()): Promise<void> {
    await fs.utimes(this.entryDir(key), when, when).catch(() => undefined);
  }

  /** Every complete entry with its size and last use; entries without a readable manifest are left out. */
  async list(): Promise<CacheEntryInfo[]> {
    const names = await fs.readdir(this.stagesDir).catch(() => [] as string[]);
    const entries: CacheEntryInfo[] = [];
    for (const key of names.sort()) {
      const record = await this.lookup(key);
      if (!record) continue;
      const stat = await fs.stat(this.entryDir(key));
      entries.push({
        key,
        stageId: record.stageId,
        plugin: record.plugin,
        version: record.version,
        createdAt: record.createdAt,
        lastUsed: stat.mtime,
        bytes: await folderBytes(this.entryDir(key)),
      });
    }
    return entries;
  }

  /** Deletes an entry: renamed out of stages/ first, so a concurrent lookup sees it whole or not at all. */
  async remove(key: string): Promise<void> {
    const doomed = path.join(this.tmpDir, `${process.pid}@${HOST_TAG}-remove-${key}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(this.tmpDir, { recursive: true });
    await fs.rename(this.entryDir(key), doomed);
    await fs.rm(doomed, { recursive: true, force: true });
    await fs.rm(path.join(this.cacheDir, 'checkpoints', key), { recursive: true, force: true });
  }

  /**
   * Removes what processes on this host that no longer exist (a run killed with SIGKILL, a crash)
   * left: their temp folders (unfinished writes) and their locks. Checkpoints stay: the next run of
   * the same key resumes from them.
   */
  async cleanStale(): Promise<StaleLeftovers> {
    const temps = new Map<number, string[]>();
    for (const name of await fs.readdir(this.tmpDir).catch(() => [] as string[])) {
      const owner = tempOwner(name);
      if (!owner || !owner.local || owner.pid === process.pid || isProcessAlive(owner.pid)) continue;
      await fs.rm(path.join(this.tmpDir, name), { recursive: true, force: true });
      temps.set(owner.pid, [...(temps.get(owner.pid) ?? []), owner.label]);
    }
    const locks: LockOwner[] = [];
    for (const name of await fs.readdir(this.locksDir).catch(() => [] as string[])) {
      if (!name.endsWith('.lock')) continue;
      const file = path.join(this.locksDir, name);
      const [owner, info] = await Promise.all([readLockOwner(file), fs.stat(file).catch(() => null)]);
      // Only dead local holders: a lock from another host is judged by age when someone needs it.
      if (!owner || !info || owner.host !== os.hostname() || !isLockStale(owner, info.mtimeMs, Infinity)) continue;
      const again = await readLockOwner(file);
      if (again?.token !== owner.token) continue;
      await fs.rm(file, { force: true });
      locks.push(owner);
    }
    return { temps, locks };
  }

  /** cleanStale's count of temp folders (kept for callers that only need the number). */
  async cleanStaleTemp(): Promise<number> {
    const { temps } = await this.cleanStale();
    return [...temps.values()].reduce((n, labels) => n + labels.length, 0);
  }

  /**
   * Writes the outputs of one stage execution and publishes them under `key` atomically. If an entry
   * is there already (another run committed the same key), a sound one is kept and returned; a
   * damaged one is quarantined and replaced.
   */
  async commit(key: string, meta: Omit<StageRecord, 'key' | 'outputs' | 'createdAt' | 'files'>, outputs: OutputValues): Promise<StageRecord> {
    const staging = await this.makeTemp(`commit-${meta.stageId}`);
    try {
      const refs: Record<string, ArtifactRef> = {};
      const files: Record<string, Record<string, FileDigest>> = {};
      for (const [name, { kind, value }] of Object.entries(outputs)) {
        const dir = path.join(staging, name);
        await fs.mkdir(dir);
        const codec = codecFor(kind);
        await codec.save(value as never, dir);
        const digest = await digestDirectory(dir);
        refs[name] = { kind, hash: digest.hash, path: name };
        files[name] = digest.files;
      }
      const record: StageRecord = { key, ...meta, createdAt: new Date().toISOString(), outputs: refs, files };
      await fs.writeFile(path.join(staging, MANIFEST), `${JSON.stringify(record, null, 2)}\n`);
      await fs.mkdir(this.stagesDir, { recursive: true });
      for (let attempt = 0; ; attempt++) {
        try {
          await fs.rename(staging, this.entryDir(key));
          break;
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if ((code !== 'ENOTEMPTY' && code !== 'EEXIST') || attempt > 0) throw err;
          // Another run published the same key first: identical inputs, so a sound entry is as good as ours.
          const existing = await this.open(key);
          if (existing.state === 'hit') return existing.record;
        }
      }
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
    const published = await this.lookup(key);
    if (!published) throw new Error(`cache entry ${this.entryDir(key)} could not be written`);
    return published;
  }

  async load<K extends ArtifactKind>(ref: ArtifactRef & { kind: K }): Promise<ArtifactTypes[K]> {
    return codecFor(ref.kind).load(ref.path);
  }

  /** Manifests store paths relative to the entry so the cache folder can move. */
  private withPaths(record: StageRecord): StageRecord {
    const outputs: Record<string, ArtifactRef> = {};
    for (const [name, ref] of Object.entries(record.outputs)) {
      outputs[name] = { ...ref, path: path.resolve(this.entryDir(record.key), ref.path) };
    }
    return { ...record, outputs };
  }
}
