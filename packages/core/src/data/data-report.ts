// What the scan found, for people: data-report.json beside a run (JSON, stable key order) and the
// human lines of `inspect-data` and the scan's one-line summary.

import path from 'node:path';

import { writeJsonAtomic } from '../util/atomic.js';
import type { BadFileReason, DatasetIndex, DuplicateGroup, DuplicateHash, ImageFormat, Split } from './dataset-index.js';

export interface Range {
  min: number;
  max: number;
}

export interface DataReport {
  root: string;
  classes: Record<string, number>;
  counts: {
    images: number;
    labelled: number;
    unlabelled: number;
    badFiles: number;
    /** Readable labelled images per class folder, every class listed (0 included). */
    perClass: Record<string, number>;
  };
  /** Readable images per detected format. */
  formats: Partial<Record<ImageFormat, number>>;
  progressive: number;
  /** Files whose extension names another format than their content (e.g. a PNG named .jpg). */
  extensionMismatches: { id: string; extension: string; format: ImageFormat }[];
  sizes: {
    distinct: number;
    width: Range | null;
    height: Range | null;
    /** Up to 10 most frequent width×height, most frequent first. */
    mostCommon: { width: number; height: number; count: number }[];
  };
  /** Stored channel count → images. */
  channels: Record<string, number>;
  withAlpha: number;
  palette: number;
  bytes: (Range & { total: number }) | null;
  badFiles: {
    total: number;
    byReason: Partial<Record<BadFileReason, number>>;
    files: { id: string; split: Split; reason: BadFileReason; detail: string }[];
  };
  duplicates: {
    /** The hash the groups were built on, and its distance threshold in bits. */
    hash: DuplicateHash;
    threshold: number;
    groups: number;
    images: number;
    spanningSplits: number;
    spanningClasses: number;
    /** Members of the largest group (0 without groups): a huge one means the threshold chains unrelated images. */
    largestGroup: number;
    list: DuplicateGroup[];
  };
}

const EXTENSION_FORMAT: Record<string, ImageFormat> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  jpe: 'jpeg',
  jfif: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  tif: 'tiff',
  tiff: 'tiff',
  bmp: 'bmp',
  dib: 'bmp',
};

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const k = key(item);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}

