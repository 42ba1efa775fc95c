// Step 1 of building the dataset: every image of the archive's yes/, no/ and pred/ folders, written once
// under its label-free name into a staging folder, with what is known of its class. Byte-identical copies
// become one image; one whose copies sit in both yes/ and no/ has no trustworthy class and is treated as
// unlabelled (it can only go to sans_label, without a true label).

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BR35H_CLASS_OF, br35hRole, topFolders, type Br35hRole } from './br35h-layout.js';
import { DataFetchError, type DataFetchExitCode } from './data-fetch-error.js';
import { labelFreeName } from './label-free-names.js';
import { listZipEntries, readZipEntry, ZipFormatError, type ZipEntry } from './zip-reader.js';

export interface CollectedImage {
  /** Label-free file name, unique. */
  name: string;
  /** Where it is staged. */
  file: string;
  /** Class folder name (Cancer/Normal), or null: from pred/ only, or copies in two classes. */
  className: string | null;
  /** The archive entries that hold these bytes. */
  sources: string[];
}

export interface CollectReport {
  /** Archive entries per role, before merging byte-identical copies. */
  entries: Record<Br35hRole, number>;
  /** Entries dropped because another entry has the same bytes. */
  identicalCopies: number;
  /** Images whose copies are in both yes/ and no/. */
  conflicting: string[];
  /** Entries in the class folders that are not images (name: reason). */
  notImages: string[];
  /** Archive entries outside yes/, no/ and pred/ (README, Mask-RCNN copies…). */
  otherEntries: number;
}

export interface CollectOptions {
  signal?: AbortSignal;
  /** How messages name the archive (default its path): the URL for a download, whose file is gone. */
  shownAs?: string;
  /**
   * A file that is no readable zip: exit 2 and "download it again" by default (the user's --archive);
   * a download that is no zip (a proxy's login page…) is a failed download: exit 1 and the manual way.
   */
  badArchive?: { exitCode: DataFetchExitCode; advice: string };
}

/** Reads `zipFile`; throws DataFetchError (exit 2) when it is not a zip or not Br35H's layout. */
export async function collectImages(zipFile: string, stagingDir: string, options: CollectOptions = {}): Promise<{ images: CollectedImage[]; report: CollectReport }> {
  const shown = options.shownAs ?? zipFile;
  const bad = options.badArchive ?? { exitCode: 2, advice: 'download it again' };
  const handle = await fs.open(zipFile, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new DataFetchError(`cannot read the archive ${zipFile}: ${err.code === 'ENOENT' ? 'no such file' : err.message}`, 2);
  });
  try {
    let entries: ZipEntry[];
    try {
      entries = await listZipEntries(handle);
    } catch (err) {
      if (err instanceof ZipFormatError) throw new DataFetchError(`${shown} is not a usable zip archive: ${err.message}; ${bad.advice}`, bad.exitCode);
      throw err;
    }
    await fs.mkdir(stagingDir, { recursive: true });
    const report: CollectReport = { entries: { tumour: 0, normal: 0, unlabelled: 0 }, identicalCopies: 0, conflicting: [], notImages: [], otherEntries: 0 };
    const byName = new Map<string, { roles: Set<Br35hRole>; sources: string[] }>();
    const lfsPointers: string[] = [];

    for (const entry of entries) {
      options.signal?.throwIfAborted();
      const role = entry.name.endsWith('/') ? null : br35hRole(entry.name);
      if (role === null) {
        if (!entry.name.endsWith('/')) report.otherEntries++;
        continue;
      }
      let bytes: Uint8Array;
      try {
        bytes = await readZipEntry(handle, entry);
      } catch (err) {
        if (err instanceof ZipFormatError) throw new DataFetchError(`${shown}: ${err.message}; ${bad.advice}`, bad.exitCode);
        throw err;
      }
      report.entries[role]++;
      const name = labelFreeName(bytes);
      if (name === null) {
        if (Buffer.from(bytes.subarray(0, 40)).toString('latin1').startsWith('version https://git-lfs')) lfsPointers.push(entry.name);
        else report.notImages.push(`${entry.name}: ${bytes.length === 0 ? 'empty' : 'not an image'}`);
        continue;
      }
      const known = byName.get(name);
      if (known) {
        known.roles.add(role);
        known.sources.push(entry.name);
        report.identicalCopies++;
        continue;
      }
      await fs.writeFile(path.join(stagingDir, name), bytes, { flag: 'wx' });
      byName.set(name, { roles: new Set([role]), sources: [entry.name] });
    }

    if (lfsPointers.length > 0) {
      throw new DataFetchError(
        `${shown} holds Git LFS pointers instead of images (${lfsPointers.length}, e.g. ${lfsPointers[0]}): GitHub's archive does not include LFS files; ` +
          'download the images themselves (Kaggle, or `git lfs pull` in a clone, then zip it) and pass --archive <file.zip>',
        2,
      );
    }
    if (report.entries.tumour === 0 || report.entries.normal === 0) {
      const tops = topFolders(entries.map((e) => e.name));
      throw new DataFetchError(
        `${shown} is not Br35H's layout: expected images in yes/ (tumour) and no/ (no tumour), at the top of the archive or one folder down; ` +
          `found ${tops.length ? tops.slice(0, 12).join(', ') + (tops.length > 12 ? `, … (${tops.length})` : '') : 'no entries'}`,
        2,
      );
    }

    const images: CollectedImage[] = [];
    for (const [name, { roles, sources }] of byName) {
      const classes = new Set([...roles].filter((r): r is 'tumour' | 'normal' => r !== 'unlabelled').map((r) => BR35H_CLASS_OF[r]));
      if (classes.size > 1) report.conflicting.push(`${name} (${sources.join(', ')})`);
      images.push({ name, file: path.join(stagingDir, name), className: classes.size === 1 ? ([...classes][0] ?? null) : null, sources: sources.sort() });
    }
    images.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { images, report };
  } finally {
    await handle.close();
  }
}
