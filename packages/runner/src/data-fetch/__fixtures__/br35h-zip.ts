// A small zip shaped like GitHub's archive of AhmedHamada0/Brain-Tumor-Detection-Dataset: a wrapper
// folder holding yes/ (tumour, y<n>.jpg), no/ (normal, no<n>.jpg), pred/ (no label, pred<n>.jpg),
// Br35H-Mask-RCNN/ (copies of yes/ images with polygon JSON), a README and a cover picture. Images are
// real JPEG/PNG bytes (smooth random greyscale, so dHashes of different images are far apart), with
// the cases the fetch must handle: a rescaled near-duplicate inside yes/, a re-saved copy of a yes/
// image in pred/, a byte-identical copy inside no/, a PNG named .jpg and a file that is no image.

import { createHash } from 'node:crypto';
import { zipSync, type Zippable } from 'fflate';
import sharp from 'sharp';
import { createRng } from '@neuro-ssl/core';

export const WRAPPER = 'Brain-Tumor-Detection-Dataset-main';

/** Expected after merging byte-identical copies. */
export const EXPECTED = {
  /** yes/ images (y0…y9), y9 a rescaled copy of y8. */
  tumour: 10,
  /** Of those, labellable: y3 has a re-saved copy in pred/, so its group has an unlabelled member. */
  tumourEligible: 9,
  /** no/ images: no0…no8 distinct (no8 is a PNG), no9 byte-identical to no4. */
  normal: 9,
  pred: 3,
  distinct: 22,
};

export interface FixtureArchive {
  zip: Uint8Array;
  /** md5 (first 16 hex) of each image's bytes → the archive entries holding them. */
  sources: Map<string, string[]>;
  /** Label-free name stems of notable images. */
  stems: { y3: string; pred1: string; y8: string; y9: string; no8png: string };
}

const md5 = (bytes: Uint8Array): string => createHash('md5').update(bytes).digest('hex').slice(0, 16);

/** 64×64 (or `size`) greyscale image, bilinear upsampling of a random 6×6 grid: smooth, so resampling keeps its dHash. */
async function smoothImage(seed: number, size = 64): Promise<Buffer> {
  const rng = createRng(seed);
  const g = 6;
  const grid = Array.from({ length: g * g }, () => rng.int(256));
  const pixels = Buffer.alloc(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const gx = (x / (size - 1)) * (g - 1);
      const gy = (y / (size - 1)) * (g - 1);
      const x0 = Math.min(g - 2, Math.floor(gx));
      const y0 = Math.min(g - 2, Math.floor(gy));
      const fx = gx - x0;
      const fy = gy - y0;
      const at = (xx: number, yy: number): number => grid[yy * g + xx] ?? 0;
      const top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx;
      const bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx;
      pixels[y * size + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return sharp(pixels, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer();
}

const jpeg = (png: Buffer, quality = 90): Promise<Buffer> => sharp(png).jpeg({ quality }).toBuffer();

export async function buildBr35hZip(): Promise<FixtureArchive> {
  const files: Record<string, Uint8Array> = {};
  const put = (name: string, bytes: Uint8Array): void => {
    files[`${WRAPPER}/${name}`] = bytes;
  };

  const yes: Buffer[] = [];
  for (let i = 0; i < 9; i++) yes.push(await jpeg(await smoothImage(1000 + i)));
  // y9: y8's slice at another size, re-encoded (a near-duplicate, not the same bytes).
  yes.push(await sharp(yes[8]).resize(80, 80).jpeg({ quality: 85 }).toBuffer());
  yes.forEach((b, i) => put(`yes/y${i}.jpg`, b));
  put('yes/notes.txt', new TextEncoder().encode('not an image\n'));

  const no: Buffer[] = [];
  for (let i = 0; i < 8; i++) no.push(await jpeg(await smoothImage(2000 + i)));
  no.push(await smoothImage(2008)); // no8: PNG bytes under a .jpg name, as in the real data
  no.push(no[4] as Buffer); // no9: the same file twice
  no.forEach((b, i) => put(`no/no${i}.jpg`, b));

  const pred = [await jpeg(await smoothImage(3000)), await sharp(yes[3]).jpeg({ quality: 60 }).toBuffer(), await jpeg(await smoothImage(3002))];
  pred.forEach((b, i) => put(`pred/pred${i}.jpg`, b));

  // Copies the fetch must not count: Mask-RCNN's tumour images and their polygons.
  put('Br35H-Mask-RCNN/TRAIN/y0.jpg', yes[0] as Buffer);
  put('Br35H-Mask-RCNN/TRAIN/annotations_train.json', new TextEncoder().encode('{"y0.jpg19127": {"filename": "y0.jpg"}}'));
  put('README.md', new TextEncoder().encode('# Br35H :: Brain Tumor Detection 2020\n'));
  put('converpic.jpg', await jpeg(await smoothImage(4000)));

  const sources = new Map<string, string[]>();
  for (const [name, bytes] of Object.entries(files)) {
    if (!/\/(yes|no|pred)\/[^/]+\.jpg$/.test(name)) continue;
    const key = md5(bytes);
    sources.set(key, [...(sources.get(key) ?? []), name]);
  }
  const tree: Zippable = {};
  for (const [name, bytes] of Object.entries(files)) tree[name] = [bytes, { level: 6 }];
  return {
    zip: zipSync(tree),
    sources,
    stems: { y3: md5(yes[3] as Buffer), pred1: md5(pred[1] as Buffer), y8: md5(yes[8] as Buffer), y9: md5(yes[9] as Buffer), no8png: md5(no[8] as Buffer) },
  };
}
