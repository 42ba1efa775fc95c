// `runner data fetch br35h [--out data/br35h] [--labelled-per-class 50] [--unlabelled N] [--seed 42]
// [--url <zip-url> | --archive <file.zip>]`: a ready-to-run copy of the public Br35H dataset in the
// reference layout (avec_labels/Cancer, avec_labels/Normal, sans_label), with the true classes of the
// unlabelled images for benchmarking, an attribution README and the matching experiment YAML.
// Exit codes: 0 done; 1 the download failed (offline, HTTP error, cut short, not a zip); 2 the command cannot be
// done as asked (bad arguments, non-empty --out, an archive that is not Br35H, too few images);
// 130 interrupted. Nothing is ever left half-written in --out.

import { createReadStream, promises as fs } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { suggest } from '@neuro-ssl/core/config';
import { ATTRIBUTION_FILE, attributionText } from './attribution.js';
import { BR35H_CLASS_OF, BR35H_CLASSES } from './br35h-layout.js';
import { BR35H_ARCHIVE_URL, BR35H_KAGGLE_URL } from './br35h-source.js';
import { collectImages, type CollectReport } from './collect-images.js';
import { DataFetchError } from './data-fetch-error.js';
import { downloadArchive } from './download-archive.js';
import { hashImages } from './hash-images.js';
import { formatLabelsCsv, LABELS_CSV } from './labels-csv.js';
import { checkOutputFolder, createStaging } from './output-folder.js';
import { splitDataset } from './split-dataset.js';
import { EXPERIMENT_FILE, writeExperiment } from './write-experiment.js';

export const DATASETS = ['br35h'] as const;

/** data.duplicates.threshold's default: the split uses the grouping the runner's scan will check. */
export const DUPLICATES_THRESHOLD = 8;

export interface DataFetchOptions {
  dataset: string;
  out: string;
  labelledPerClass: number;
  /** Size of sans_label; default every image not labelled. */
  unlabelled?: number;
  seed: number;
  /** Zip to download instead of BR35H_ARCHIVE_URL. */
  url?: string;
  /** A zip already on disk: nothing is downloaded. */
  archive?: string;
  fetchImpl?: typeof fetch;
  /** Progress, the summary and errors (default process.stderr). */
  stream?: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** Relative --out and --archive, and where the experiment's runs/ and cache go (default process.cwd()). */
  cwd?: string;
}

