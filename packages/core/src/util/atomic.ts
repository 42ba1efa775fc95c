// Atomic writes: write to a temp file beside the target, fsync, then rename. A reader (or a run
// killed half-way) never sees a half-written file.

import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

export function tempPathFor(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The data in a fsynced temp file beside `target`; returns its path. */
async function writeTemp(target: string, data: string | Uint8Array): Promise<string> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const handle = await fs.open(tmp, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return tmp;
}

export async function writeFileAtomic(target: string, data: string | Uint8Array): Promise<void> {
  const tmp = await writeTemp(target, data);
  try {
    await fs.rename(tmp, target);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

export async function writeJsonAtomic(target: string, value: unknown): Promise<void> {
  await writeFileAtomic(target, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Writes `data` to `target` atomically and only if `target` does not exist: the temp file is
 * hard-linked to the target (link fails if the name is taken, unlike rename). False when the name is
 * taken — a run's output never replaces an earlier one.
 */
export async function writeFileExclusive(target: string, data: string | Uint8Array): Promise<boolean> {
  const tmp = await writeTemp(target, data);
  try {
    await fs.link(tmp, target);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    // A file system without hard links: check, then rename (a tiny race instead of none).
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (existsSync(target)) return false;
    await fs.rename(tmp, target);
    return true;
  } finally {
    await fs.rm(tmp, { force: true });
  }
}
