import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { DataConfig } from './data-config.js';
import { createLogger, type LogLevel, type Logger } from '../progress/logger.js';
import type { ProgressFactory, ProgressOptions } from '../progress/progress.js';
import { makeTempDir, slice, SYNTHETIC, writeSyntheticDataset } from './__fixtures__/synthetic-dataset.js';
import { DataError } from './data-error.js';
import type { DatasetIndex } from './dataset-index.js';
import { splitGroupKeys } from './near-duplicates.js';
import { crossClassDuplicatesError, scanDataset } from './scan-dataset.js';
import { buildDataReport } from './data-report.js';
import { BR35H_DIR } from '../__fixtures__/shared-paths.js';

const REAL_ROOT = BR35H_DIR;

function config(root: string, overrides: Partial<DataConfig> = {}): DataConfig {
  return {
    root,
    labelled: { dir: SYNTHETIC.labelledDir, classes: { ...SYNTHETIC.classes } },
    unlabelled: { dir: SYNTHETIC.unlabelledDir },
    onBadFile: 'skip',
    duplicates: { threshold: 6, crossClass: 'warn' },
    preprocess: { normalize: false, clahe: false, crop: 'none', imageSize: 224 },
    ...overrides,
  };
}

function capture(): { logger: Logger; lines: { level: LogLevel; line: string }[] } {
  const lines: { level: LogLevel; line: string }[] = [];
  return { logger: createLogger({ level: 'debug', sinks: [(level, line) => lines.push({ level, line })] }), lines };
}

async function rejection(promise: Promise<unknown>): Promise<DataError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DataError);
  return err as DataError;
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await makeTempDir();
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of tempDirs) await fs.rm(dir, { recursive: true, force: true });
});

/** A small valid layout: two images per class, nothing unlabelled. */
async function writeMiniDataset(root: string, classes: Record<string, number> = { Cancer: 1, Normal: 0 }): Promise<void> {
  let seed = 100;
  for (const name of Object.keys(classes)) {
    const dir = path.join(root, SYNTHETIC.labelledDir, name);
    await fs.mkdir(dir, { recursive: true });
    for (const file of ['1.png', '2.png']) {
      await fs.writeFile(path.join(dir, file), await slice({ width: 64, height: 64, seed: seed++ }).png().toBuffer());
    }
  }
}

