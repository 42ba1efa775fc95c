// The dataset scan: list the labelled class folders and the unlabelled folder (recursively), check
// every file (bytes, format, header, a full decode, a minimum size), hash it, and group
// near-duplicates by pHash. Structural problems and, by default, near-duplicates labelled with two
// classes stop the run; per-file problems become BadFile entries (or stop it, with onBadFile: 'fail').

import { createHash } from 'node:crypto';
import { promises as fs, type Dirent } from 'node:fs';
import path from 'node:path';

import sharp, { type Metadata } from 'sharp';

import { DEFAULT_MIN_SIZE, type DataConfig } from './data-config.js';
import type { Logger } from '../progress/logger.js';
import type { ProgressFactory } from '../progress/progress.js';
import { checkClassFolders, type ClassFolder } from './class-folders.js';
import { suggest } from '../util/suggest.js';
import { DataError } from './data-error.js';
import { formatScanSummary } from './data-report.js';
import type { BadFile, BadFileReason, DatasetIndex, DuplicateGroup, ImageFormat, ImageRecord, Split } from './dataset-index.js';
import { findNearDuplicateGroups } from './near-duplicates.js';
import { computeImageHashes, type ImageHashes } from './phash.js';
import { describeLeadingBytes, hasEndMarker, sniffImage } from './sniff-format.js';

export interface ScanOptions {
  logger: Logger;
  progress?: ProgressFactory;
  /** Files read and decoded at once (default 4); sharp adds its own threads per decode. */
  concurrency?: number;
  signal?: AbortSignal;
}

/** Lines listed before "… and N more" in warnings. */
const MAX_WARN_LINES = 10;
/** Members named in a near-duplicate warning before "…". */
const MAX_GROUP_MEMBERS_SHOWN = 6;

interface PendingFile {
  path: string;
  id: string;
  split: Split;
  label: number;
  className: string | null;
}

/** decodeFailed: sharp rejected the file; classified afterwards, alone (see classifyDecodeFailure). */
type Inspected = { record: ImageRecord } | { bad: BadFile } | { decodeFailed: PendingFile; format: ImageFormat };

// Plain code-unit order: locale-independent, so the index is identical on every machine.
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface Listing {
  files: string[];
  dirs: string[];
  hidden: number;
}

/** Non-hidden entries of a folder, sorted; symlinks are followed (a broken one counts as a file, and is reported when read). */
async function listFolder(dir: string): Promise<Listing> {
  const entries: Dirent[] = await fs.readdir(dir, { withFileTypes: true });
  const listing: Listing = { files: [], dirs: [], hidden: 0 };
  for (const entry of entries) {
    if (entry.name.startsWith('.')) {
      listing.hidden++;
      continue;
    }
    let isDir = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = await fs.stat(path.join(dir, entry.name)).catch(() => null);
      isDir = target?.isDirectory() ?? false;
      isFile = target ? target.isFile() : true;
    }
    if (isDir) listing.dirs.push(entry.name);
    else if (isFile) listing.files.push(entry.name);
  }
  listing.files.sort(byCodeUnit);
  listing.dirs.sort(byCodeUnit);
  return listing;
}

async function isDirectory(p: string): Promise<boolean> {
  return (await fs.stat(p).catch(() => null))?.isDirectory() ?? false;
}

/** Throws a DataError naming the config key, with a near match among the folders beside it. */
async function requireDirectory(dir: string, key: string): Promise<void> {
  if (await isDirectory(dir)) return;
  const exists = (await fs.stat(dir).catch(() => null)) !== null;
  const parent = path.dirname(dir);
  let hint = '';
  if (!exists && (await isDirectory(parent))) {
    const siblings = (await listFolder(parent)).dirs;
    const near = suggest(path.basename(dir), [...siblings].sort());
    hint = `${near !== undefined ? `; did you mean "${near}"?` : ''} (folders found in ${parent}: ${siblings.join(', ') || 'none'})`;
  }
  const issue = `${key}: ${dir} ${exists ? 'is not a directory' : 'does not exist'}${hint}`;
  throw new DataError(issue, [issue]);
}

const firstLine = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim() ?? '';

const GENERIC_WARNING = 'Warning treated as error due to failOn setting';

