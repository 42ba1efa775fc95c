// "Make this folder once per key, whichever process gets there first": used for generated reference
// outputs (PyTorch, scikit-learn) shared by test files running in parallel. One process takes a lock
// file (lock.ts), writes into a temp folder and renames it into place; the others wait for the result.
// A lock whose owner has died (or that was not refreshed for staleLockMs) is taken over.

import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { tryLock, type HeldLock } from './lock.js';

export interface KeyedFolderOptions<T> {
  /** Parent folder; each key gets `<root>/<key>`. */
  root: string;
  /** 16 hex digits (other 16-hex folders under root are old versions and are removed). */
  key: string;
  /** The finished result in `dir`, or undefined while it is incomplete. */
  read(dir: string): Promise<T | undefined>;
  /** Writes everything into `tmpDir` (created, empty). Throw to abandon. */
  generate(tmpDir: string): Promise<void>;
  /** How long to wait for another process's generation. */
  timeoutMs: number;
  staleLockMs?: number;
}

export async function ensureKeyedFolder<T>(options: KeyedFolderOptions<T>): Promise<{ dir: string; value: T }> {
  const dir = path.join(options.root, options.key);
  const ready = async (): Promise<{ dir: string; value: T } | undefined> => {
    const value = await options.read(dir);
    return value === undefined ? undefined : { dir, value };
  };
  const cached = await ready();
  if (cached) return cached;
  await mkdir(options.root, { recursive: true });
  const lock = `${dir}.lock`;
  const deadline = Date.now() + options.timeoutMs;
  let held: HeldLock;
  for (;;) {
    const done = await ready();
    if (done) return done;
    const attempt = await tryLock(lock, { staleMs: options.staleLockMs ?? 30 * 60_000 });
    if (attempt.held) {
      held = attempt.held;
      break;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    const again = await ready();
    if (again) return again;
    const tmp = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await mkdir(tmp, { recursive: true });
    try {
      await options.generate(tmp);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw err;
    }
    await rename(tmp, dir);
    for (const entry of await readdir(options.root)) {
      if (/^[0-9a-f]{16}$/.test(entry) && entry !== options.key) await rm(path.join(options.root, entry), { recursive: true, force: true });
    }
    const value = await options.read(dir);
    if (value === undefined) throw new Error(`${dir} is incomplete right after it was generated`);
    return { dir, value };
  } finally {
    await held.release();
  }
}