describe('scanDataset on the synthetic dataset', () => {
  let root: string;
  let index: DatasetIndex;
  let lines: { level: LogLevel; line: string }[];
  const progressCalls: { options: ProgressOptions; ticks: number; done: number }[] = [];
  const progress: ProgressFactory = (options) => {
    const call = { options, ticks: 0, done: 0 };
    progressCalls.push(call);
    return { tick: (n = 1) => void (call.ticks += n), status: () => undefined, done: () => void call.done++ };
  };

  beforeAll(async () => {
    root = await tempDir();
    await writeSyntheticDataset(root);
    const captured = capture();
    lines = captured.lines;
    index = await scanDataset(config(root), { logger: captured.logger, progress });
  });

  const byId = (id: string) => {
    const found = index.images.find((i) => i.id === id);
    if (!found) throw new Error(`no image ${id}`);
    return found;
  };

  it('lists labelled then unlabelled images in sorted order, hidden files ignored', () => {
    expect(index.root).toBe(root);
    expect(index.classes).toEqual({ Cancer: 1, Normal: 0 });
    expect(index.images.map((i) => i.id)).toEqual([
      'avec_labels/Cancer/c1.png',
      'avec_labels/Cancer/c2.jpg',
      'avec_labels/Cancer/c3.jpg',
      'avec_labels/Cancer/c4.png',
      'avec_labels/Normal/n1.jpg',
      'avec_labels/Normal/n2.png',
      'avec_labels/Normal/n6.png',
      'sans_label/u1.jpg',
      'sans_label/u2.png',
      'sans_label/u3.webp',
      'sans_label/u4.gif',
      'sans_label/u5.tif',
    ]);
    expect(byId('avec_labels/Cancer/c1.png')).toMatchObject({ split: 'labelled', label: 1, className: 'Cancer' });
    expect(byId('avec_labels/Normal/n1.jpg')).toMatchObject({ split: 'labelled', label: 0, className: 'Normal' });
    expect(byId('sans_label/u2.png')).toMatchObject({ split: 'unlabelled', label: -1, className: null });
    expect(byId('sans_label/u2.png').path).toBe(path.join(root, 'sans_label', 'u2.png'));
  });

  it('reads format and storage details from the content', async () => {
    expect(byId('avec_labels/Cancer/c3.jpg').format).toBe('png'); // a PNG named .jpg
    expect(byId('avec_labels/Cancer/c2.jpg')).toMatchObject({ format: 'jpeg', progressive: true, width: 180, height: 180, channels: 1 });
    expect(byId('avec_labels/Normal/n1.jpg')).toMatchObject({ format: 'jpeg', progressive: false, width: 240, height: 200, channels: 3 });
    expect(byId('avec_labels/Cancer/c4.png')).toMatchObject({ format: 'png', channels: 4, hasAlpha: true, palette: false });
    expect(byId('avec_labels/Normal/n2.png')).toMatchObject({ format: 'png', palette: true, hasAlpha: false });
    expect(byId('sans_label/u3.webp').format).toBe('webp');
    expect(byId('sans_label/u4.gif').format).toBe('gif');
    expect(byId('sans_label/u5.tif').format).toBe('tiff');
    const bytes = await fs.readFile(path.join(root, 'sans_label', 'u5.tif'));
    expect(byId('sans_label/u5.tif')).toMatchObject({ bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') });
    for (const image of index.images) {
      expect(image.dhash).toMatch(/^[0-9a-f]{16}$/);
      expect(image.phash).toMatch(/^[0-9a-f]{16}$/);
    }
  });

  it('turns broken files into bad files with a reason', () => {
    expect(index.badFiles.map(({ id, reason, split }) => ({ id, reason, split }))).toEqual([
      { id: 'avec_labels/Normal/n3.jpg', reason: 'empty', split: 'labelled' },
      { id: 'avec_labels/Normal/n4.jpg', reason: 'not-an-image', split: 'labelled' },
      { id: 'avec_labels/Normal/n5.jpg', reason: 'truncated', split: 'labelled' },
    ]);
    expect(index.badFiles[1]?.detail).toContain('starts with text "this is "');
    expect(index.badFiles[2]?.detail).toMatch(/^jpeg, \d+ bytes, no end-of-image marker: VipsJpeg: premature end of JPEG image$/);
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.line);
    expect(warnings).toContain('skipping bad file avec_labels/Normal/n3.jpg: empty — 0 bytes');
  });

  it('groups near-duplicates across splits and across classes, and warns about both', () => {
    expect(index.duplicateThreshold).toBe(6);
    expect(index.duplicateHash).toBe('phash');
    expect(index.duplicateGroups).toHaveLength(2);
    const [acrossSplits, acrossClasses] = index.duplicateGroups;
    expect(acrossSplits).toMatchObject({ members: ['avec_labels/Cancer/c1.png', 'sans_label/u1.jpg'], spansSplits: true, spansClasses: false });
    expect(acrossClasses).toMatchObject({ members: ['avec_labels/Cancer/c2.jpg', 'avec_labels/Normal/n6.png'], spansSplits: false, spansClasses: true });
    expect(acrossSplits?.maxDistance).toBeLessThanOrEqual(6);
    expect(byId('avec_labels/Cancer/c1.png').duplicateGroup).toBe(0);
    expect(byId('sans_label/u1.jpg').duplicateGroup).toBe(0);
    expect(byId('avec_labels/Normal/n6.png').duplicateGroup).toBe(1);
    expect(byId('sans_label/u2.png').duplicateGroup).toBeNull();

    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.line);
    // Across classes first: the worse problem.
    expect(warnings.filter((w) => w.startsWith('near-duplicates'))).toEqual([
      `near-duplicates labelled with different classes (pHashes up to ${acrossClasses?.maxDistance} bits apart): avec_labels/Cancer/c2.jpg (Cancer), avec_labels/Normal/n6.png (Normal)`,
      `near-duplicates in both labelled and unlabelled (pHashes up to ${acrossSplits?.maxDistance} bits apart): avec_labels/Cancer/c1.png (Cancer), sans_label/u1.jpg`,
    ]);

    const keys = splitGroupKeys(index);
    expect(keys.get('sans_label/u1.jpg')).toBe('avec_labels/Cancer/c1.png');
    expect(keys.get('sans_label/u2.png')).toBe('sans_label/u2.png');
  });

  it('logs a one-line summary and reports progress', () => {
    expect(lines.filter((l) => l.level === 'info').map((l) => l.line)).toEqual([
      'dataset: 7 labelled (Cancer 4, Normal 3), 5 unlabelled, 3 bad files skipped (see data-report.json), 2 near-duplicate groups (1 span splits, 1 span classes)',
    ]);
    expect(progressCalls).toEqual([{ options: { label: 'scan', total: 15, unit: 'img' }, ticks: 15, done: 1 }]);
  });

  it('gives the same index whatever the concurrency', async () => {
    const again = await scanDataset(config(root), { logger: capture().logger, concurrency: 1 });
    expect(again).toEqual(index);
  });

  it("with onBadFile 'fail', throws a DataError listing every bad file", async () => {
    const err = await rejection(scanDataset(config(root, { onBadFile: 'fail' }), { logger: capture().logger }));
    expect(err.issues).toHaveLength(3);
    expect(err.issues[0]).toBe('avec_labels/Normal/n3.jpg: empty — 0 bytes');
    expect(err.issues[1]).toMatch(/^avec_labels\/Normal\/n4\.jpg: not-an-image — /);
    expect(err.issues[2]).toMatch(/^avec_labels\/Normal\/n5\.jpg: truncated — /);
    expect(err.message).toMatch(/^3 bad file\(s\) under .*data\.onBadFile is 'fail'/);
  });

  it('names the folder the label map probably meant', async () => {
    const err = await rejection(
      scanDataset(config(root, { labelled: { dir: 'avec_labels', classes: { cancer: 1, normal: 0 } } }), { logger: capture().logger }),
    );
    const dir = path.join(root, 'avec_labels');
    expect(err.issues).toEqual([
      `data.labelled.classes: class "cancer" has no folder ${dir}/cancer; did you mean "Cancer"? (folders found: Cancer, Normal)`,
      `data.labelled.classes: class "normal" has no folder ${dir}/normal; did you mean "Normal"? (folders found: Cancer, Normal)`,
    ]);
    expect(err.message).toContain(`class "cancer" has no folder ${dir}/cancer; did you mean "Cancer"?`);
  });
});

