// --out is only ever written by one rename: everything is built in a hidden sibling folder
// (`.<name>.partial-<pid>-XXXXXX`, same filesystem, so the rename is atomic and the download lands on
// the disk that will hold the data, not in a possibly small /tmp) and renamed onto --out at the end.
// A failed or interrupted fetch removes its sibling; one killed outright leaves it, and the next fetch
// into the same --out removes it once its process is gone.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isProcessAlive } from '@neuro-ssl/core/util';
import { DataFetchError } from './data-fetch-error.js';

/** Throws DataFetchError (exit 2) unless `out` is missing or an empty folder. */
export async function checkOutputFolder(out: string, shown = out): Promise<void> {
  const stat = await fs.stat(out).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw new DataFetchError(`cannot use --out ${shown}: ${err.message}`, 2);
  });
  if (stat === null) return;
  if (!stat.isDirectory()) throw new DataFetchError(`--out ${shown} is a file, not a folder: choose another --out`, 2);
  const entries = await fs.readdir(out);
  if (entries.length > 0) {
    const shownEntries = entries.sort().slice(0, 3).join(', ') + (entries.length > 3 ? ', …' : '');
    throw new DataFetchError(`--out ${shown} is not empty (${entries.length} entries: ${shownEntries}): refusing to write into it; choose another --out or empty it`, 2);
  }
}

export interface Staging {
  /** The dataset as it is built; becomes --out. */
  dataset: string;
  /** Scratch: the download and the extracted images before they are sorted. */
  scratch: string;
  /** Renames the dataset onto --out (checked empty again) and removes the rest. */
  publish(): Promise<void>;
  /** Removes everything this fetch created (idempotent). */
  discard(): Promise<void>;
}

export async function createStaging(out: string, shown = out): Promise<Staging> {
  const parent = path.dirname(out);
  const prefix = `.${path.basename(out)}.partial-`;
  let created: string | undefined;
  try {
    created = await fs.mkdir(parent, { recursive: true });
  } catch (err) {
    throw new DataFetchError(`cannot create the folder of --out ${shown} (${parent}): ${(err as Error).message}`, 2);
  }
  await removeAbandoned(parent, prefix);
  const root = await fs.mkdtemp(path.join(parent, `${prefix}${process.pid}-`));
  const dataset = path.join(root, 'dataset');
  const scratch = path.join(root, 'scratch');
  await fs.mkdir(dataset);
  await fs.mkdir(scratch);
  let published = false;
  return {
    dataset,
    scratch,
    async publish() {
      await checkOutputFolder(out, shown);
      // rename() replaces an empty folder on POSIX but not on Windows: remove it first.
      await fs.rmdir(out).catch(() => undefined);
      await fs.rename(dataset, out);
      published = true;
      await fs.rm(root, { recursive: true, force: true });
    },
    async discard() {
      await fs.rm(root, { recursive: true, force: true });
      if (published || created === undefined) return;
      // Folders made only for --out go too, from the deepest up, while empty.
      for (let dir = parent; dir.length >= created.length; dir = path.dirname(dir)) {
        if (!(await fs.rmdir(dir).then(() => true, () => false))) break;
      }
    },
  };
}

/** Partial folders whose process no longer runs (a fetch killed with SIGKILL or by a crash). */
async function removeAbandoned(parent: string, prefix: string): Promise<void> {
  for (const name of await fs.readdir(parent).catch(() => [] as string[])) {
    const pid = name.startsWith(prefix) ? Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]) : NaN;
    if (Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid)) await fs.rm(path.join(parent, name), { recursive: true, force: true });
  }
}
