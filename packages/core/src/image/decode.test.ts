import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGrey, loadGreyImage } from './decode.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'neuro-ssl-decode-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** 8x4 RGBA: left half opaque white, right half fully transparent white. */
function rgbaPixels(): Buffer {
  const px = Buffer.alloc(8 * 4 * 4);
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 8; x++) {
      const o = (y * 8 + x) * 4;
      px[o] = px[o + 1] = px[o + 2] = 255;
      px[o + 3] = x < 4 ? 255 : 0;
    }
  }
  return px;
}

describe('decodeGrey / loadGreyImage', () => {
  it('flattens alpha onto black', async () => {
    const file = path.join(dir, 'rgba.png');
    await sharp(rgbaPixels(), { raw: { width: 8, height: 4, channels: 4 } }).png().toFile(file);
    expect((await sharp(file).metadata()).hasAlpha).toBe(true);
    const img = await loadGreyImage(file);
    expect(img.width).toBe(8);
    expect(img.height).toBe(4);
    expect(img.data.length).toBe(32);
    expect(img.data[0]).toBe(255);
    expect(img.data[7]).toBe(0);
  });

  it('decodes a palette PNG', async () => {
    const grey = Buffer.alloc(16 * 16);
    for (let i = 0; i < grey.length; i++) grey[i] = (i % 16) * 16;
    const file = path.join(dir, 'palette.png');
    await sharp(grey, { raw: { width: 16, height: 16, channels: 1 } }).png({ palette: true, colours: 16 }).toFile(file);
    expect((await sharp(file).metadata()).isPalette).toBe(true);
    const img = await loadGreyImage(file);
    expect(img.data.length).toBe(256);
    for (let i = 0; i < 16; i++) expect(Math.abs(img.data[i]! - i * 16)).toBeLessThanOrEqual(8);
  });

  it('detects the format from content: a PNG named .jpg, and a progressive JPEG', async () => {
    const grey = Buffer.alloc(20 * 10, 77);
    const pngAsJpg = path.join(dir, 'really-a-png.jpg');
    await fs.writeFile(pngAsJpg, await sharp(grey, { raw: { width: 20, height: 10, channels: 1 } }).png().toBuffer());
    expect(await loadGreyImage(pngAsJpg)).toMatchObject({ width: 20, height: 10 });
    const progressive = await sharp(grey, { raw: { width: 20, height: 10, channels: 1 } }).jpeg({ progressive: true }).toBuffer();
    const img = await decodeGrey(progressive);
    expect(img.width).toBe(20);
    expect(Math.abs(img.data[55]! - 77)).toBeLessThanOrEqual(2);
  });

  it('keeps RGB-stored grey values exactly and turns colour into one luminance band', async () => {
    const px = Buffer.alloc(259 * 3);
    for (let v = 0; v < 256; v++) px[v * 3] = px[v * 3 + 1] = px[v * 3 + 2] = v;
    px.set([255, 0, 0, 0, 255, 0, 0, 0, 255], 256 * 3);
    const img = await decodeGrey(await sharp(px, { raw: { width: 259, height: 1, channels: 3 } }).png().toBuffer());
    expect(img.data.length).toBe(259);
    for (let v = 0; v < 256; v++) expect(img.data[v]).toBe(v);
    const [red, green, blue] = [img.data[256]!, img.data[257]!, img.data[258]!];
    expect(green).toBeGreaterThan(red);
    expect(red).toBeGreaterThan(blue);
  });

  it('names the file when it cannot be decoded', async () => {
    const file = path.join(dir, 'not-an-image.jpg');
    await fs.writeFile(file, 'hello');
    await expect(loadGreyImage(file)).rejects.toThrow(/not-an-image\.jpg/);
  });
});