function range(values: readonly number[]): Range | null {
  if (values.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

const sortedNames = (classes: Record<string, number>): string[] => Object.keys(classes).sort();

export function buildDataReport(index: DatasetIndex): DataReport {
  const { images, badFiles, duplicateGroups } = index;
  const labelled = images.filter((i) => i.split === 'labelled');
  const perClassRaw = countBy(labelled, (i) => i.className ?? '');
  const perClass: Record<string, number> = {};
  for (const name of sortedNames(index.classes)) perClass[name] = perClassRaw[name] ?? 0;

  const sizeCounts = countBy(images, (i) => `${i.width}x${i.height}`);
  const mostCommon = Object.entries(sizeCounts)
    .map(([key, count]) => {
      const [width, height] = key.split('x').map(Number);
      return { width: width ?? 0, height: height ?? 0, count };
    })
    .sort((a, b) => b.count - a.count || a.width - b.width || a.height - b.height)
    .slice(0, 10);

  const extensionMismatches: DataReport['extensionMismatches'] = [];
  for (const image of images) {
    const extension = path.extname(image.path).slice(1).toLowerCase();
    if (EXTENSION_FORMAT[extension] !== image.format) extensionMismatches.push({ id: image.id, extension, format: image.format });
  }

  const bytes = range(images.map((i) => i.bytes));
  return {
    root: index.root,
    classes: index.classes,
    counts: {
      images: images.length,
      labelled: labelled.length,
      unlabelled: images.length - labelled.length,
      badFiles: badFiles.length,
      perClass,
    },
    formats: countBy(images, (i) => i.format) as Partial<Record<ImageFormat, number>>,
    progressive: images.filter((i) => i.progressive).length,
    extensionMismatches,
    sizes: {
      distinct: Object.keys(sizeCounts).length,
      width: range(images.map((i) => i.width)),
      height: range(images.map((i) => i.height)),
      mostCommon,
    },
    channels: countBy(images, (i) => String(i.channels)),
    withAlpha: images.filter((i) => i.hasAlpha).length,
    palette: images.filter((i) => i.palette).length,
    bytes: bytes && { ...bytes, total: images.reduce((sum, i) => sum + i.bytes, 0) },
    badFiles: {
      total: badFiles.length,
      byReason: countBy(badFiles, (b) => b.reason) as Partial<Record<BadFileReason, number>>,
      files: badFiles.map(({ id, split, reason, detail }) => ({ id, split, reason, detail })),
    },
    duplicates: {
      hash: index.duplicateHash,
      threshold: index.duplicateThreshold,
      groups: duplicateGroups.length,
      images: duplicateGroups.reduce((sum, g) => sum + g.members.length, 0),
      spanningSplits: duplicateGroups.filter((g) => g.spansSplits).length,
      spanningClasses: duplicateGroups.filter((g) => g.spansClasses).length,
      largestGroup: duplicateGroups.reduce((max, g) => Math.max(max, g.members.length), 0),
      list: duplicateGroups,
    },
  };
}

export async function writeDataReport(file: string, index: DatasetIndex): Promise<void> {
  await writeJsonAtomic(file, buildDataReport(index));
}

const HASH_NAME: Record<DuplicateHash, string> = { phash: 'pHash', dhash: 'dHash' };

const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;

function perClassText(report: DataReport): string {
  return Object.entries(report.counts.perClass)
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

/** The scan's one-line summary, e.g. "dataset: 100 labelled (Cancer 50, Normal 50), 1406 unlabelled, ...". */
export function formatScanSummary(index: DatasetIndex, reportName = 'data-report.json'): string {
  const r = buildDataReport(index);
  const parts = [`${r.counts.labelled} labelled (${perClassText(r)})`, `${r.counts.unlabelled} unlabelled`];
  parts.push(r.badFiles.total > 0 ? `${plural(r.badFiles.total, 'bad file')} skipped (see ${reportName})` : 'no bad files');
  const spans = [
    r.duplicates.spanningSplits > 0 ? `${r.duplicates.spanningSplits} span splits` : '',
    r.duplicates.spanningClasses > 0 ? `${r.duplicates.spanningClasses} span classes` : '',
  ].filter(Boolean);
  parts.push(`${plural(r.duplicates.groups, 'near-duplicate group')}${spans.length > 0 ? ` (${spans.join(', ')})` : ''}`);
  return `dataset: ${parts.join(', ')}`;
}

function formatGroup(group: DuplicateGroup): string {
  const flags = [group.spansSplits ? 'spans splits' : '', group.spansClasses ? 'spans classes' : ''].filter(Boolean);
  const tag = flags.length > 0 ? `[${flags.join(', ')}] ` : '';
  const shown = group.members.slice(0, 6);
  const more = group.members.length > shown.length ? `, … ${group.members.length - shown.length} more` : '';
  return `${tag}${group.members.length} images, max distance ${group.maxDistance}: ${shown.join(', ')}${more}`;
}

/** Human lines for `inspect-data`: counts per class, formats, sizes, channels, bad files, duplicate groups. */
export function formatDatasetSummary(index: DatasetIndex, options: { maxListed?: number } = {}): string[] {
  const maxListed = options.maxListed ?? 20;
  const r = buildDataReport(index);
  const lines: string[] = [];
  const labels = Object.entries(r.counts.perClass).map(([name, n]) => `${name} ${n} (label ${index.classes[name]})`);
  lines.push(`root: ${r.root}`);
  lines.push(`images: ${r.counts.images} readable — ${r.counts.labelled} labelled, ${r.counts.unlabelled} unlabelled`);
  lines.push(`classes: ${labels.join(', ')}`);

  const formats = Object.entries(r.formats)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([f, n]) => `${f} ${n}`);
  lines.push(`formats: ${formats.join(', ') || 'none'}; ${r.progressive} progressive/interlaced`);
  if (r.extensionMismatches.length > 0) {
    const kinds = countBy(r.extensionMismatches, (m) => `${m.format} named .${m.extension}`);
    const text = Object.entries(kinds).map(([k, n]) => `${n} ${k}`);
    lines.push(`  extension differs from content: ${text.join(', ')} (format is read from the bytes)`);
  }
  if (r.sizes.width && r.sizes.height) {
    const common = r.sizes.mostCommon.slice(0, 3).map((s) => `${s.width}×${s.height} (${s.count})`);
    lines.push(
      `sizes: ${r.sizes.distinct} distinct, width ${r.sizes.width.min}–${r.sizes.width.max}, height ${r.sizes.height.min}–${r.sizes.height.max}; most common ${common.join(', ')}`,
    );
  }
  const channels = Object.entries(r.channels).map(([c, n]) => `${c}ch ${n}`);
  lines.push(`channels: ${channels.join(', ') || 'none'}; ${r.withAlpha} with alpha, ${r.palette} palette`);
  if (r.bytes) lines.push(`file sizes: ${r.bytes.min}–${r.bytes.max} bytes, ${r.bytes.total} in all`);

  const reasons = Object.entries(r.badFiles.byReason).map(([reason, n]) => `${reason} ${n}`);
  lines.push(`bad files: ${r.badFiles.total}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`);
  for (const bad of r.badFiles.files.slice(0, maxListed)) lines.push(`  - ${bad.id}: ${bad.reason} — ${bad.detail}`);
  if (r.badFiles.total > maxListed) lines.push(`  … ${r.badFiles.total - maxListed} more`);

  const d = r.duplicates;
  lines.push(
    `near-duplicates (${HASH_NAME[d.hash]} distance ≤ ${d.threshold}): ${plural(d.groups, 'group')} covering ${plural(d.images, 'image')} (largest ${d.largestGroup}); ${d.spanningSplits} span labelled/unlabelled, ${d.spanningClasses} span classes`,
  );
  // Flagged groups first (they need a decision), then the largest.
  const flagged = (g: DuplicateGroup): number => Number(g.spansClasses || g.spansSplits);
  const ordered = [...d.list].sort((a, b) => flagged(b) - flagged(a) || b.members.length - a.members.length);
  for (const group of ordered.slice(0, maxListed)) lines.push(`  - ${formatGroup(group)}`);
  if (d.groups > maxListed) lines.push(`  … ${d.groups - maxListed} more`);
  return lines;
}