describe('scanDataset layout errors', () => {
  it('reports a missing root, labelled dir (with a near match) and unlabelled dir', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    const { logger } = capture();

    const noRoot = await rejection(scanDataset(config(path.join(root, 'nope')), { logger }));
    expect(noRoot.issues).toEqual([expect.stringMatching(/^data\.root: .*nope does not exist/)]);

    const typo = await rejection(scanDataset(config(root, { labelled: { dir: 'avec_label', classes: SYNTHETIC.classes } }), { logger }));
    expect(typo.message).toBe(
      `data.labelled.dir: ${path.join(root, 'avec_label')} does not exist; did you mean "avec_labels"? (folders found in ${root}: avec_labels)`,
    );

    const noUnlabelled = await rejection(scanDataset(config(root), { logger }));
    expect(noUnlabelled.message).toMatch(/^data\.unlabelled\.dir: .*sans_label does not exist/);

    const fine = await scanDataset(config(root, { unlabelled: undefined }), { logger });
    expect(fine.images).toHaveLength(4);
    expect(fine.images.every((i) => i.split === 'labelled')).toBe(true);
  });

  it('rejects an empty class folder and an unknown folder', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    await fs.mkdir(path.join(root, 'avec_labels', 'Glioma'));
    await fs.mkdir(path.join(root, 'sans_label'));
    const err = await rejection(scanDataset(config(root, { labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0, Glioma: 2 } } }), { logger: capture().logger }));
    expect(err.issues).toEqual([`data.labelled.classes: class "Glioma" has an empty folder ${path.join(root, 'avec_labels', 'Glioma')}`]);

    const extra = await rejection(scanDataset(config(root), { logger: capture().logger }));
    expect(extra.issues).toEqual([
      `data.labelled.dir: folder ${path.join(root, 'avec_labels', 'Glioma')} is not a class in data.labelled.classes; add it to data.labelled.classes or move it out (classes: Cancer, Normal)`,
    ]);
  });

  it('rejects a class whose files are all bad, and warns about files outside class folders', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    await fs.mkdir(path.join(root, 'sans_label'));
    for (const f of ['1.png', '2.png']) await fs.writeFile(path.join(root, 'avec_labels', 'Normal', f), '');
    await fs.writeFile(path.join(root, 'avec_labels', 'stray.jpg'), await slice({ width: 32, height: 32, seed: 9 }).jpeg().toBuffer());
    const { logger, lines } = capture();
    const err = await rejection(scanDataset(config(root), { logger }));
    expect(err.issues).toEqual([
      `data.labelled.classes: class "Normal" has no readable image in ${path.join(root, 'avec_labels', 'Normal')} (all its files are bad files)`,
    ]);
    expect(lines.some((l) => l.level === 'warn' && l.line.includes('ignoring 1 file(s) directly in') && l.line.includes('stray.jpg'))).toBe(true);
  });

  it('classifies complete but corrupt files as unreadable, with the decoder message', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    const unlabelled = path.join(root, 'sans_label');
    await fs.mkdir(unlabelled);
    const pixels = { width: 64, height: 64, seed: 42 };
    const png = Buffer.from(await slice(pixels).png().toBuffer());
    const at = png.indexOf('IDAT') + 20;
    png[at] = (png[at] ?? 0) ^ 0xff; // breaks the chunk CRC, IEND intact
    await fs.writeFile(path.join(unlabelled, 'crc.png'), png);
    const jpeg = Buffer.from(await slice(pixels).jpeg().toBuffer());
    jpeg.fill(0, jpeg.length - 400, jpeg.length - 300); // garbage entropy data, EOI intact
    await fs.writeFile(path.join(unlabelled, 'huffman.jpg'), jpeg);
    // A valid BMP header: the format is known, but sharp has no BMP decoder.
    const bmp = Buffer.alloc(70);
    bmp.write('BM', 0, 'latin1');
    bmp.writeUInt32LE(70, 2);
    bmp.writeUInt32LE(54, 10);
    await fs.writeFile(path.join(unlabelled, 'scan.bmp'), bmp);

    const index = await scanDataset(config(root), { logger: capture().logger });
    expect(index.images).toHaveLength(4);
    expect(index.badFiles.map(({ id, reason, detail }) => ({ id, reason, detail }))).toEqual([
      { id: 'sans_label/crc.png', reason: 'unreadable', detail: 'png: vipspng: libpng read error' },
      {
        id: 'sans_label/huffman.jpg',
        reason: 'unreadable',
        detail: 'jpeg: the decoder warns about the pixel data (rejected like sharp does by default, failOn: warning)',
      },
      {
        id: 'sans_label/scan.bmp',
        reason: 'unreadable',
        detail: 'bmp signature, but the decoder cannot read this format (Input buffer contains unsupported image format)',
      },
    ]);
  });

  it('warns when one group swallows much of the dataset, and about subfolders of class folders', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    const unlabelled = path.join(root, 'sans_label');
    await fs.mkdir(unlabelled, { recursive: true });
    await fs.mkdir(path.join(root, 'avec_labels', 'Cancer', 'nested'));
    const copy = await slice({ width: 48, height: 48, seed: 77 }).png().toBuffer();
    for (let i = 0; i < 20; i++) await fs.writeFile(path.join(unlabelled, `copy${String(i).padStart(2, '0')}.png`), copy);
    const { logger, lines } = capture();
    const index = await scanDataset(config(root), { logger });
    expect(index.duplicateGroups).toHaveLength(1);
    expect(index.duplicateGroups[0]?.members).toHaveLength(20);
    const warnings = lines.filter((l) => l.level === 'warn').map((l) => l.line);
    expect(warnings).toContain(
      'one near-duplicate group holds 20 of 24 images (pairs up to 0 bits apart, threshold 6): a group-aware split has to keep them all on one side',
    );
    expect(warnings).toContain(
      `ignoring subfolder ${path.join(root, 'avec_labels', 'Cancer', 'nested')} (class folders are not searched recursively; put its images in the class folder itself)`,
    );
  });

  it('searches the unlabelled folder recursively (hidden folders and the labelled folder inside it excepted)', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    const unlabelled = path.join(root, 'sans_label');
    const image = async (seed: number): Promise<Buffer> => slice({ width: 48, height: 48, seed }).png().toBuffer();
    await fs.mkdir(path.join(unlabelled, 'b', 'deeper'), { recursive: true });
    await fs.mkdir(path.join(unlabelled, 'a'), { recursive: true });
    await fs.mkdir(path.join(unlabelled, '.cache'), { recursive: true });
    await fs.writeFile(path.join(unlabelled, 'top.png'), await image(301));
    await fs.writeFile(path.join(unlabelled, 'a', 'x.png'), await image(302));
    await fs.writeFile(path.join(unlabelled, 'b', 'deeper', 'y.png'), await image(303));
    await fs.writeFile(path.join(unlabelled, '.cache', 'z.png'), await image(304));
    // A link back up the tree must not loop.
    await fs.symlink(unlabelled, path.join(unlabelled, 'b', 'loop'));
    const { logger, lines } = capture();
    const index = await scanDataset(config(root), { logger });
    expect(index.images.filter((i) => i.split === 'unlabelled').map((i) => i.id)).toEqual([
      'sans_label/a/x.png',
      'sans_label/b/deeper/y.png',
      'sans_label/top.png',
    ]);
    expect(lines.some((l) => l.level === 'warn' && l.line.includes('ignoring subfolder'))).toBe(false);

    // `unlabelled.dir: .` reads everything under the root except the labelled folder.
    const whole = await scanDataset(config(root, { unlabelled: { dir: '.' } }), { logger: capture().logger });
    expect(whole.images.filter((i) => i.split === 'unlabelled').map((i) => i.id)).toEqual([
      'sans_label/a/x.png',
      'sans_label/b/deeper/y.png',
      'sans_label/top.png',
    ]);
    expect(whole.images.filter((i) => i.split === 'labelled')).toHaveLength(4);
  });

  it('rejects an unlabelled folder that is the labelled folder or one of its class folders, naming the field', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    const classDir = path.join(root, 'avec_labels', 'Cancer');
    const inClass = await rejection(scanDataset(config(root, { unlabelled: { dir: 'avec_labels/Cancer' } }), { logger: capture().logger }));
    expect(inClass.issues).toEqual([
      `data.unlabelled.dir: ${classDir} is the class folder ${classDir}; the unlabelled images need a folder of their own outside data.labelled.dir's class folders (e.g. ${path.join(root, 'sans_label')})`,
    ]);
    const labelled = await rejection(scanDataset(config(root, { unlabelled: { dir: 'avec_labels' } }), { logger: capture().logger }));
    expect(labelled.message).toMatch(/^data\.unlabelled\.dir: .*avec_labels is data\.labelled\.dir itself/);
  });

  it('reports images smaller than data.minSize as bad files, and fails on them with onBadFile: fail', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    const unlabelled = path.join(root, 'sans_label');
    await fs.mkdir(unlabelled);
    await fs.writeFile(path.join(unlabelled, 'dot.png'), await sharp({ create: { width: 1, height: 1, channels: 3, background: '#808080' } }).png().toBuffer());
    await fs.writeFile(path.join(unlabelled, 'strip.jpg'), await slice({ width: 100, height: 20, seed: 5 }).jpeg().toBuffer());
    await fs.writeFile(path.join(unlabelled, 'fine.png'), await slice({ width: 32, height: 32, seed: 6 }).png().toBuffer());
    const { logger, lines } = capture();
    const index = await scanDataset(config(root), { logger });
    expect(index.images.filter((i) => i.split === 'unlabelled').map((i) => i.id)).toEqual(['sans_label/fine.png']);
    expect(index.badFiles.map(({ id, reason, detail }) => ({ id, reason, detail }))).toEqual([
      { id: 'sans_label/dot.png', reason: 'too-small', detail: '1×1 px, smaller than data.minSize (32 px on each side)' },
      { id: 'sans_label/strip.jpg', reason: 'too-small', detail: '100×20 px, smaller than data.minSize (32 px on each side)' },
    ]);
    expect(lines.some((l) => l.level === 'warn' && l.line.startsWith('skipping bad file sans_label/dot.png: too-small'))).toBe(true);
    expect(buildDataReport(index).badFiles.byReason).toEqual({ 'too-small': 2 });

    // A lower minimum keeps the strip; onBadFile: fail stops on the dot.
    const lower = await scanDataset(config(root, { minSize: 16 }), { logger: capture().logger });
    expect(lower.badFiles.map((b) => b.id)).toEqual(['sans_label/dot.png']);
    const err = await rejection(scanDataset(config(root, { onBadFile: 'fail' }), { logger: capture().logger }));
    expect(err.issues).toEqual([
      'sans_label/dot.png: too-small — 1×1 px, smaller than data.minSize (32 px on each side)',
      'sans_label/strip.jpg: too-small — 100×20 px, smaller than data.minSize (32 px on each side)',
    ]);
  });

  it('rejects with the abort reason when the signal is aborted', async () => {
    const root = await tempDir();
    await writeMiniDataset(root);
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await expect(scanDataset(config(root, { unlabelled: undefined }), { logger: capture().logger, signal: controller.signal })).rejects.toThrow('stop now');
  });
});

