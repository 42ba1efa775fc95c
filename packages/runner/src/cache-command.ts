// `runner cache ls | prune`: what the stage cache holds and how to make it smaller. An entry's last
// use is the time a run last produced or reused it (the runner touches the entry's folder).

import path from 'node:path';
import { ArtifactStore, type CacheEntryInfo } from './store/artifact-store.js';
import { formatBytes } from './format.js';

export type CacheCommand =
  | { action: 'ls'; cacheDir: string; json: boolean }
  | { action: 'prune'; cacheDir: string; olderThanMs?: number; keepLast?: number; dryRun: boolean };

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
