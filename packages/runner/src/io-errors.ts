// Failures of the machine rather than of a stage: a full disk, a read-only or unwritable folder.
// They become one line that says what was being written, where, why, and what to change — and exit 2
// (an environment problem, like a config one), never a stack trace or "stage X failed" for a stage
// that had nothing to do with it.

import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A problem of the environment, already phrased for the user (one line). Exit code 2. */
export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is a file, not a folder',
  ENOENT: 'a folder on the way does not exist',
  EMFILE: 'too many open files',
};

/** Error codes that say the disk or the folder is the problem, whatever the operation. */
const ENVIRONMENT_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EIO']);

export function errnoCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A full disk, a read-only or forbidden folder, an I/O error: not a bug of whoever was writing. */
export function isEnvironmentFailure(err: unknown): boolean {
  return err instanceof EnvironmentError || ENVIRONMENT_CODES.has(errnoCode(err) ?? '');
}

export function describeReason(err: unknown): string {
  const code = errnoCode(err);
  return code && REASONS[code] ? `${REASONS[code]} (${code})` : (err as Error).message.split('\n')[0] ?? String(err);
}

/** The path an fs error is about: the destination of a copy or rename, else its path. */
export function errorPath(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  return e.dest ?? e.path;
}

/** What to change, for a failure of `code` under the folder that `setting` (e.g. runtime.runsDir) names. */
export function fixFor(setting: string, code: string | undefined): string {
  return code === 'ENOSPC' || code === 'EDQUOT' ? `make room there, or set ${setting} to a folder on a disk with space` : `set ${setting} to a writable folder`;
}

/**
 * Runs `fn`; an environment failure becomes "<reason> while <doing>: <path>; <fix>" (the path from the
 * error, else `target`; the fix names `setting`). Other errors pass through.
 */
export async function duringWrite<T>(doing: string, target: string | undefined, setting: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof EnvironmentError) throw err;
    const where = errorPath(err) ?? target;
    // A recursive mkdir on a read-only mount says ENOENT: find the real reason.
    if (errnoCode(err) === 'ENOENT' && (err as NodeJS.ErrnoException).syscall === 'mkdir' && where) {
      const why = await whyMkdirFailed(where, err);
      if (why !== describeReason(err)) throw new EnvironmentError(`cannot create ${where} while ${doing}: ${why}; ${fixFor(setting, undefined)}`, 'ENOENT');
    }
    if (!isEnvironmentFailure(err)) throw err;
    throw new EnvironmentError(`${describeReason(err)} while ${doing}${where ? `: ${where}` : ''}; ${fixFor(setting, errnoCode(err))}`, errnoCode(err));
  }
}

/**
 * Why `mkdir -p target` failed, in words. Node's recursive mkdir reports ENOENT for a read-only
 * mount, so the components are created one by one to find the real reason.
 */
export async function whyMkdirFailed(target: string, err: unknown): Promise<string> {
  const code = errnoCode(err);
  if (code !== 'ENOENT' && code !== 'ENOTDIR') return describeReason(err);
  let existing = path.resolve(target);
  const missing: string[] = [];
  for (;;) {
    const info = await fs.stat(existing).catch(() => null);
    if (info) {
      if (!info.isDirectory()) return `${existing} is a file, not a folder`;
      break;
    }
    const parent = path.dirname(existing);
    if (parent === existing) return describeReason(err);
    missing.unshift(path.basename(existing));
    existing = parent;
  }
  if (!missing.length) return describeReason(err);
  const next = path.join(existing, missing[0] as string);
  try {
    await fs.mkdir(next);
    await fs.rmdir(next).catch(() => undefined);
    return describeReason(err);
  } catch (inner) {
    return `${describeReason(inner)} in ${existing}`;
  }
}