function decoderMessage(err: unknown): string {
  const lines = (err instanceof Error ? err.message : String(err))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && l !== GENERIC_WARNING);
  const text = lines.join('; ');
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/**
 * Why a decode at failOn 'warning' failed. libvips keeps its error text and warnings process-wide,
 * and sharp clears them after every operation, so under concurrency a failure reads "Warning treated
 * as error…", "Unknown error" or another file's message. The scan therefore calls this after the
 * concurrent pass, one file at a time: the file is decoded again at failOn 'error', whose failures
 * carry their own message; if that decode succeeds, the problem was a warning only.
 */
async function classifyDecodeFailure(bytes: Buffer, format: ImageFormat): Promise<{ reason: BadFileReason; detail: string }> {
  let message: string;
  try {
    await sharp(bytes, { failOn: 'error' }).greyscale().raw().toBuffer();
    message = 'the decoder warns about the pixel data (rejected like sharp does by default, failOn: warning)';
  } catch (err) {
    message = decoderMessage(err) || 'the decoder failed without a message';
  }
  const ended = hasEndMarker(bytes, format);
  if (/premature end|truncat|unexpected end|end of (file|stream|data)/i.test(message) || ended === false) {
    const marker = ended === false ? ', no end-of-image marker' : '';
    return { reason: 'truncated', detail: `${format}, ${bytes.length} bytes${marker}: ${message}` };
  }
  if (/unsupported image format/i.test(message)) {
    return { reason: 'unreadable', detail: `${format} signature, but the decoder cannot read this format (${message})` };
  }
  return { reason: 'unreadable', detail: `${format}: ${message}` };
}

async function inspectFile(file: PendingFile, minSize: number): Promise<Inspected> {
  const bad = (reason: BadFileReason, detail: string): Inspected => ({
    bad: { path: file.path, id: file.id, split: file.split, reason, detail },
  });
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file.path);
  } catch (err) {
    return bad('unreadable', `cannot read the file: ${firstLine(err)}`);
  }
  if (bytes.length === 0) return bad('empty', '0 bytes');
  const sniffed = sniffImage(bytes);
  if (sniffed.format === 'unknown') {
    return bad('not-an-image', `no known image signature; ${describeLeadingBytes(bytes)} (${bytes.length} bytes)`);
  }
  let metadata: Metadata;
  let hashes: ImageHashes;
  try {
    metadata = await sharp(bytes, { failOn: 'warning' }).metadata();
    // The hashes need a full decode, which is also what catches truncated and corrupt pixel data:
    // the header alone (metadata) reads fine on a file cut in half.
    hashes = await computeImageHashes(bytes, { failOn: 'warning' });
  } catch {
    return { decodeFailed: file, format: sniffed.format };
  }
  if (Math.min(hashes.width, hashes.height) < minSize) {
    return bad('too-small', `${hashes.width}×${hashes.height} px, smaller than data.minSize (${minSize} px on each side)`);
  }
  return {
    record: {
      id: file.id,
      path: file.path,
      split: file.split,
      label: file.label,
      className: file.className,
      format: sniffed.format,
      progressive: sniffed.progressive || metadata.isProgressive === true,
      width: metadata.width,
      height: metadata.height,
      channels: metadata.channels,
      hasAlpha: metadata.hasAlpha === true,
      palette: metadata.isPalette === true,
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      dhash: hashes.dhash,
      phash: hashes.phash,
      duplicateGroup: null,
    },
  };
}

/** Runs fn over items with at most `limit` in flight; results keep the input order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      signal?.throwIfAborted();
      const i = next++;
      if (i >= items.length) return;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function warnList(logger: Logger, lines: string[], more: (n: number) => string): void {
  for (const line of lines.slice(0, MAX_WARN_LINES)) logger.warn(line);
  if (lines.length > MAX_WARN_LINES) logger.warn(more(lines.length - MAX_WARN_LINES));
}

const toId = (root: string, file: string): string => path.relative(root, file).split(path.sep).join('/');

/** `child` is `parent` or inside it (both absolute, resolved). */
const isWithin = (child: string, parent: string): boolean => {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
};

interface Tree {
  /** Absolute paths, in code-unit order of their path relative to the tree's root. */
  files: string[];
  hidden: number;
}

/**
 * Every non-hidden file under `dir`, in every subfolder (symlinked folders followed, each real folder
 * once, so a link cycle ends), except under the folders in `skip`.
 */
