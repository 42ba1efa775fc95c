// `runner cache ls | prune | verify`: what the stage cache holds, how to make it smaller, and whether
// every entry still holds the bytes it was committed with. An entry's last use is the time a run last
// produced or reused it (the runner touches the entry's folder).

import path from 'node:path';
import { ArtifactStore, type CacheEntryInfo } from './store/artifact-store.js';
import { formatBytes } from './format.js';

export type CacheCommand =
  | { action: 'ls'; cacheDir: string; json: boolean }
  | { action: 'prune'; cacheDir: string; olderThanMs?: number; keepLast?: number; dryRun: boolean }
  | { action: 'verify'; cacheDir: string; repair: boolean };

const day = (d: Date): string => d.toISOString().replace('T', ' ').replace(/:\d\d\.\d+Z$/, 'Z');

/**
 * The entries `prune` deletes: of each stage id's entries, newest use first, the first `keepLast` are
 * kept; of the rest, those last used before `now - olderThanMs` go (all of the rest without an age).
 */
export function entriesToPrune(entries: CacheEntryInfo[], rule: { olderThanMs?: number; keepLast?: number }, now = Date.now()): CacheEntryInfo[] {
  const byStage = new Map<string, CacheEntryInfo[]>();
  for (const e of entries) byStage.set(e.stageId, [...(byStage.get(e.stageId) ?? []), e]);
  const doomed: CacheEntryInfo[] = [];
  for (const group of byStage.values()) {
    group.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime() || (a.key < b.key ? -1 : 1));
    for (const [i, e] of group.entries()) {
      if (rule.keepLast !== undefined && i < rule.keepLast) continue;
      if (rule.olderThanMs !== undefined && now - e.lastUsed.getTime() <= rule.olderThanMs) continue;
      doomed.push(e);
    }
  }
  return doomed.sort((a, b) => (a.key < b.key ? -1 : 1));
}

export async function cacheCommand(cmd: CacheCommand, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const cacheDir = path.resolve(cmd.cacheDir);
  const store = new ArtifactStore(cacheDir);
  if (cmd.action === 'verify') return verifyCommand(store, cmd.repair, out);
  const entries = await store.list();
  if (cmd.action === 'ls') {
    if (cmd.json) {
      out.write(`${JSON.stringify(entries, null, 2)}\n`);
      return 0;
    }
    if (!entries.length) {
      out.write(`cache ${cacheDir}: no entries\n`);
      return 0;
    }
    const rows = [...entries]
      .sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime())
      .map((e) => [e.key.slice(0, 12), e.stageId, `${e.plugin}@${e.version}`, formatBytes(e.bytes), day(new Date(e.createdAt)), day(e.lastUsed)]);
    const header = ['key', 'stage', 'plugin', 'size', 'created', 'last used'];
    const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => (r[j] as string).length)));
    const line = (cells: string[]): string => cells.map((c, j) => (j === 3 ? c.padStart(widths[j] as number) : c.padEnd(widths[j] as number))).join('  ').trimEnd();
    out.write(`cache ${cacheDir}: ${entries.length} entries, ${formatBytes(entries.reduce((t, e) => t + e.bytes, 0))}\n`);
    out.write(`${[line(header), ...rows.map(line)].join('\n')}\n`);
    const quarantined = await store.quarantined();
    if (quarantined.length) out.write(`quarantine: ${quarantined.length} damaged entr${quarantined.length === 1 ? 'y' : 'ies'} moved aside in ${store.quarantineDir} (each has a quarantine.json saying why; delete when done)\n`);
    return 0;
  }
  const doomed = entriesToPrune(entries, cmd);
  const freed = formatBytes(doomed.reduce((t, e) => t + e.bytes, 0));
  for (const e of doomed) {
    out.write(`${cmd.dryRun ? 'would delete' : 'delete'} ${e.key.slice(0, 12)}  ${e.stageId}  ${formatBytes(e.bytes)}  last used ${day(e.lastUsed)}\n`);
    if (!cmd.dryRun) await store.remove(e.key);
  }
  out.write(`${cmd.dryRun ? 'would free' : 'freed'} ${freed} (${doomed.length} of ${entries.length} entries); ${cacheDir}\n`);
  return 0;
}

/**
 * Re-hashes every entry against its manifest. Without `repair`: lists the damaged ones and exits 1.
 * With it: moves each damaged entry to <cacheDir>/quarantine/ (nothing is deleted) and exits 0.
 */
async function verifyCommand(store: ArtifactStore, repair: boolean, out: NodeJS.WritableStream): Promise<number> {
  const keys = await store.keys();
  let bytes = 0;
  let files = 0;
  const damaged: { key: string; problem: string }[] = [];
  const t0 = Date.now();
  for (const key of keys) {
    const found = await store.check(key);
    if (found.state === 'hit') {
      bytes += found.verified.bytes;
      files += found.verified.files;
    } else if (found.state === 'damaged') {
      damaged.push({ key, problem: found.problem });
    }
  }
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  for (const { key, problem } of damaged) {
    if (repair) {
      const moved = await store.quarantine(key, problem);
      out.write(`damaged ${key}: ${problem}; ${moved ? `moved to ${moved}` : 'already gone'}\n`);
    } else {
      out.write(`damaged ${key}: ${problem}\n`);
    }
  }
  const summary = `cache ${store.cacheDir}: ${keys.length} entries, ${files} files (${formatBytes(bytes)}) re-hashed in ${seconds} s; ${damaged.length} damaged`;
  if (!damaged.length) {
    out.write(`${summary}\n`);
    return 0;
  }
  if (repair) {
    out.write(`${summary}, moved to ${store.quarantineDir} (the stages that made them run again when next needed)\n`);
    return 0;
  }
  out.write(`${summary}; \`runner cache verify --repair\` moves them to ${store.quarantineDir} (a run also does, when it meets one)\n`);
  return 1;
}
