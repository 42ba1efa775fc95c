import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clutteredScan } from './__fixtures__/synthetic.js';
import { renderSampleGrid, sampleGridSize } from './sample-grid.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'neuro-ssl-grid-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('renderSampleGrid', () => {
  it('writes a PNG with a before/after pair per sample and a labelled row per class', async () => {
    const paths: string[] = [];
    for (let i = 0; i < 3; i++) {
      const { img } = clutteredScan(120 + 20 * i, 140);
      const file = path.join(dir, `s${i}.png`);
      await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } }).png().toFile(file);
      paths.push(file);
    }
    const broken = path.join(dir, 'broken.jpg');
    await fs.writeFile(broken, 'not an image');
    const rows = [
      { label: 'Cancer <1>', paths: paths.slice(0, 2) },
      { label: 'Normal & co', paths: [paths[2]!, broken] },
      { label: 'Empty', paths: [] },
    ];
    const out = path.join(dir, 'reports', 'samples.png');
    await renderSampleGrid(rows, { normalize: true, clahe: true, crop: 'brain', imageSize: 64 }, out, { tile: 48 });

    const meta = await sharp(out).metadata();
    expect(meta.format).toBe('png');
    // 2 columns of (48 + 4 + 48) with a 12-px gap, 8-px margins; 3 rows of 24 + 48 + 8 under an 8-px margin.
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 8 + 100 + 12 + 100 + 8, height: 8 + 3 * 80 });
    expect(sampleGridSize(rows, 48)).toEqual({ width: meta.width, height: meta.height });
    // The "after" tile of the first sample is not blank (the head is there).
    const { data, info } = await sharp(out).greyscale().raw().toBuffer({ resolveWithObject: true });
    let bright = 0;
    for (let y = 32; y < 32 + 48; y++) for (let x = 60; x < 108; x++) if (data[y * info.width + x]! > 100) bright++;
    expect(bright).toBeGreaterThan(200);
    // Written atomically: no temp files left behind.
    expect(await fs.readdir(path.dirname(out))).toEqual(['samples.png']);
  });
});
