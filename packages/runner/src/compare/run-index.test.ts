import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunFolders, type Fixture } from './__fixtures__/run-folders.js';
import { listRuns, resolveRunTarget, RunTargetError } from './run-index.js';

let fx: Fixture;
beforeAll(async () => {
  fx = await makeRunFolders();
});
afterAll(() => fx.cleanup());

describe('listRuns', () => {
  it('lists every run folder newest first, crashed ones as incomplete, and skips non-run folders', async () => {
    const runs = await listRuns(fx.runsDir);
    expect(runs.map((r) => [r.name, r.folder, r.status])).toEqual([
      ['exp-a', '2026-12-03T09-00-00Z', 'incomplete'],
      ['exp-a', '2026-12-02T10-00-00Z', 'ok'],
      ['exp-a', '2026-12-01T10-00-00Z', 'ok'],
      ['exp-old', '2026-11-20T08-30-00Z', 'failed'],
    ]);
    const [crashed, partial] = runs;
    expect(crashed).toMatchObject({ dir: fx.crashed, startedAt: '2026-12-03T09:00:00.000Z', stages: { total: 0 } });
    expect(crashed!.headline).toBeUndefined();
    expect(partial).toMatchObject({ dir: fx.partial, exitCode: 0, durationMs: 137_074, stages: { total: 3, ran: 1, cached: 2, failed: 0, other: 0 }, headline: 'validation F2 0.900' });
  });

  it('reads an old-format summary (no format, provenance, metrics or versions)', async () => {
    const [old] = await listRuns(fx.runsDir, 'exp-old');
    expect(old).toMatchObject({ status: 'failed', exitCode: 1, error: 'stage ssl failed', stages: { total: 4, ran: 2, cached: 1, failed: 1, other: 0 } });
    // The last stage with a headline is train (ssl failed without one).
    expect(old!.headline).toBe('validation F2 0.800');
  });

  it('puts a same-second -N run before its sibling, and is empty for a missing runs dir or name', async () => {
    const second = path.join(fx.runsDir, 'exp-a', '2026-12-02T10-00-00Z-2');
    await fs.cp(fx.partial, second, { recursive: true });
    try {
      const folders = (await listRuns(fx.runsDir, 'exp-a')).map((r) => r.folder);
      expect(folders).toEqual(['2026-12-03T09-00-00Z', '2026-12-02T10-00-00Z-2', '2026-12-02T10-00-00Z', '2026-12-01T10-00-00Z']);
    } finally {
      await fs.rm(second, { recursive: true });
    }
    expect(await listRuns(path.join(fx.runsDir, 'nope'))).toEqual([]);
    expect(await listRuns(fx.runsDir, 'nope')).toEqual([]);
  });
});

describe('resolveRunTarget', () => {
  it('returns a run folder given as a path', async () => {
    expect(await resolveRunTarget(fx.probe, fx.runsDir)).toBe(fx.probe);
    expect(await resolveRunTarget(path.relative(process.cwd(), fx.probe), '/elsewhere')).toBe(fx.probe);
  });

  it('resolves an experiment name, or its folder, to the newest finished run (not the crashed one)', async () => {
    expect(await resolveRunTarget('exp-a', fx.runsDir)).toBe(fx.partial);
    expect(await resolveRunTarget(path.join(fx.runsDir, 'exp-a'), '/elsewhere')).toBe(fx.partial);
    expect(await resolveRunTarget('exp-old', fx.runsDir)).toBe(fx.old);
  });

  it('names what it looked for, and where, for an unknown name', async () => {
    const err = await resolveRunTarget('exp-b', fx.runsDir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RunTargetError);
    expect((err as RunTargetError).exitCode).toBe(2);
    expect((err as Error).message).toBe(
      `no run folder or experiment named "exp-b": ${path.resolve('exp-b')} does not exist and there is no ${path.join(fx.runsDir, 'exp-b')} (did you mean "exp-a"?)`,
    );
    await expect(resolveRunTarget('zzzzzz', fx.runsDir)).rejects.toThrow(`(experiments in ${fx.runsDir}: exp-a, exp-old)`);
    await expect(resolveRunTarget('exp-a', path.join(fx.runsDir, 'missing'))).rejects.toThrow(/runs dir .*missing does not exist/);
    await expect(resolveRunTarget('./no/such/run', fx.runsDir)).rejects.toThrow(`no run folder at ${path.resolve('no/such/run')}`);
  });

  it('refuses a crashed run folder and a folder that holds no runs', async () => {
    await expect(resolveRunTarget(fx.crashed, fx.runsDir)).rejects.toThrow(`${fx.crashed} is a run folder without summary.json`);
    await expect(resolveRunTarget(fx.runsDir, fx.runsDir)).rejects.toThrow(
      `${fx.runsDir} is neither a run folder (no summary.json) nor an experiment folder (no <timestamp> run folders)`,
    );
    const onlyCrashed = path.join(fx.runsDir, 'exp-crashed');
    await fs.mkdir(path.join(onlyCrashed, '2026-12-05T00-00-00Z'), { recursive: true });
    try {
      await expect(resolveRunTarget('exp-crashed', fx.runsDir)).rejects.toThrow(
        `no finished run of experiment "exp-crashed" in ${onlyCrashed}: its 1 run folder(s) have no readable summary.json (crashed or still running)`,
      );
    } finally {
      await fs.rm(onlyCrashed, { recursive: true });
    }
  });
});
