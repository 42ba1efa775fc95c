// A small synthetic dataset in the reference layout, with the file problems real data has.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

async function head(size: number, blob: boolean, shade: number): Promise<Buffer> {
  const r = Math.round(size * 0.35);
  const tumour = blob ? `<circle cx="${size * 0.6}" cy="${size * 0.45}" r="${size * 0.1}" fill="white"/>` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}">
    <rect width="100%" height="100%" fill="black"/>
    <ellipse cx="${size / 2}" cy="${size / 2}" rx="${r}" ry="${r * 1.2}" fill="rgb(${shade},${shade},${shade})"/>${tumour}</svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function makeDataset(root: string): Promise<void> {
  const cancer = path.join(root, 'avec_labels', 'Cancer');
  const normal = path.join(root, 'avec_labels', 'Normal');
  const unl = path.join(root, 'sans_label');
  for (const d of [cancer, normal, unl]) await fs.mkdir(d, { recursive: true });
  for (let i = 0; i < 4; i++) {
    await sharp(await head(64 + 8 * i, true, 150 + 10 * i)).jpeg().toFile(path.join(cancer, `c${i}.jpg`));
    await sharp(await head(72 + 8 * i, false, 60 + 7 * i)).jpeg().toFile(path.join(normal, `n${i}.jpg`));
  }
  for (let i = 0; i < 3; i++) await sharp(await head(80, i % 2 === 0, 90 + 30 * i)).jpeg({ progressive: true }).toFile(path.join(unl, `u${i}.jpg`));
  // Problems real data has: a PNG named .jpg, an RGBA PNG, a 0-byte file and a truncated JPEG.
  await fs.writeFile(path.join(unl, 'png-named.jpg'), await head(70, false, 120));
  await sharp(await head(66, true, 170)).ensureAlpha(0.8).png().toFile(path.join(unl, 'rgba.png'));
  await fs.writeFile(path.join(unl, 'empty.jpg'), '');
  const full = await sharp(await head(96, true, 200)).jpeg().toBuffer();
  await fs.writeFile(path.join(unl, 'truncated.jpg'), full.subarray(0, Math.floor(full.length / 2)));
}