async function listTree(dir: string, skip: readonly string[]): Promise<Tree> {
  const tree: Tree = { files: [], hidden: 0 };
  const seen = new Set<string>();
  const walk = async (folder: string): Promise<void> => {
    const real = await fs.realpath(folder).catch(() => folder);
    if (seen.has(real)) return;
    seen.add(real);
    const listing = await listFolder(folder);
    tree.hidden += listing.hidden;
    tree.files.push(...listing.files.map((name) => path.join(folder, name)));
    for (const sub of listing.dirs) {
      const child = path.join(folder, sub);
      if (!skip.some((s) => isWithin(child, s))) await walk(child);
    }
  };
  await walk(dir);
  const rel = (f: string): string => path.relative(dir, f).split(path.sep).join('/');
  tree.files.sort((a, b) => byCodeUnit(rel(a), rel(b)));
  return tree;
}

/** Lists the files to scan, after checking the folder layout against the config. */
async function collectFiles(data: DataConfig, root: string, logger: Logger): Promise<PendingFile[]> {
  await requireDirectory(root, 'data.root');
  const labelledDir = path.resolve(root, data.labelled.dir);
  await requireDirectory(labelledDir, 'data.labelled.dir');
  const unlabelledDir = data.unlabelled ? path.resolve(root, data.unlabelled.dir) : undefined;
  if (unlabelledDir !== undefined) await requireDirectory(unlabelledDir, 'data.unlabelled.dir');

  const top = await listFolder(labelledDir);
  // An unlabelled folder placed inside the labelled one is not a class folder...
  const classDirs = top.dirs.filter((d) => path.join(labelledDir, d) !== unlabelledDir);
  // ...but one that is (or is inside) a class folder would read that class's images as unlabelled.
  const classOfUnlabelled =
    unlabelledDir === undefined ? undefined : top.dirs.find((d) => d in data.labelled.classes && isWithin(unlabelledDir, path.join(labelledDir, d)));
  if (unlabelledDir === labelledDir) {
    const issue = `data.unlabelled.dir: ${unlabelledDir} is data.labelled.dir itself; the unlabelled images need a folder of their own (e.g. ${path.join(root, 'sans_label')})`;
    throw new DataError(issue, [issue]);
  }
  if (unlabelledDir !== undefined && classOfUnlabelled !== undefined) {
    const issue =
      `data.unlabelled.dir: ${unlabelledDir} is ${unlabelledDir === path.join(labelledDir, classOfUnlabelled) ? 'the' : 'inside the'} class folder ${path.join(labelledDir, classOfUnlabelled)}; ` +
      `the unlabelled images need a folder of their own outside data.labelled.dir's class folders (e.g. ${path.join(root, 'sans_label')})`;
    throw new DataError(issue, [issue]);
  }
  if (top.files.length > 0) {
    logger.warn(
      `ignoring ${top.files.length} file(s) directly in ${labelledDir} (labelled images must be in a class folder): ${top.files.slice(0, 5).join(', ')}${top.files.length > 5 ? ', …' : ''}`,
    );
  }
  const listings = new Map<string, Listing>();
  for (const dir of classDirs) listings.set(dir, await listFolder(path.join(labelledDir, dir)));
  const folders: ClassFolder[] = classDirs.map((name) => ({ name, files: listings.get(name)?.files.length ?? 0 }));
  const issues = checkClassFolders(labelledDir, data.labelled.classes, folders);
  if (issues.length > 0) throw DataError.fromIssues('the labelled class folders do not match data.labelled.classes', issues);

  const files: PendingFile[] = [];
  let hidden = top.hidden;
  const ignoredDirs: string[] = [];
  for (const className of Object.keys(data.labelled.classes).sort(byCodeUnit)) {
    const dir = path.join(labelledDir, className);
    const listing = listings.get(className);
    if (!listing) continue; // unreachable: checkClassFolders reported it
    hidden += listing.hidden;
    ignoredDirs.push(...listing.dirs.map((d) => path.join(dir, d)));
    const label = data.labelled.classes[className] ?? -1;
    for (const name of listing.files) {
      const file = path.join(dir, name);
      files.push({ path: file, id: toId(root, file), split: 'labelled', label, className });
    }
  }
  if (unlabelledDir !== undefined) {
    // Searched recursively (the schema's promise); the labelled folder is skipped when it lies
    // inside the unlabelled one (`unlabelled.dir: .`), so no labelled image is read twice.
    const tree = await listTree(unlabelledDir, isWithin(labelledDir, unlabelledDir) ? [labelledDir] : []);
    hidden += tree.hidden;
    for (const file of tree.files) files.push({ path: file, id: toId(root, file), split: 'unlabelled', label: -1, className: null });
  }
  if (ignoredDirs.length > 0) {
    warnList(
      logger,
      ignoredDirs.map((d) => `ignoring subfolder ${d} (class folders are not searched recursively; put its images in the class folder itself)`),
      (n) => `… and ${n} more subfolders ignored`,
    );
  }
  if (hidden > 0) logger.debug(`ignored ${hidden} hidden file(s)/folder(s)`);
  if (files.length === 0) {
    const issue = `data.root: no files found under ${labelledDir}${unlabelledDir ? ` or ${unlabelledDir}` : ''}`;
    throw new DataError(issue, [issue]);
  }
  return files;
}

