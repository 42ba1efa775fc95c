// A picture to eyeball what preprocessing does: one row per class, each sample shown before
// (decoded greyscale, letterboxed) and after (exactly what the model gets, before normalisation)
// side by side. Meant for run reports; a file that fails to decode shows as a dark red tile.

import sharp, { type OverlayOptions } from 'sharp';
import type { PreprocessConfig } from '../data/data-config.js';
import { writeFileAtomic } from '../util/atomic.js';
import { loadGreyImage } from './decode.js';
import type { GreyImage } from './grey-image.js';
import { preprocessGrey } from './preprocess.js';

export interface SampleGridRow {
  label: string;
  paths: string[];
}

export interface SampleGridOptions {
  /** Side of each before / after tile in pixels. Default 160. */
  tile?: number;
}

const MARGIN = 8;
const LABEL_HEIGHT = 24;
const PAIR_GAP = 4;
const SAMPLE_GAP = 12;

/** Pixel size of the grid renderSampleGrid writes. */
export function sampleGridSize(rows: SampleGridRow[], tile = 160): { width: number; height: number } {
  const columns = Math.max(1, ...rows.map((r) => r.paths.length));
  return {
    width: 2 * MARGIN + columns * (2 * tile + PAIR_GAP) + (columns - 1) * SAMPLE_GAP,
    height: MARGIN + Math.max(1, rows.length) * (LABEL_HEIGHT + tile + MARGIN),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function tilePng(img: GreyImage, tile: number): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(tile, tile, { fit: 'contain', background: '#000000' })
    .png()
    .toBuffer();
}

async function errorTilePng(tile: number): Promise<Buffer> {
  return sharp({ create: { width: tile, height: tile, channels: 3, background: '#600000' } }).png().toBuffer();
}

export async function renderSampleGrid(rows: SampleGridRow[], cfg: PreprocessConfig, outFile: string, options: SampleGridOptions = {}): Promise<void> {
  const tile = options.tile ?? 160;
  if (!Number.isInteger(tile) || tile < 8) throw new RangeError(`tile must be an integer >= 8, got ${tile}`);
  const { width, height } = sampleGridSize(rows, tile);
  const layers: OverlayOptions[] = [];
  for (const [r, row] of rows.entries()) {
    const top = MARGIN + r * (LABEL_HEIGHT + tile + MARGIN);
    const caption = `${row.label}: before | after preprocessing`;
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${LABEL_HEIGHT}"><text x="${MARGIN}" y="${LABEL_HEIGHT - 7}" font-family="sans-serif" font-size="15" fill="#ffffff">${escapeXml(caption)}</text></svg>`;
    layers.push({ input: Buffer.from(svg), left: 0, top });
    const tiles = await Promise.all(
      row.paths.map(async (path) => {
        try {
          const before = await loadGreyImage(path);
          const after = await preprocessGrey(before, cfg);
          return [await tilePng(before, tile), await tilePng(after, tile)] as const;
        } catch {
          const bad = await errorTilePng(tile);
          return [bad, bad] as const;
        }
      }),
    );
    for (const [c, [before, after]] of tiles.entries()) {
      const left = MARGIN + c * (2 * tile + PAIR_GAP + SAMPLE_GAP);
      layers.push({ input: before, left, top: top + LABEL_HEIGHT });
      layers.push({ input: after, left: left + tile + PAIR_GAP, top: top + LABEL_HEIGHT });
    }
  }
  const png = await sharp({ create: { width, height, channels: 3, background: '#303030' } })
    .composite(layers)
    .png()
    .toBuffer();
  await writeFileAtomic(outFile, png);
}