/** Runs the fetch and returns the exit code; only unexpected errors (bugs, disk full) are thrown. */
export async function dataFetchCommand(options: DataFetchOptions): Promise<number> {
  const stream = options.stream ?? process.stderr;
  try {
    await fetchDataset(options, stream);
    return 0;
  } catch (err) {
    if (options.signal?.aborted) {
      stream.write(`runner data fetch: interrupted; nothing was written to ${options.out}\n`);
      return 130;
    }
    if (err instanceof DataFetchError) {
      stream.write(`runner data fetch: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
}

function checkArguments(o: DataFetchOptions): void {
  if (!(DATASETS as readonly string[]).includes(o.dataset.toLowerCase())) {
    const near = suggest(o.dataset.toLowerCase(), DATASETS);
    throw new DataFetchError(`unknown dataset "${o.dataset}"${near ? ` (did you mean "${near}"?)` : ''}; known: ${DATASETS.join(', ')}`, 2);
  }
  const positive = (n: number | undefined, flag: string): void => {
    if (n !== undefined && !(Number.isInteger(n) && n >= 1)) throw new DataFetchError(`${flag} expects a positive integer, got ${n}`, 2);
  };
  positive(o.labelledPerClass, '--labelled-per-class');
  positive(o.unlabelled, '--unlabelled');
  if (!(Number.isInteger(o.seed) && o.seed >= 0 && o.seed <= 0xffffffff)) throw new DataFetchError(`--seed expects an integer in 0..4294967295, got ${o.seed}`, 2);
  if (o.url !== undefined && o.archive !== undefined) throw new DataFetchError('give --url or --archive, not both', 2);
  if (o.url !== undefined && !/^https?:\/\//i.test(o.url)) throw new DataFetchError(`--url expects an http(s) URL of a zip, got "${o.url}"`, 2);
  if (o.out.trim() === '') throw new DataFetchError('--out expects a folder', 2);
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

async function fetchDataset(o: DataFetchOptions, stream: NodeJS.WritableStream): Promise<void> {
  checkArguments(o);
  const cwd = o.cwd ?? process.cwd();
  const out = path.resolve(cwd, o.out);
  await checkOutputFolder(out, o.out);
  let archive: string | undefined;
  if (o.archive !== undefined) {
    archive = path.resolve(cwd, o.archive);
    const stat = await fs.stat(archive).catch(() => null);
    if (!stat?.isFile()) throw new DataFetchError(`--archive ${o.archive}: ${stat ? 'is a folder, not a zip file' : 'no such file'}`, 2);
  }

  const staging = await createStaging(out, o.out);
  try {
    // 1. The archive: the user's, or downloaded into the staging folder.
    const url = o.url ?? BR35H_ARCHIVE_URL;
    let zipFile = archive;
    const manualWay = `download that zip yourself (or Br35H from ${BR35H_KAGGLE_URL}) and run: runner data fetch br35h --archive <file.zip> --out ${o.out}`;
    if (zipFile === undefined) {
      zipFile = path.join(staging.scratch, 'archive.zip');
      await downloadArchive(url, zipFile, {
        ...(o.fetchImpl ? { fetchImpl: o.fetchImpl } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        stream,
        manualHint: `Without network access, ${manualWay}`,
      });
    }
    const { size: archiveBytes } = await fs.stat(zipFile);
    const archiveSha256 = await sha256File(zipFile);

    // 2. Its images, once each, under label-free names.
    stream.write(`reading ${archive ? o.archive : 'the archive'} (sha256 ${archiveSha256.slice(0, 16)}…)\n`);
    const { images, report } = await collectImages(zipFile, path.join(staging.scratch, 'images'), {
      ...(o.signal ? { signal: o.signal } : {}),
      ...(archive
        ? { shownAs: o.archive ?? archive }
        : { shownAs: `the download from ${url}`, badArchive: { exitCode: 1, advice: `try again, or ${manualWay}` } }),
    });
    if (!archive) await fs.rm(zipFile, { force: true }); // its images are out: free the disk now
    stream.write(`${describeCollected(report, images.length)}\n`);

    // 3. Near-duplicate hashes, then the split.
    stream.write(`dHash of ${images.length} images…\n`);
    let lastLine = Date.now();
    const { hashed, unreadable } = await hashImages(images, {
      ...(o.signal ? { signal: o.signal } : {}),
      onProgress: (done) => {
        if (Date.now() - lastLine < 1000) return;
        lastLine = Date.now();
        stream.write(`dHash ${done}/${images.length}\n`);
      },
    });
    o.signal?.throwIfAborted();
    const classNames = Object.keys(BR35H_CLASSES);
    const split = splitDataset(hashed, {
      classes: classNames,
      labelledPerClass: o.labelledPerClass,
      ...(o.unlabelled !== undefined ? { unlabelled: o.unlabelled } : {}),
      seed: o.seed,
      threshold: DUPLICATES_THRESHOLD,
    });

    // 4. The layout, the truth of the pool, the README and the experiment.
    const byName = new Map(hashed.map((i) => [i.name, i]));
    const place = async (names: readonly string[], folder: string): Promise<void> => {
      const dir = path.join(staging.dataset, folder);
      await fs.mkdir(dir, { recursive: true });
      for (const name of names) await fs.rename(path.join(staging.scratch, 'images', name), path.join(dir, name));
    };
    for (const className of classNames) await place(split.labelled[className] ?? [], path.join('avec_labels', className));
    await place(split.unlabelled, 'sans_label');
    const truth = split.unlabelled.flatMap((name) => {
      const className = byName.get(name)?.className;
      return className ? [{ filename: name, className }] : [];
    });
    await fs.writeFile(path.join(staging.dataset, LABELS_CSV), formatLabelsCsv(truth), { flag: 'wx' });

    const notes = [
      truth.length < split.unlabelled.length
        ? `${split.unlabelled.length - truth.length} sans_label images have no known class (Br35H's pred/ folder comes without labels): no row in ${LABELS_CSV}.`
        : '',
      report.identicalCopies ? `Byte-identical copies merged: ${report.identicalCopies}.` : '',
      report.conflicting.length ? `In both yes/ and no/ (so without a class, only in sans_label, no row in ${LABELS_CSV}): ${report.conflicting.join('; ')}.` : '',
      unreadable.length ? `Left out, not decodable: ${unreadable.map((u) => `${u.item.sources.join(', ')} (${u.reason})`).join('; ')}.` : '',
      report.notImages.length ? `Left out, not images: ${report.notImages.join('; ')}.` : '',
      split.leftOut ? `Left out by --unlabelled ${o.unlabelled}: ${split.leftOut} images.` : '',
    ].filter((n) => n !== '');
    const labelledCounts = Object.fromEntries(classNames.map((c) => [c, split.labelled[c]?.length ?? 0]));
    const sourceFolders = Object.fromEntries(Object.entries(BR35H_CLASS_OF).map(([role, c]) => [c, role === 'tumour' ? 'yes/ (tumour)' : 'no/ (no tumour)']));
    await fs.writeFile(
      path.join(staging.dataset, ATTRIBUTION_FILE),
      attributionText({
        archive: archive ? `local file ${path.basename(archive)}` : url,
        archiveSha256,
        archiveBytes,
        seed: o.seed,
        duplicatesThreshold: DUPLICATES_THRESHOLD,
        labelled: labelledCounts,
        sourceFolders,
        unlabelled: split.unlabelled.length,
        withTruth: truth.length,
        labelsFile: LABELS_CSV,
        experimentFile: EXPERIMENT_FILE,
        notes,
      }),
      { flag: 'wx' },
    );
    await writeExperiment(staging.dataset, {
      seed: o.seed,
      classes: BR35H_CLASSES,
      labelsFile: LABELS_CSV,
      duplicatesThreshold: DUPLICATES_THRESHOLD,
      datasetDir: out,
      workDir: cwd,
      provenance: `seed ${o.seed}, ${o.labelledPerClass} labelled images per class, ${split.unlabelled.length} unlabelled`,
    });

    o.signal?.throwIfAborted();
    await staging.publish();
    const counts = classNames.map((c) => `avec_labels/${c} ${labelledCounts[c]}`).join(', ');
    stream.write(
      `wrote ${o.out}: ${counts}, sans_label ${split.unlabelled.length} (${truth.length} with their true class in ${LABELS_CSV})\n` +
        `near-duplicates (dHash within ${DUPLICATES_THRESHOLD} bits): ${split.groups} groups, each kept on one side` +
        `${split.mixedGroups ? ` (${split.mixedGroups} with an image of unknown or mixed class, kept in sans_label)` : ''}\n` +
        `next: npx runner ${path.join(o.out, EXPERIMENT_FILE)}\n`,
    );
  } catch (err) {
    await staging.discard();
    throw err;
  }
}

function describeCollected(r: CollectReport, unique: number): string {
  const extras = [
    r.identicalCopies ? `${r.identicalCopies} byte-identical copies merged` : '',
    r.conflicting.length ? `${r.conflicting.length} in both yes/ and no/ (kept without a class)` : '',
    r.notImages.length ? `${r.notImages.length} not images, skipped` : '',
    r.otherEntries ? `${r.otherEntries} other entries ignored (README, Br35H-Mask-RCNN copies…)` : '',
  ].filter((s) => s !== '');
  return `archive: ${r.entries.tumour} in yes/, ${r.entries.normal} in no/, ${r.entries.unlabelled} in pred/ → ${unique} distinct images${extras.length ? `; ${extras.join('; ')}` : ''}`;
}