/**
 * The error for near-duplicate groups that hold labelled images of two classes (null when there are
 * none): one issue per group naming its labelled files. The scan throws it unless
 * data.duplicates.crossClass is 'warn'; a caller that scans with 'warn' (to write data-report.json
 * first) can throw it afterwards.
 */
export function crossClassDuplicatesError(index: Pick<DatasetIndex, 'root' | 'images' | 'duplicateGroups' | 'duplicateThreshold'>): DataError | null {
  const crossClass = index.duplicateGroups.filter((g) => g.spansClasses);
  if (crossClass.length === 0) return null;
  const records = new Map(index.images.map((i) => [i.id, i]));
  const issues = crossClass.map((g) => describeCrossClass(g, records));
  const header =
    `${crossClass.length} near-duplicate group(s) hold images labelled with different classes under ${index.root} ` +
    `(pHash within ${index.duplicateThreshold} bits): remove or relabel the copies, lower data.duplicates.threshold if they are distinct slices, ` +
    `or set data.duplicates.crossClass: warn to go on`;
  return new DataError([header, ...issues.map((l) => `  - ${l}`)].join('\n'), issues);
}

/**
 * One line per cross-class group: its labelled members by class (every one: they are the files to
 * fix), then how many unlabelled images it also holds.
 */
function describeCrossClass(group: DuplicateGroup, records: ReadonlyMap<string, ImageRecord>): string {
  const labelled = group.members.filter((id) => records.get(id)?.split === 'labelled');
  const unlabelled = group.members.length - labelled.length;
  const rest = unlabelled > 0 ? ` (+ ${unlabelled} unlabelled image${unlabelled === 1 ? '' : 's'} in the group)` : '';
  const shown = labelled.map((id) => `${id} (${records.get(id)?.className ?? '?'})`);
  return `near-duplicates labelled with different classes (pHashes up to ${group.maxDistance} bits apart): ${shown.join(', ')}${rest}`;
}

/**
 * Scans the dataset described by `data` into a DatasetIndex. Throws DataError for layout problems
 * (missing folders, class folders that do not match the label map, no readable images) and, with
 * onBadFile 'fail', for any bad file; an aborted `signal` rejects with its reason.
 */
