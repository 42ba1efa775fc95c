import { describe, expect, it } from 'vitest';
import { clahe } from './clahe.js';
import { createGreyImage, type GreyImage } from './grey-image.js';

/** Mean absolute difference between horizontal neighbours: a simple local-contrast measure. */
function localContrast(img: GreyImage): number {
  let sum = 0;
  let n = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 1; x < img.width; x++) {
      sum += Math.abs(img.data[y * img.width + x]! - img.data[y * img.width + x - 1]!);
      n++;
    }
  }
  return sum / n;
}

/** Low contrast: values 100..124, a faint texture on a slow gradient. */
function lowContrast(): GreyImage {
  const img = createGreyImage(128, 96);
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) img.data[y * img.width + x] = 100 + Math.floor(x / 16) + ((x * 3 + y * 5) % 7) * 2;
  }
  return img;
}

describe('clahe', () => {
  it('raises local contrast of a low-contrast image and stays within 0..255', () => {
    const img = lowContrast();
    const out = clahe(img);
    expect(out.width).toBe(img.width);
    expect(out.height).toBe(img.height);
    // Clip limit 2 caps the slope of each tile map near 2 (plus the redistributed excess).
    expect(localContrast(out)).toBeGreaterThan(1.5 * localContrast(img));
    const values = Array.from(out.data);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThanOrEqual(255);
    // The stretch is limited by the clip: a 25-level input does not become 0..255 noise.
    expect(Math.max(...values) - Math.min(...values)).toBeLessThan(255);
    expect(img.data[0]).toBe(100); // input untouched
  });

  it('is plain histogram equalisation with one tile and no clip', () => {
    const img = createGreyImage(10, 10);
    img.data.fill(200, 50);
    const out = clahe(img, { tilesX: 1, tilesY: 1, clipLimit: 0 });
    expect(out.data[0]).toBe(128); // cdf(0) = 50/100 → round(127.5)
    expect(out.data[99]).toBe(255);
  });

  it('maps a flat image to a flat image, and blends tiles without seams', () => {
    const flat = clahe(createGreyImage(64, 64, 90));
    expect(new Set(flat.data).size).toBe(1);
    // On a horizontal ramp each tile's own map would jump from ~255 to ~0 at every tile border;
    // bilinear blending of neighbouring maps keeps neighbouring pixels close.
    const ramp = createGreyImage(256, 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 256; x++) ramp.data[y * 256 + x] = x;
    const out = clahe(ramp);
    let maxStep = 0;
    for (let x = 1; x < 256; x++) maxStep = Math.max(maxStep, Math.abs(out.data[16 * 256 + x]! - out.data[16 * 256 + x - 1]!));
    expect(maxStep).toBeLessThan(40);
  });

  it('copes with images smaller than the tile grid', () => {
    const tiny = createGreyImage(5, 3, 10);
    tiny.data[7] = 200;
    const out = clahe(tiny);
    expect(out.width).toBe(5);
    expect(out.data.length).toBe(15);
  });
});
