// Advisory lock files shared by processes — and, on a shared file system, by hosts. The lock file
// is created complete or not at all (a temp file hard-linked to the lock's name, which fails if the
// name is taken) and says who holds it: pid, host, when the process started, a random token, and
// whatever the caller adds (e.g. the stage it computes). A holder refreshes the file's mtime while it
// lives (heartbeat). A lock is stale, and taken over, when
//   - its holder is on this host and its process is gone (killed, crashed): checked by pid, and for our
//     own pid by the process start time (a container restart reuses pids), or
//   - it has not been refreshed for `staleMs` (the only test possible for a holder on another host).
// A live holder on this host is never taken over, however long it works (a stage may block the event
// loop for minutes, stopping the heartbeat). Removing a stale lock goes through a short-lived
// `<lock>.break` lock, so two waiters never both remove it and then one of them the other's new lock.
// Advisory only: it protects writers that take it, and relies on link/open(O_EXCL) being atomic
// (true on local file systems and NFSv3+; not on every network file system).

import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** What a lock file says about its holder. */
export interface LockOwner {
  pid: number;
  host: string;
  /** When the holder's process started (ISO); tells our pid from a dead process that had it before. */
  processStarted?: string;
  /** When the lock was taken (ISO). */
  since?: string;
  token?: string;
  /** Anything the caller adds, e.g. `{ stage: 'train' }`. */
  [key: string]: unknown;
}

export interface HeldLock {
  file: string;
  owner: LockOwner;
  /** Set when the lock was taken over from a holder that had died (or stopped refreshing it). */
  tookOverFrom?: LockOwner;
  /** Removes the lock if it is still ours, and stops the heartbeat. Safe to call twice. */
  release(): Promise<void>;
}

export interface LockOptions {
  /** Added to the lock file (JSON-able). */
  info?: Record<string, unknown>;
  /** A lock not refreshed for this long is stale. Default 10 minutes. */
  staleMs?: number;
  /** How often a holder refreshes its lock. Default staleMs / 20, at most 30 s. */
  heartbeatMs?: number;
}

export interface AcquireOptions extends LockOptions {
  /** Called when the lock is found held by someone else, and again whenever the holder changes. */
  onWait?(owner: LockOwner | null): void;
  /** Stop waiting (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Give up after this long (rejects). Default: wait as long as the holder lives. */
  timeoutMs?: number;
  pollMs?: number;
}

const HOST = os.hostname();
const PROCESS_STARTED = new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString();
const BREAK_STALE_MS = 30_000;

/** "pid 123" or "pid 123 on host other". */
export function describeLockOwner(owner: LockOwner | null): string {
  if (!owner) return 'an unknown process';
  return `pid ${owner.pid}${owner.host && owner.host !== HOST ? ` on host ${owner.host}` : ''}`;
}

/** The holder of a lock file, or null when there is none (or it cannot be read). */
export async function readLockOwner(file: string): Promise<LockOwner | null> {
  try {
    const value = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<LockOwner>;
    if (typeof value !== 'object' || value === null || !Number.isInteger(value.pid)) return null;
    // Locks written before hosts were recorded were all local.
    return { ...value, pid: value.pid as number, host: typeof value.host === 'string' ? value.host : HOST };
  } catch {
    return null;
  }
}

/** Whether a lock with this holder and mtime may be taken over. */
export function isLockStale(owner: LockOwner | null, mtimeMs: number, staleMs: number, now = Date.now()): boolean {
  if (owner && owner.host === HOST) {
    if (owner.pid === process.pid) return owner.processStarted !== undefined && owner.processStarted !== PROCESS_STARTED;
    if (!isProcessAlive(owner.pid)) return true;
    return false;
  }
  return now - mtimeMs > staleMs;
}