export async function scanDataset(data: DataConfig, options: ScanOptions): Promise<DatasetIndex> {
  const { logger, signal } = options;
  signal?.throwIfAborted();
  const started = Date.now();
  const root = path.resolve(data.root);
  const files = await collectFiles(data, root, logger);

  const progress = options.progress?.({ label: 'scan', total: files.length, unit: 'img' });
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const minSize = data.minSize ?? DEFAULT_MIN_SIZE;
  let badCount = 0;
  let results: Inspected[];
  try {
    results = await mapBounded(
      files,
      concurrency,
      async (file) => {
        const result = await inspectFile(file, minSize);
        if (!('record' in result)) progress?.status(`${++badCount} bad`);
        progress?.tick();
        return result;
      },
      signal,
    );
  } finally {
    progress?.done();
  }

  const images: ImageRecord[] = [];
  const badFiles: BadFile[] = [];
  for (const result of results) {
    signal?.throwIfAborted();
    if ('record' in result) images.push(result.record);
    else if ('bad' in result) badFiles.push(result.bad);
    else {
      // Sequential on purpose: nothing else in the scan touches libvips' shared error state now.
      const file = result.decodeFailed;
      const bytes = await fs.readFile(file.path).catch(() => null);
      const { reason, detail } = bytes
        ? await classifyDecodeFailure(bytes, result.format)
        : { reason: 'unreadable' as const, detail: 'could not be read again to diagnose a decode failure' };
      badFiles.push({ path: file.path, id: file.id, split: file.split, reason, detail });
    }
  }
  const badLines = badFiles.map((b) => `${b.id}: ${b.reason} — ${b.detail}`);
  if (badFiles.length > 0 && data.onBadFile === 'fail') {
    const header = `${badFiles.length} bad file(s) under ${root} (data.onBadFile is 'fail'; 'skip' leaves them out):`;
    throw new DataError([header, ...badLines.map((l) => `  - ${l}`)].join('\n'), badLines);
  }
  warnList(
    logger,
    badLines.map((l) => `skipping bad file ${l}`),
    (n) => `… and ${n} more bad files skipped (see data-report.json)`,
  );

  const emptyClasses = Object.keys(data.labelled.classes)
    .sort(byCodeUnit)
    .filter((name) => !images.some((i) => i.className === name))
    .map((name) => {
      const dir = path.join(path.resolve(root, data.labelled.dir), name);
      return `data.labelled.classes: class "${name}" has no readable image in ${dir} (all its files are bad files)`;
    });
  if (emptyClasses.length > 0) throw DataError.fromIssues('some classes have no readable image', emptyClasses);

  const threshold = data.duplicates.threshold;
  const duplicateGroups = findNearDuplicateGroups(images, threshold, 'phash');
  const recordById = new Map(images.map((i) => [i.id, i]));
  duplicateGroups.forEach((group, g) => {
    for (const id of group.members) {
      const record = recordById.get(id);
      if (record) record.duplicateGroup = g;
    }
  });

  const describe = (id: string): string => {
    const r = recordById.get(id);
    return r?.className ? `${id} (${r.className})` : id;
  };
  // A slice labelled both ways: one of the two labels is wrong, or a validation image's copy trains
  // with the other label. An error unless data.duplicates.crossClass is 'warn'.
  if ((data.duplicates.crossClass ?? 'error') === 'error') {
    const error = crossClassDuplicatesError({ root, images, duplicateGroups, duplicateThreshold: threshold });
    if (error) throw error;
  }
  // Groups across classes first: a slice labelled both ways is the worse problem.
  const leaks = duplicateGroups
    .filter((g) => g.spansSplits || g.spansClasses)
    .sort((a, b) => Number(b.spansClasses) - Number(a.spansClasses))
    .map((g) => {
      const what = [
        g.spansClasses ? 'labelled with different classes' : '',
        g.spansSplits ? 'in both labelled and unlabelled' : '',
      ].filter(Boolean);
      const shown = g.members.slice(0, MAX_GROUP_MEMBERS_SHOWN).map(describe);
      const more = g.members.length > shown.length ? `, … (${g.members.length} images)` : '';
      return `near-duplicates ${what.join(' and ')} (pHashes up to ${g.maxDistance} bits apart): ${shown.join(', ')}${more}`;
    });
  warnList(logger, leaks, (n) => `… and ${n} more near-duplicate groups that span splits or classes (see data-report.json)`);

  // Grouping is transitive, so a loose threshold on look-alike images (every axial slice is a bright
  // ellipse on black) chains unrelated images into one huge group, which a group-aware split cannot
  // place. Say so rather than let the split fail mysteriously.
  const largest = duplicateGroups.reduce((max, g) => Math.max(max, g.members.length), 0);
  if (largest >= 20 && largest > images.length * 0.1) {
    const spread = duplicateGroups.find((g) => g.members.length === largest)?.maxDistance ?? 0;
    const advice =
      spread > threshold
        ? 'at this data.duplicates.threshold, chains of look-alike images join unrelated ones; a lower threshold is likely better'
        : 'a group-aware split has to keep them all on one side';
    logger.warn(
      `one near-duplicate group holds ${largest} of ${images.length} images (pairs up to ${spread} bits apart, threshold ${threshold}): ${advice}`,
    );
  }

  const index: DatasetIndex = {
    root,
    classes: { ...data.labelled.classes },
    images,
    badFiles,
    duplicateGroups,
    duplicateThreshold: threshold,
    duplicateHash: 'phash',
    preprocess: { ...data.preprocess },
  };
  logger.info(formatScanSummary(index));
  logger.debug(`scanned ${files.length} files in ${((Date.now() - started) / 1000).toFixed(1)}s (concurrency ${concurrency})`);
  return index;
}
