// A small synthetic brain-slice dataset for stage tests (ours and plugin authors'): a noisy head
// ellipse on black, with a bright round "tumour" in Cancer slices. The classes are learnable by a
// tiny network in a few epochs, and the unlabelled slices' true classes are returned, so tests can
// check self-training against the truth.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { createRng, type Rng } from '../util/rng.js';

export interface SyntheticScanOptions {
  /** Labelled slices per class (default 12). */
  labelledPerClass?: number;
  /** Unlabelled slices per class (default 0). */
  unlabelledPerClass?: number;
  /** Side in pixels (default 48). */
  size?: number;
  seed?: number;
}

export interface SyntheticScans {
  /** The dataset root: avec_labels/{Cancer,Normal}/*.jpg and sans_label/*.jpg. */
  root: string;
  /** sans_label file name → true label (1 = Cancer), for benchmark-mode tests. */
  unlabelledTruth: Map<string, number>;
}

function scan(size: number, tumour: boolean, rng: Rng): Buffer {
  const px = Buffer.alloc(size * size);
  const cx = size / 2 + rng.uniform(-2, 2);
  const cy = size / 2 + rng.uniform(-2, 2);
  const rx = size * rng.uniform(0.3, 0.36);
  const ry = size * rng.uniform(0.38, 0.44);
  const tissue = rng.uniform(70, 110);
  const tx = cx + rng.uniform(-0.4, 0.4) * rx;
  const ty = cy + rng.uniform(-0.4, 0.4) * ry;
  const tr = size * rng.uniform(0.09, 0.14);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const inside = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1;
      let v = inside ? tissue + rng.normal() * 12 : rng.uniform(0, 6);
      if (tumour && inside && (x - tx) ** 2 + (y - ty) ** 2 <= tr * tr) v = 230 + rng.normal() * 8;
      px[y * size + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return px;
}

async function writeScan(file: string, size: number, tumour: boolean, rng: Rng): Promise<void> {
  await sharp(scan(size, tumour, rng), { raw: { width: size, height: size, channels: 1 } })
    .jpeg({ quality: 92 })
    .toFile(file);
}

export async function writeSyntheticScans(root: string, options: SyntheticScanOptions = {}): Promise<SyntheticScans> {
  const size = options.size ?? 48;
  const rng = createRng(options.seed ?? 7);
  const perClass = options.labelledPerClass ?? 12;
  for (const [cls, tumour] of [['Cancer', true], ['Normal', false]] as const) {
    const dir = path.join(root, 'avec_labels', cls);
    await fs.mkdir(dir, { recursive: true });
    for (let i = 0; i < perClass; i++) await writeScan(path.join(dir, `${cls.toLowerCase()}-${i}.jpg`), size, tumour, rng);
  }
  const unlabelledTruth = new Map<string, number>();
  const unlabelled = options.unlabelledPerClass ?? 0;
  if (unlabelled > 0) {
    const dir = path.join(root, 'sans_label');
    await fs.mkdir(dir, { recursive: true });
    // Shuffled names, so the file order says nothing about the class.
    const order = rng.shuffle(Array.from({ length: 2 * unlabelled }, (_, i) => i));
    for (const [k, i] of order.entries()) {
      const name = `u${String(k).padStart(3, '0')}.jpg`;
      const tumour = i < unlabelled;
      await writeScan(path.join(dir, name), size, tumour, rng);
      unlabelledTruth.set(name, tumour ? 1 : 0);
    }
  }
  return { root, unlabelledTruth };
}
