import { promises as fs } from 'node:fs';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { makeTempDir } from './__fixtures__/synthetic-dataset.js';
import { buildDataReport, formatDatasetSummary, formatScanSummary, writeDataReport } from './data-report.js';
import type { DatasetIndex, ImageRecord } from './dataset-index.js';

function record(id: string, overrides: Partial<ImageRecord>): ImageRecord {
  return {
    id,
    path: `/data/${id}`,
    split: 'unlabelled',
    label: -1,
    className: null,
    format: 'jpeg',
    progressive: false,
    width: 512,
    height: 512,
    channels: 3,
    hasAlpha: false,
    palette: false,
    bytes: 1000,
    sha256: 'x',
    dhash: '0000000000000000',
    phash: '0000000000000000',
    duplicateGroup: null,
    ...overrides,
  };
}

const index: DatasetIndex = {
  root: '/data',
  classes: { Normal: 0, Cancer: 1 },
  images: [
    record('L/Cancer/a.jpg', { split: 'labelled', label: 1, className: 'Cancer', duplicateGroup: 0 }),
    record('L/Cancer/b.jpg', { split: 'labelled', label: 1, className: 'Cancer', format: 'png', channels: 4, hasAlpha: true, bytes: 3000 }),
    record('L/Normal/c.png', { split: 'labelled', label: 0, className: 'Normal', format: 'png', palette: true, width: 300, height: 200 }),
    record('U/d.jpg', { progressive: true, channels: 1, width: 300, height: 200, bytes: 500, duplicateGroup: 0 }),
    record('U/e.jpg', { width: 1920, height: 1080 }),
  ],
  badFiles: [
    { path: '/data/U/f.jpg', id: 'U/f.jpg', split: 'unlabelled', reason: 'truncated', detail: 'jpeg, 10 bytes' },
    { path: '/data/U/g.jpg', id: 'U/g.jpg', split: 'unlabelled', reason: 'empty', detail: '0 bytes' },
  ],
  duplicateGroups: [{ members: ['L/Cancer/a.jpg', 'U/d.jpg'], maxDistance: 2, spansSplits: true, spansClasses: false }],
  duplicateThreshold: 6,
  duplicateHash: 'phash',
  preprocess: { normalize: true, clahe: false, crop: 'brain', imageSize: 224 },
};

describe('buildDataReport', () => {
  it('counts splits, classes, formats, sizes, channels, bad files and groups', () => {
    const r = buildDataReport(index);
    expect(r.counts).toEqual({ images: 5, labelled: 3, unlabelled: 2, badFiles: 2, perClass: { Cancer: 2, Normal: 1 } });
    expect(r.formats).toEqual({ jpeg: 3, png: 2 });
    expect(r.progressive).toBe(1);
    expect(r.extensionMismatches).toEqual([{ id: 'L/Cancer/b.jpg', extension: 'jpg', format: 'png' }]);
    expect(r.sizes).toEqual({
      distinct: 3,
      width: { min: 300, max: 1920 },
      height: { min: 200, max: 1080 },
      mostCommon: [
        { width: 300, height: 200, count: 2 },
        { width: 512, height: 512, count: 2 },
        { width: 1920, height: 1080, count: 1 },
      ],
    });
    expect(r.channels).toEqual({ '1': 1, '3': 3, '4': 1 });
    expect(r.withAlpha).toBe(1);
    expect(r.palette).toBe(1);
    expect(r.bytes).toEqual({ min: 500, max: 3000, total: 6500 });
    expect(r.badFiles.byReason).toEqual({ truncated: 1, empty: 1 });
    expect(r.badFiles.files[0]).toEqual({ id: 'U/f.jpg', split: 'unlabelled', reason: 'truncated', detail: 'jpeg, 10 bytes' });
    expect(r.duplicates).toMatchObject({ hash: 'phash', threshold: 6, groups: 1, images: 2, spanningSplits: 1, spanningClasses: 0, largestGroup: 2 });
  });

  it('copes with an index without images', () => {
    const r = buildDataReport({ ...index, images: [], duplicateGroups: [] });
    expect(r.sizes.width).toBeNull();
    expect(r.bytes).toBeNull();
    expect(r.counts.perClass).toEqual({ Cancer: 0, Normal: 0 });
  });
});

describe('summaries', () => {
  it('formats the scan one-liner', () => {
    expect(formatScanSummary(index)).toBe(
      'dataset: 3 labelled (Cancer 2, Normal 1), 2 unlabelled, 2 bad files skipped (see data-report.json), 1 near-duplicate group (1 span splits)',
    );
    expect(formatScanSummary({ ...index, badFiles: [], duplicateGroups: [] })).toBe(
      'dataset: 3 labelled (Cancer 2, Normal 1), 2 unlabelled, no bad files, 0 near-duplicate groups',
    );
  });

  it('formats inspect-data lines', () => {
    const lines = formatDatasetSummary(index);
    expect(lines).toContain('classes: Cancer 2 (label 1), Normal 1 (label 0)');
    expect(lines).toContain('formats: jpeg 3, png 2; 1 progressive/interlaced');
    expect(lines).toContain('  extension differs from content: 1 png named .jpg (format is read from the bytes)');
    expect(lines).toContain('bad files: 2 (truncated 1, empty 1)');
    expect(lines).toContain('  - U/g.jpg: empty — 0 bytes');
    expect(lines).toContain('  - [spans splits] 2 images, max distance 2: L/Cancer/a.jpg, U/d.jpg');
    expect(lines.some((l) => l.startsWith('sizes: 3 distinct, width 300–1920, height 200–1080'))).toBe(true);
  });
});

describe('writeDataReport', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('writes the report as JSON, creating the folder', async () => {
    const dir = await makeTempDir();
    dirs.push(dir);
    const file = path.join(dir, 'run', 'data-report.json');
    await writeDataReport(file, index);
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    expect(parsed).toEqual(JSON.parse(JSON.stringify(buildDataReport(index))));
    expect(await fs.readdir(path.dirname(file))).toEqual(['data-report.json']);
  });
});