describe('scanDataset on the real br35h-oc dataset', () => {
  it.skipIf(!existsSync(REAL_ROOT))(
    'finds 50/50/1406 images and reads PNGs named .jpg as png',
    async () => {
      const { logger, lines } = capture();
      const index = await scanDataset(
        config(REAL_ROOT, { labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } }, unlabelled: { dir: 'sans_label' } }),
        { logger },
      );
      const count = (pred: (i: DatasetIndex['images'][number]) => boolean): number => index.images.filter(pred).length;
      expect(index.badFiles).toEqual([]);
      expect(count((i) => i.className === 'Cancer' && i.label === 1)).toBe(50);
      expect(count((i) => i.className === 'Normal' && i.label === 0)).toBe(50);
      expect(count((i) => i.split === 'unlabelled' && i.label === -1)).toBe(1406);
      const pngs = index.images.filter((i) => i.format === 'png');
      expect(pngs.length).toBeGreaterThan(0);
      for (const png of pngs) {
        expect(png.path.endsWith('.jpg')).toBe(true);
        const head = Buffer.alloc(8);
        const handle = await fs.open(png.path);
        await handle.read(head, 0, 8, 0);
        await handle.close();
        expect(head.subarray(1, 4).toString('latin1')).toBe('PNG');
      }
      expect(count((i) => i.progressive)).toBeGreaterThan(0);
      expect(count((i) => i.channels === 1)).toBeGreaterThan(0);
      expect(lines.some((l) => l.level === 'info' && l.line.startsWith('dataset: 100 labelled (Cancer 50, Normal 50), 1406 unlabelled'))).toBe(true);
    },
    180_000,
  );
});

