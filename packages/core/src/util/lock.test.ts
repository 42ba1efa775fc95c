import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, readLockOwner, tryLock } from './lock.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'lock-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

// pid 2^22+1 is above Linux's default pid_max: never alive.
const DEAD_PID = 4194305;

describe('lock files', () => {
  it('one holder at a time; the file names the holder; release frees it', async () => {
    const file = path.join(root, 'locks', 'k.lock');
    const attempts = await Promise.all([tryLock(file, { info: { stage: 'a' } }), tryLock(file, { info: { stage: 'b' } }), tryLock(file)]);
    const held = attempts.filter((a) => a.held);
    expect(held).toHaveLength(1);
    const owner = await readLockOwner(file);
    expect(owner).toMatchObject({ pid: process.pid, host: os.hostname() });
    const busy = await tryLock(file);
    expect(busy.held).toBeUndefined();
    expect(busy.owner?.token).toBe(owner?.token);
    await held[0]!.held!.release();
    expect(existsSync(file)).toBe(false);
    const again = await tryLock(file);
    expect(again.held).toBeDefined();
    await again.held!.release();
    // Only the lock file itself was ever in the folder (no temp or break files left).
    expect(await fs.readdir(path.join(root, 'locks'))).toEqual([]);
  });

  it('takes over the lock of a dead process on this host, and says whose it was', async () => {
    const file = path.join(root, 'k.lock');
    await fs.writeFile(file, JSON.stringify({ pid: DEAD_PID, host: os.hostname(), stage: 'train' }));
    const attempt = await tryLock(file);
    expect(attempt.held?.tookOverFrom).toMatchObject({ pid: DEAD_PID, stage: 'train' });
    expect((await readLockOwner(file))?.pid).toBe(process.pid);
    await attempt.held!.release();
  });

  it('a lock from another host is stale only once it stops being refreshed', async () => {
    const file = path.join(root, 'k.lock');
    await fs.writeFile(file, JSON.stringify({ pid: DEAD_PID, host: 'elsewhere', token: 't' }));
    // Another host's pid means nothing here: fresh, so it holds.
    expect((await tryLock(file, { staleMs: 60_000 })).owner).toMatchObject({ host: 'elsewhere' });
    const old = new Date(Date.now() - 120_000);
    await fs.utimes(file, old, old);
    const attempt = await tryLock(file, { staleMs: 60_000 });
    expect(attempt.held?.tookOverFrom).toMatchObject({ host: 'elsewhere' });
    await attempt.held!.release();
  });

  it('a live holder refreshes its lock; release leaves a lock taken over by someone else alone', async () => {
    const file = path.join(root, 'k.lock');
    const first = await tryLock(file, { heartbeatMs: 20 });
    const old = new Date(Date.now() - 60_000);
    await fs.utimes(file, old, old);
    await new Promise((r) => setTimeout(r, 120));
    expect(Date.now() - (await fs.stat(file)).mtimeMs).toBeLessThan(30_000);
    // Someone removed it and took it (as after a wrong stale judgement): our release must not remove theirs.
    await fs.rm(file);
    const second = await tryLock(file);
    await first.held!.release();
    expect(existsSync(file)).toBe(true);
    await second.held!.release();
  });

  it('acquireLock waits, says who it waits for, and stops on abort', async () => {
    const file = path.join(root, 'k.lock');
    const first = await tryLock(file, { info: { stage: 'extract' } });
    const waitedFor: unknown[] = [];
    const waiting = acquireLock(file, { pollMs: 20, onWait: (o) => waitedFor.push(o?.stage) });
    await new Promise((r) => setTimeout(r, 100));
    expect(waitedFor).toEqual(['extract']);
    await first.held!.release();
    const second = await waiting;
    expect(second.owner.pid).toBe(process.pid);

    const controller = new AbortController();
    const blocked = acquireLock(file, { pollMs: 20, signal: controller.signal });
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(blocked).rejects.toThrow('stop');
    await second.release();
  });
});