/** Creates `file` with `content` unless it exists: true if it was created. */
async function createExclusive(file: string, content: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, content, { flag: 'wx' });
  try {
    await fs.link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    // No hard links here: O_EXCL create, then the content (a reader may briefly see it empty).
    try {
      await fs.writeFile(file, content, { flag: 'wx' });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw e;
    }
  } finally {
    await fs.rm(tmp, { force: true });
  }
}

/** Removes a stale lock under the `.break` lock, if it is still the one judged stale. */
async function breakStale(file: string, judged: LockOwner | null, judgedMtime: number): Promise<void> {
  const breaker = `${file}.break`;
  if (!(await createExclusive(breaker, JSON.stringify({ pid: process.pid, host: HOST })))) {
    const info = await fs.stat(breaker).catch(() => null);
    // Its creator died half-way through a break: clear it; the next poll breaks again.
    if (info && Date.now() - info.mtimeMs > BREAK_STALE_MS) await fs.rm(breaker, { force: true });
    return;
  }
  try {
    const [owner, info] = await Promise.all([readLockOwner(file), fs.stat(file).catch(() => null)]);
    if (!info) return;
    const same = owner?.token !== undefined ? owner.token === judged?.token : info.mtimeMs === judgedMtime;
    if (same) await fs.rm(file, { force: true });
  } finally {
    await fs.rm(breaker, { force: true });
  }
}

function hold(file: string, owner: LockOwner, heartbeatMs: number, tookOverFrom: LockOwner | null): HeldLock {
  const timer = setInterval(() => {
    const now = new Date();
    fs.utimes(file, now, now).catch(() => undefined);
  }, heartbeatMs);
  timer.unref();
  let released = false;
  return {
    file,
    owner,
    ...(tookOverFrom ? { tookOverFrom } : {}),
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      const current = await readLockOwner(file);
      if (current?.token === owner.token) await fs.rm(file, { force: true });
    },
  };
}

/**
 * One attempt: the lock if it was free (or stale, then taken over), else who holds it.
 */
export async function tryLock(file: string, options: LockOptions = {}): Promise<{ held: HeldLock; owner?: undefined } | { held?: undefined; owner: LockOwner | null }> {
  const staleMs = options.staleMs ?? 10 * 60_000;
  const heartbeatMs = options.heartbeatMs ?? Math.min(30_000, Math.max(50, Math.floor(staleMs / 20)));
  await fs.mkdir(path.dirname(file), { recursive: true });
  const owner: LockOwner = {
    ...options.info,
    pid: process.pid,
    host: HOST,
    processStarted: PROCESS_STARTED,
    since: new Date().toISOString(),
    token: randomBytes(8).toString('hex'),
  };
  let previous: LockOwner | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await createExclusive(file, `${JSON.stringify(owner)}\n`)) return { held: hold(file, owner, heartbeatMs, previous) };
    const [current, info] = await Promise.all([readLockOwner(file), fs.stat(file).catch(() => null)]);
    if (!info) continue; // released meanwhile: try again at once
    if (!isLockStale(current, info.mtimeMs, staleMs)) return { owner: current };
    previous = current;
    await breakStale(file, current, info.mtimeMs);
  }
  return { owner: await readLockOwner(file) };
}

/** Waits for the lock (polling), taking it over from a dead holder. */
export async function acquireLock(file: string, options: AcquireOptions = {}): Promise<HeldLock> {
  const pollMs = options.pollMs ?? 250;
  const deadline = options.timeoutMs !== undefined ? Date.now() + options.timeoutMs : Infinity;
  let announced: string | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const attempt = await tryLock(file, options);
    if (attempt.held) return attempt.held;
    const who = attempt.owner ? `${attempt.owner.host}:${attempt.owner.pid}:${attempt.owner.token ?? ''}` : 'unknown';
    if (who !== announced) {
      announced = who;
      options.onWait?.(attempt.owner);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for the lock ${file}, held by ${describeLockOwner(attempt.owner)}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done(): void {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', done);
        resolve();
      }
      options.signal?.addEventListener('abort', done, { once: true });
    });
  }
}
