// Content-addressed stage cache. A stage execution is addressed by the hash of everything that
// determines its outputs (plugin name + version, resolved config, input artifact hashes, seed); its
// outputs live in <cacheDir>/stages/<key>/, written to a temp folder first and renamed in one step,
// so a run killed at any moment leaves either a complete entry or none.

import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { codecFor, type ArtifactKind, type ArtifactTypes } from '@neuro-ssl/core';
import { isProcessAlive, stableStringify } from '@neuro-ssl/core/util';

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
  const hash = createHash('sha256');
  const walk = async (rel: string): Promise<void> => {
    const entries = await fs.readdir(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const child = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        await walk(child);
      } else {
        const bytes = await fs.readFile(path.join(dir, child));
        hash.update(`${child}\0${bytes.length}\0`).update(bytes);
      }
    }
  };
  await walk('');
  return hash.digest('hex');
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

  constructor(readonly cacheDir: string) {
    this.stagesDir = path.join(cacheDir, 'stages');
    this.tmpDir = path.join(cacheDir, 'tmp');
  }

  entryDir(key: string): string {
    return path.join(this.stagesDir, key);
  }

  /** The completed entry for a key, or null. An entry without a readable manifest does not exist. */
  async lookup(key: string): Promise<StageRecord | null> {
    try {
      const record = JSON.parse(await fs.readFile(path.join(this.entryDir(key), MANIFEST), 'utf8')) as StageRecord;
      return this.withPaths(record);
    } catch {
      return null;
    }
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
    const dir = path.join(this.tmpDir, `${process.pid}-${label}-${randomBytes(4).toString('hex')}`);
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
    const doomed = path.join(this.tmpDir, `${process.pid}-remove-${key}-${randomBytes(4).toString('hex')}`);
    await fs.mkdir(this.tmpDir, { recursive: true });
    await fs.rename(this.entryDir(key), doomed);
    await fs.rm(doomed, { recursive: true, force: true });
    await fs.rm(path.join(this.cacheDir, 'checkpoints', key), { recursive: true, force: true });
  }

  /** Removes temp folders left by processes that no longer exist (e.g. a run killed with SIGKILL). */
  async cleanStaleTemp(): Promise<number> {
    let removed = 0;
    const names = await fs.readdir(this.tmpDir).catch(() => [] as string[]);
    for (const name of names) {
      const pid = Number.parseInt(name, 10);
      if (Number.isInteger(pid) && pid !== process.pid && !isProcessAlive(pid)) {
        await fs.rm(path.join(this.tmpDir, name), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  /** Writes the outputs of one stage execution and publishes them under `key` atomically. */
  async commit(key: string, meta: Omit<StageRecord, 'key' | 'outputs' | 'createdAt'>, outputs: OutputValues): Promise<StageRecord> {
    const staging = await this.makeTemp(`commit-${meta.stageId}`);
    try {
      const refs: Record<string, ArtifactRef> = {};
      for (const [name, { kind, value }] of Object.entries(outputs)) {
        const dir = path.join(staging, name);
        await fs.mkdir(dir);
        const codec = codecFor(kind);
        await codec.save(value as never, dir);
        refs[name] = { kind, hash: await hashDirectory(dir), path: name };
      }
      const record: StageRecord = { key, ...meta, createdAt: new Date().toISOString(), outputs: refs };
      await fs.writeFile(path.join(staging, MANIFEST), `${JSON.stringify(record, null, 2)}\n`);
      await fs.mkdir(this.stagesDir, { recursive: true });
      try {
        await fs.rename(staging, this.entryDir(key));
      } catch (err) {
        // Another run published the same key first: identical inputs, so its entry is as good as ours.
        const code = (err as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
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