describe('near-duplicates that were re-encoded, resized or re-contrasted', () => {
  /** Grey levels through v → 255·(v/255)^g: a non-linear contrast change. */
  async function gammaCopy(bytes: Buffer, g: number): Promise<Buffer> {
    const { data, info } = await sharp(bytes).greyscale().raw().toBuffer({ resolveWithObject: true });
    const out = Buffer.from(data.map((v) => Math.round(255 * (v / 255) ** g)));
    return sharp(out, { raw: { width: info.width, height: info.height, channels: 1 } }).png().toBuffer();
  }

  /**
   * Cancer/a.jpg's pixels saved as PNG under Normal (the pair that used to hash 7+ bits apart), and
   * resized and re-contrasted copies of it and of Cancer/b.png in the pool, beside distinct slices.
   */
  async function writeCopies(root: string): Promise<void> {
    const cancer = path.join(root, 'avec_labels', 'Cancer');
    const normal = path.join(root, 'avec_labels', 'Normal');
    const pool = path.join(root, 'sans_label');
    for (const d of [cancer, normal, pool]) await fs.mkdir(d, { recursive: true });
    // Large enough that libjpeg's shrink-on-load would have scaled the JPEG by 1/8 when hashing.
    const a = await slice({ width: 480, height: 400, seed: 31, blob: { x: 0.35, y: 0.45 } }).jpeg({ quality: 92 }).toBuffer();
    const b = await slice({ width: 300, height: 320, seed: 32, blob: { x: 0.6, y: 0.4 } }).png().toBuffer();
    await fs.writeFile(path.join(cancer, 'a.jpg'), a);
    await fs.writeFile(path.join(cancer, 'b.png'), b);
    await fs.writeFile(path.join(normal, 'a-copy.png'), await sharp(a).png().toBuffer());
    await fs.writeFile(path.join(normal, 'c.png'), await slice({ width: 360, height: 360, seed: 33 }).png().toBuffer());
    await fs.writeFile(path.join(pool, 'a-half.jpg'), await sharp(a).resize(240, 200).jpeg({ quality: 80 }).toBuffer());
    await fs.writeFile(path.join(pool, 'a-larger.png'), await sharp(a).resize(600, 500).png().toBuffer());
    await fs.writeFile(path.join(pool, 'a-flatter.jpg'), await sharp(a).linear(0.8, 20).jpeg({ quality: 90 }).toBuffer());
    await fs.writeFile(path.join(pool, 'a-gamma.png'), await gammaCopy(a, 0.8));
    await fs.writeFile(path.join(pool, 'b-contrast.jpg'), await sharp(b).linear(1.15, -10).resize(225, 240).jpeg({ quality: 85 }).toBuffer());
    await fs.writeFile(path.join(pool, 'b-gamma.png'), await gammaCopy(b, 1.25));
    for (const seed of [34, 35, 36, 37, 38]) {
      await fs.writeFile(path.join(pool, `d${seed}.png`), await slice({ width: 320, height: 300, seed, blob: { x: 0.3 + (seed % 3) * 0.2, y: 0.5 } }).png().toBuffer());
    }
  }

  it('groups every copy with its original and no distinct slice, at the default threshold', async () => {
    const root = await tempDir();
    await writeCopies(root);
    const index = await scanDataset(config(root, { duplicates: { threshold: 8, crossClass: 'warn' } }), { logger: capture().logger });
    expect(index.badFiles).toEqual([]);
    expect(index.duplicateGroups.map((g) => g.members)).toEqual([
      [
        'avec_labels/Cancer/a.jpg',
        'avec_labels/Normal/a-copy.png',
        'sans_label/a-flatter.jpg',
        'sans_label/a-gamma.png',
        'sans_label/a-half.jpg',
        'sans_label/a-larger.png',
      ],
      ['avec_labels/Cancer/b.png', 'sans_label/b-contrast.jpg', 'sans_label/b-gamma.png'],
    ]);
    const hashOf = (id: string): string => index.images.find((i) => i.id === id)!.phash;
    // The pixel-identical JPEG/PNG pair hashes identically (one decode, one resampling kernel).
    expect(hashOf('avec_labels/Normal/a-copy.png')).toBe(hashOf('avec_labels/Cancer/a.jpg'));
    const dhashOf = (id: string): string => index.images.find((i) => i.id === id)!.dhash;
    expect(dhashOf('avec_labels/Normal/a-copy.png')).toBe(dhashOf('avec_labels/Cancer/a.jpg'));
    // Margin: every copy well inside the threshold.
    for (const g of index.duplicateGroups) expect(g.maxDistance).toBeLessThanOrEqual(6);
    expect(index.duplicateGroups[0]).toMatchObject({ spansClasses: true, spansSplits: true });
  });

  it('stops on near-duplicates labelled with two classes unless data.duplicates.crossClass is warn, listing the files', async () => {
    const root = await tempDir();
    await writeCopies(root);
    const err = await rejection(scanDataset(config(root, { duplicates: { threshold: 8 } }), { logger: capture().logger }));
    expect(err.issues).toEqual([
      expect.stringMatching(
        /^near-duplicates labelled with different classes \(pHashes up to \d bits apart\): avec_labels\/Cancer\/a\.jpg \(Cancer\), avec_labels\/Normal\/a-copy\.png \(Normal\) \(\+ 4 unlabelled images in the group\)$/,
      ),
    ]);
    expect(err.message).toMatch(/^1 near-duplicate group\(s\) hold images labelled with different classes under .* \(pHash within 8 bits\): .*data\.duplicates\.crossClass: warn/);
    expect(err.message).toContain('  - near-duplicates labelled with different classes');

    const { logger, lines } = capture();
    const warned = await scanDataset(config(root, { duplicates: { threshold: 8, crossClass: 'warn' } }), { logger });
    expect(lines.filter((l) => l.level === 'warn' && l.line.startsWith('near-duplicates labelled with different classes'))).toHaveLength(1);
    // The same error, from the index, for a caller that writes data-report.json before stopping.
    expect(crossClassDuplicatesError(warned)?.message).toBe(err.message);
    expect(crossClassDuplicatesError({ ...warned, duplicateGroups: [] })).toBeNull();
  });
});
