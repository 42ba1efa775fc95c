import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunFolders, type Fixture } from './__fixtures__/run-folders.js';
import type { RunEntry } from './run-index.js';
import { runsCommand } from './runs-command.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

let fx: Fixture;
beforeAll(async () => {
  fx = await makeRunFolders();
});
afterAll(() => fx.cleanup());

describe('runner runs', () => {
  it('prints one line per run, newest first, with status, duration, stages and headline', async () => {
    const out = capture();
    expect(await runsCommand({ runsDir: fx.runsDir, stream: out.stream })).toBe(0);
    const lines = out.text().trimEnd().split('\n');
    expect(lines[0]).toMatch(/^run folder\s+started\s+status\s+duration\s+stages\s+headline$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
      [fx.crashed, '2026-12-03 09:00 UTC', 'incomplete', '—', '—'],
      [fx.partial, '2026-12-02 10:00 UTC', 'ok', '2m 17s', '1 ran, 2 cached', 'validation F2 0.900'],
      [fx.probe, '2026-12-01 10:00 UTC', 'ok', '2m 17s', '1 ran, 2 cached', 'validation F2 0.950'],
      [fx.old, '2026-11-20 08:30 UTC', 'failed', '1m 05s', '2 ran, 1 cached, 1 failed', 'validation F2 0.800'],
      ['1 incomplete run(s): no summary.json (crashed, killed, or still running)'],
    ]);
  });

  it('filters by experiment name and prints JSON', async () => {
    const out = capture();
    await runsCommand({ runsDir: fx.runsDir, name: 'exp-old', json: true, stream: out.stream });
    const entries = JSON.parse(out.text()) as RunEntry[];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ dir: fx.old, name: 'exp-old', status: 'failed', exitCode: 1, durationMs: 65_000 });
  });

  it('cuts long headlines to 100 characters when not on a terminal', async () => {
    const summaryFile = path.join(fx.probe, 'summary.json');
    const original = await fs.readFile(summaryFile, 'utf8');
    await fs.writeFile(summaryFile, original.replace('validation F2 0.950', `verdict: ${'x'.repeat(200)}`));
    try {
      const out = capture();
      await runsCommand({ runsDir: fx.runsDir, name: 'exp-a', stream: out.stream });
      const headline = out.text().split('\n').find((l) => l.includes('verdict'))!.split(/\s{2,}/).at(-1)!;
      expect(headline).toHaveLength(100);
      expect(headline.endsWith('x…')).toBe(true);
    } finally {
      await fs.writeFile(summaryFile, original);
    }
  });

  it('says so when there are no runs', async () => {
    const empty = await fs.mkdtemp(path.join(os.tmpdir(), 'no-runs-'));
    try {
      const out = capture();
      expect(await runsCommand({ runsDir: empty, stream: out.stream })).toBe(0);
      expect(out.text()).toBe(`no runs found in ${empty}\n`);
      const named = capture();
      expect(await runsCommand({ runsDir: empty, name: 'exp02', stream: named.stream })).toBe(0);
      expect(named.text()).toBe(`no runs of exp02 found in ${empty}\n`);
    } finally {
      await fs.rm(empty, { recursive: true });
    }
  });
});
