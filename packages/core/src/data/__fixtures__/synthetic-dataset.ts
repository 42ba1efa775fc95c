// Small synthetic MRI-like images and a dataset folder in the reference layout, for the data tests.
// Each image is a disk with a seeded low-frequency texture, so distinct seeds give unrelated dHashes
// while a rescaled or re-encoded copy stays within a few bits.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import sharp, { type Sharp } from 'sharp';

export interface SliceOptions {
  width: number;
  height: number;
  seed: number;
  /** A bright blob ("tumour") at a fraction of the width/height. */
  blob?: { x: number; y: number };
}

/** Deterministic PRNG (mulberry32), enough to vary the texture per seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One greyscale slice as raw 8-bit pixels. */
export function sliceRaw(options: SliceOptions): Buffer {
  const { width, height } = options;
  const rand = prng(options.seed);
  // Low frequencies only (≤ 2.5 cycles per side): the 9×8 hash grid must not alias them, or a
  // rescaled copy would hash differently.
  const waves = Array.from({ length: 3 }, () => ({ fx: 0.5 + rand() * 2, fy: 0.5 + rand() * 2, px: rand() * 6.28, py: rand() * 6.28 }));
  const out = Buffer.alloc(width * height);
  const cx = width / 2;
  const cy = height / 2;
  const r = Math.min(width, height) * 0.45;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const u = x / width;
      const v = y / height;
      let value = 0;
      if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) {
        value = 120;
        for (const w of waves) value += 45 * Math.sin(w.fx * 6.28 * u + w.px) * Math.cos(w.fy * 6.28 * v + w.py);
      }
      if (options.blob) {
        const bx = options.blob.x * width;
        const by = options.blob.y * height;
        if ((x - bx) ** 2 + (y - by) ** 2 < (r * 0.25) ** 2) value = 250;
      }
      out[y * width + x] = Math.max(0, Math.min(255, Math.round(value)));
    }
  }
  return out;
}

/** The slice as a sharp pipeline with 1 (grey), 3 (RGB, grey values) or 4 (RGBA, opaque) channels. */
export function slice(options: SliceOptions, channels: 1 | 3 | 4 = 1): Sharp {
  const grey = sliceRaw(options);
  const pixels = Buffer.alloc(grey.length * channels, 255);
  for (let i = 0; i < grey.length; i++) for (let c = 0; c < Math.min(channels, 3); c++) pixels[i * channels + c] = grey[i] ?? 0;
  return sharp(pixels, { raw: { width: options.width, height: options.height, channels } });
}

export async function makeTempDir(prefix = 'neuro-ssl-data-'): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), prefix));
}

async function write(file: string, data: Buffer | string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
}

export const SYNTHETIC = {
  labelledDir: 'avec_labels',
  unlabelledDir: 'sans_label',
  classes: { Cancer: 1, Normal: 0 } as Record<string, number>,
};

/**
 * Writes the synthetic dataset under `root`:
 *   avec_labels/Cancer: c1.png (RGB), c2.jpg (progressive grey JPEG), c3.jpg (a PNG), c4.png (RGBA), .DS_Store
 *   avec_labels/Normal: n1.jpg (baseline RGB JPEG), n2.png (palette), n3.jpg (0 bytes), n4.jpg (text),
 *                       n5.jpg (first half of a JPEG), n6.png (c2 rescaled: near-duplicate across classes)
 *   sans_label: u1.jpg (c1 rescaled + re-encoded: near-duplicate across splits), u2.png, u3.webp, u4.gif, u5.tif, .hidden
 */
export async function writeSyntheticDataset(root: string): Promise<void> {
  const cancer = path.join(root, SYNTHETIC.labelledDir, 'Cancer');
  const normal = path.join(root, SYNTHETIC.labelledDir, 'Normal');
  const unlabelled = path.join(root, SYNTHETIC.unlabelledDir);

  const c1 = { width: 220, height: 200, seed: 1, blob: { x: 0.35, y: 0.4 } };
  const c2 = { width: 180, height: 180, seed: 2, blob: { x: 0.6, y: 0.55 } };
  await write(path.join(cancer, 'c1.png'), await slice(c1, 3).png().toBuffer());
  await write(path.join(cancer, 'c2.jpg'), await slice(c2).toColourspace('b-w').jpeg({ progressive: true, quality: 90 }).toBuffer());
  await write(path.join(cancer, 'c3.jpg'), await slice({ width: 160, height: 190, seed: 3, blob: { x: 0.5, y: 0.3 } }).png().toBuffer());
  await write(
    path.join(cancer, 'c4.png'),
    await slice({ width: 200, height: 200, seed: 4, blob: { x: 0.4, y: 0.65 } }, 4).png().toBuffer(),
  );
  await write(path.join(cancer, '.DS_Store'), 'junk');

  await write(path.join(normal, 'n1.jpg'), await slice({ width: 240, height: 200, seed: 11 }, 3).jpeg().toBuffer());
  await write(path.join(normal, 'n2.png'), await slice({ width: 200, height: 220, seed: 12 }, 3).png({ palette: true }).toBuffer());
  await write(path.join(normal, 'n3.jpg'), Buffer.alloc(0));
  await write(path.join(normal, 'n4.jpg'), 'this is not an image, just text\n');
  const whole = await slice({ width: 256, height: 256, seed: 13 }).jpeg({ quality: 95 }).toBuffer();
  await write(path.join(normal, 'n5.jpg'), whole.subarray(0, Math.floor(whole.length / 2)));
  await write(path.join(normal, 'n6.png'), await slice(c2).resize(150, 150).png().toBuffer());

  await write(path.join(unlabelled, 'u1.jpg'), await slice(c1).resize(176, 160).jpeg({ quality: 75 }).toBuffer());
  await write(path.join(unlabelled, 'u2.png'), await slice({ width: 190, height: 170, seed: 21 }).png().toBuffer());
  await write(path.join(unlabelled, 'u3.webp'), await slice({ width: 200, height: 200, seed: 22 }).webp().toBuffer());
  await write(path.join(unlabelled, 'u4.gif'), await slice({ width: 180, height: 200, seed: 23 }).gif().toBuffer());
  await write(path.join(unlabelled, 'u5.tif'), await slice({ width: 210, height: 190, seed: 24 }).tiff().toBuffer());
  await write(path.join(unlabelled, '.hidden'), 'junk');
}
