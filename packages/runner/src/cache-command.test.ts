import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { ArtifactStore, type CacheEntryInfo } from './store/artifact-store.js';
import { describe, expect, it } from 'vitest';
import { cacheCommand, entriesToPrune } from './cache-command.js';
import { formatBytes } from './format.js';

const DAY = 86_400_000;

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

const entry = (key: string, stageId: string, daysAgo: number, now: number): CacheEntryInfo => ({
  key,
  stageId,
  plugin: 'p',
  version: '1',
  createdAt: new Date(now - 100 * DAY).toISOString(),
  lastUsed: new Date(now - daysAgo * DAY),
  bytes: 10,
});

describe('cache prune rule', () => {
  const now = Date.UTC(2026, 11, 4);
  const entries = [entry('a', 'extract', 1, now), entry('b', 'extract', 40, now), entry('c', 'extract', 60, now), entry('d', 'train', 90, now)];
  const keys = (list: CacheEntryInfo[]): string[] => list.map((e) => e.key);

  it('--older-than deletes what was last used before the cut-off', () => {
    expect(keys(entriesToPrune(entries, { olderThanMs: 30 * DAY }, now))).toEqual(['b', 'c', 'd']);
  });
  it('--keep-last keeps the most recently used of each stage', () => {
    expect(keys(entriesToPrune(entries, { keepLast: 1 }, now))).toEqual(['b', 'c']);
    expect(keys(entriesToPrune(entries, { keepLast: 2 }, now))).toEqual(['c']);
  });
  it('both: old and not among the last n', () => {
    expect(keys(entriesToPrune(entries, { olderThanMs: 50 * DAY, keepLast: 1 }, now))).toEqual(['c']);
  });
});

describe('runner cache ls / prune on a real store', () => {
  it('lists entries with sizes, and prunes what the rule names (and nothing with --dry-run)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cache-cmd-'));
    const store = new ArtifactStore(dir);
    const meta = (stageId: string) => ({ stageId, plugin: `@x/${stageId}`, version: '1.0.0', durationMs: 5 });
    await store.commit('k-old', meta('train'), { metrics: { kind: 'Metrics', value: { values: { f2: 0.5 } } } });
    await store.commit('k-new', meta('train'), { metrics: { kind: 'Metrics', value: { values: { f2: 0.9 } } } });
    await store.markUsed('k-old', new Date(Date.now() - 45 * DAY));

    const listed = await store.list();
    expect(listed.map((e) => e.key)).toEqual(['k-new', 'k-old']);
    expect(listed[0]!.bytes).toBeGreaterThan(100);
    expect(Date.now() - listed[1]!.lastUsed.getTime()).toBeGreaterThan(44 * DAY);

    const ls = sink();
    expect(await cacheCommand({ action: 'ls', cacheDir: dir, json: false }, ls.stream)).toBe(0);
    expect(ls.text()).toMatch(/2 entries/);
    expect(ls.text().split('\n')[2]).toMatch(/^k-new\s+train\s+@x\/train@1\.0\.0\s+\d+ B/);

    const dry = sink();
    await cacheCommand({ action: 'prune', cacheDir: dir, olderThanMs: 30 * DAY, dryRun: true }, dry.stream);
    expect(dry.text()).toMatch(/would delete k-old/);
    expect((await store.list()).length).toBe(2);

    const pruned = sink();
    await cacheCommand({ action: 'prune', cacheDir: dir, olderThanMs: 30 * DAY, dryRun: false }, pruned.stream);
    expect(pruned.text()).toMatch(/freed \d+ B \(1 of 2 entries\)/);
    expect(await store.lookup('k-old')).toBeNull();
    expect(await store.lookup('k-new')).not.toBeNull();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('verify: exit 1 listing a damaged entry; --repair moves it to quarantine/ and exits 0', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cache-verify-'));
    const store = new ArtifactStore(dir);
    const meta = { stageId: 'train', plugin: '@x/train', version: '1.0.0', durationMs: 5 };
    await store.commit('good', meta, { metrics: { kind: 'Metrics', value: { values: { f2: 0.5 } } } });
    const bad = await store.commit('bad', meta, { metrics: { kind: 'Metrics', value: { values: { f2: 0.9 } } } });
    const file = path.join(bad.outputs.metrics!.path, 'metrics.json');
    await fs.appendFile(file, ' ');

    const check = sink();
    expect(await cacheCommand({ action: 'verify', cacheDir: dir, repair: false }, check.stream)).toBe(1);
    expect(check.text()).toMatch(/^damaged bad: output "metrics" \(Metrics\) does not match .*metrics\.json has \d+ bytes instead of \d+/m);
    expect(check.text()).toMatch(/2 entries, .* 1 damaged; `runner cache verify --repair`/);
    expect(await store.lookup('bad')).not.toBeNull(); // reported, not moved

    const repair = sink();
    expect(await cacheCommand({ action: 'verify', cacheDir: dir, repair: true }, repair.stream)).toBe(0);
    expect(repair.text()).toMatch(/damaged bad: .*; moved to .*quarantine[\\/]bad-/);
    expect(await store.lookup('bad')).toBeNull();
    expect(await store.quarantined()).toHaveLength(1);

    const clean = sink();
    expect(await cacheCommand({ action: 'verify', cacheDir: dir, repair: false }, clean.stream)).toBe(0);
    expect(clean.text()).toMatch(/1 entries, 1 files .* 0 damaged/);
    const ls = sink();
    await cacheCommand({ action: 'ls', cacheDir: dir, json: false }, ls.stream);
    expect(ls.text()).toMatch(/quarantine: 1 damaged entry moved aside/);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('formats sizes', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1_500_000)).toBe('1.5 MB');
  });
});
