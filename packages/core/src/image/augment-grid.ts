// A picture of what the network sees in training: one row per sample image, the preprocessed image
// (exactly what the model gets without augmentation) and then K augmented views of it, each captioned
// with the operations drawn. For `runner inspect-data --augment strong|weak`.

import path from 'node:path';
import sharp, { type OverlayOptions } from 'sharp';
import type { PreprocessConfig } from '../data/data-config.js';
import { writeFileAtomic } from '../util/atomic.js';
import type { Rng } from '../util/rng.js';
import { applyAugment, drawAugmentParams, type AugmentLevel, type AugmentParams } from './augment.js';
import type { GreyImage } from './grey-image.js';
import { loadPreprocessed } from './preprocess.js';
import { DEFAULT_STRONG_AUGMENT, checkStrongAugmentPolicy, drawRandAugment, type RandAugmentOp, type StrongAugmentPolicy } from './rand-augment.js';

export interface AugmentGridSample {
  /** Row caption, e.g. the class. */
  label: string;
  /** Stable name of the image (e.g. its path relative to the data root): the views are seeded by it. */
  id: string;
  path: string;
}

export interface AugmentGridOptions {
  level: AugmentLevel;
  /** Augmented views per image. */
  views: number;
  /** The strong policy (default DEFAULT_STRONG_AUGMENT). */
  policy?: StrongAugmentPolicy;
  /** View v of sample s uses rng.fork(s.id).fork(`view-${v}`): a view depends on its image alone. */
  rng: Rng;
  /** Side of each tile in pixels. Default 160. */
  tile?: number;
}

/** One drawn view, as written to the grid's JSON. */
export interface AugmentGridView {
  /** Strong: the RandAugment operations drawn, in draw order. */
  ops?: RandAugmentOp[];
  params: AugmentParams;
}

export interface AugmentGridRow {
  id: string;
  label: string;
  /** Null when the image could not be read (its row shows dark red tiles). */
  views: AugmentGridView[] | null;
}

const MARGIN = 8;
const LABEL_HEIGHT = 22;
const CAPTION_HEIGHT = 16;
const GAP = 4;
const ROW_GAP = 10;

/** Pixel size of the grid renderAugmentGrid writes. */
export function augmentGridSize(samples: number, views: number, tile = 160): { width: number; height: number } {
  return {
    width: 2 * MARGIN + (views + 1) * tile + views * GAP,
    height: MARGIN + Math.max(1, samples) * (LABEL_HEIGHT + tile + CAPTION_HEIGHT + ROW_GAP),
  };
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function textSvg(text: string, width: number, height: number, size: number, colour: string): Buffer {
  return Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><text x="2" y="${height - Math.round(size / 3) - 1}" font-family="sans-serif" font-size="${size}" fill="${colour}">${escapeXml(text)}</text></svg>`,
  );
}

async function tilePng(img: GreyImage, tile: number): Promise<Buffer> {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
    .resize(tile, tile, { fit: 'contain', background: '#000000' })
    .png()
    .toBuffer();
}

/** Short caption of a strong view: its ops, with the main number of each. */
function describeOps(ops: readonly RandAugmentOp[], p: AugmentParams): string {
  const fmt = (v: number, digits = 2) => (v >= 0 ? '+' : '') + v.toFixed(digits);
  const parts = ops.map((op) => {
    switch (op) {
      case 'rotate':
        return `rot ${fmt(p.rotation, 0)}°`;
      case 'shearX':
        return `shX ${fmt(p.shearX)}`;
      case 'shearY':
        return `shY ${fmt(p.shearY)}`;
      case 'translateX':
        return `tX ${fmt(p.shiftX)}`;
      case 'translateY':
        return `tY ${fmt(p.shiftY)}`;
      case 'contrast':
        return `con ×${p.contrast.toFixed(2)}`;
      case 'brightness':
        return `bri ×${p.brightness.toFixed(2)}`;
      case 'gamma':
        return `γ ${p.gamma.toFixed(2)}`;
      case 'sharpness':
        return `shp ×${p.sharpness.toFixed(2)}`;
      case 'noise':
        return `noise ${p.noiseSigma.toFixed(1)}`;
      case 'blur':
        return `blur ${p.blurSigma.toFixed(2)}`;
      default:
        return op;
    }
  });
  return parts.join(', ') || 'cutout only';
}

/**
 * Writes the grid as a PNG and returns what each view drew (for a JSON beside it). Same samples, Rng
 * and policy give the same picture.
 */
export async function renderAugmentGrid(samples: readonly AugmentGridSample[], cfg: PreprocessConfig, outFile: string, options: AugmentGridOptions): Promise<AugmentGridRow[]> {
  const tile = options.tile ?? 160;
  if (!Number.isInteger(tile) || tile < 8) throw new RangeError(`tile must be an integer >= 8, got ${tile}`);
  if (!Number.isInteger(options.views) || options.views < 1) throw new RangeError(`views must be a positive integer, got ${options.views}`);
  const policy = options.policy ?? DEFAULT_STRONG_AUGMENT;
  checkStrongAugmentPolicy(policy);
  const { width, height } = augmentGridSize(samples.length, options.views, tile);
  const layers: OverlayOptions[] = [];
  const rows: AugmentGridRow[] = [];
  const what = options.level === 'strong' ? `strong views (ops ${policy.ops}, magnitude ${policy.magnitude})` : 'weak views';
  for (const [r, sample] of samples.entries()) {
    const top = MARGIN + r * (LABEL_HEIGHT + tile + CAPTION_HEIGHT + ROW_GAP);
    layers.push({ input: textSvg(`${sample.label} · ${path.basename(sample.id)}: preprocessed | ${options.views} ${what}`, width, LABEL_HEIGHT, 14, '#ffffff'), left: MARGIN, top });
    const rng = options.rng.fork(sample.id);
    let img: GreyImage;
    try {
      img = await loadPreprocessed(sample.path, cfg);
    } catch {
      rows.push({ id: sample.id, label: sample.label, views: null });
      const bad = await sharp({ create: { width: tile, height: tile, channels: 3, background: '#600000' } }).png().toBuffer();
      for (let c = 0; c <= options.views; c++) layers.push({ input: bad, left: MARGIN + c * (tile + GAP), top: top + LABEL_HEIGHT });
      continue;
    }
    layers.push({ input: await tilePng(img, tile), left: MARGIN, top: top + LABEL_HEIGHT });
    const views: AugmentGridView[] = [];
    for (let v = 0; v < options.views; v++) {
      const viewRng = rng.fork(`view-${v}`);
      const drawn = options.level === 'strong' ? drawRandAugment(viewRng, policy) : { params: drawAugmentParams('weak', viewRng) };
      views.push(drawn);
      const left = MARGIN + (v + 1) * (tile + GAP);
      layers.push({ input: await tilePng(applyAugment(img, drawn.params), tile), left, top: top + LABEL_HEIGHT });
      const caption = 'ops' in drawn ? describeOps(drawn.ops, drawn.params) : `flip ${drawn.params.flip ? 'yes' : 'no'}, rot ${drawn.params.rotation.toFixed(0)}°`;
      layers.push({ input: textSvg(caption, tile, CAPTION_HEIGHT, 10, '#c0c0c0'), left, top: top + LABEL_HEIGHT + tile });
    }
    rows.push({ id: sample.id, label: sample.label, views });
  }
  const png = await sharp({ create: { width, height, channels: 3, background: '#303030' } })
    .composite(layers)
    .png()
    .toBuffer();
  await writeFileAtomic(outFile, png);
  return rows;
}
