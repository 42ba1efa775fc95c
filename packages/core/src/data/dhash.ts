// 64-bit difference hash (dHash): shrink to 9×8 grey, one bit per horizontally adjacent pair. It
// survives rescaling, re-encoding and global contrast changes, which is how near-duplicate MRI slices
// differ in real datasets, and two hashes compare by Hamming distance.

import sharp from 'sharp';

export const DHASH_WIDTH = 9;
export const DHASH_HEIGHT = 8;

export interface DhashOptions {
  /**
   * sharp's failOn level for the decode. The default 'warning' is sharp's own default, so an image the
   * scan accepts is one that later stages decoding with defaults accept too; it also rejects truncated
   * files (a truncated JPEG only raises a libjpeg warning).
   */
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
}

/**
 * Hash of a 9×8 greyscale raster (row-major, 72 bytes): bit = right pixel brighter than left,
 * rows top to bottom, most significant bit first (the imagehash convention). 16 hex digits.
 */
export function dhashFromPixels(pixels: Uint8Array): string {
  if (pixels.length !== DHASH_WIDTH * DHASH_HEIGHT) {
    throw new Error(`dhash: expected ${DHASH_WIDTH * DHASH_HEIGHT} grey pixels, got ${pixels.length}`);
  }
  // Two 32-bit halves: plain numbers, no bigint in the hot path.
  let hi = 0;
  let lo = 0;
  for (let y = 0; y < DHASH_HEIGHT; y++) {
    for (let x = 0; x < DHASH_WIDTH - 1; x++) {
      const left = pixels[y * DHASH_WIDTH + x] ?? 0;
      const right = pixels[y * DHASH_WIDTH + x + 1] ?? 0;
      const bit = right > left ? 1 : 0;
      if (y < 4) hi = ((hi << 1) | bit) >>> 0;
      else lo = ((lo << 1) | bit) >>> 0;
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/**
 * Decodes the whole image (so a truncated or corrupt file throws here) and returns its dHash.
 * Alpha is flattened onto black (transparent background reads as MRI background), and EXIF
 * orientation is applied so that a rotated copy hashes like what a viewer shows.
 */
export async function computeDhash(input: Buffer | string, options: DhashOptions = {}): Promise<string> {
  const { data, info } = await sharp(input, { failOn: options.failOn ?? 'warning', autoOrient: true })
    .flatten({ background: '#000000' })
    .greyscale()
    // fastShrinkOnLoad off: libjpeg's 1/8 DCT scaling rounds the intermediate size up, which shifts
    // content by up to a pixel of the shrunk image, enough to move a JPEG copy of a PNG by ~7 bits.
    .resize(DHASH_WIDTH, DHASH_HEIGHT, { fit: 'fill', fastShrinkOnLoad: false })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1 || info.width !== DHASH_WIDTH || info.height !== DHASH_HEIGHT) {
    throw new Error(`dhash: unexpected raster ${info.width}×${info.height}×${info.channels}`);
  }
  return dhashFromPixels(data);
}

const HEX16 = /^[0-9a-f]{16}$/i;

/** Splits a 16-hex-digit hash into its two 32-bit halves. */
export function dhashHalves(hash: string): [number, number] {
  if (!HEX16.test(hash)) throw new Error(`dhash: expected 16 hex digits, got ${JSON.stringify(hash)}`);
  return [parseInt(hash.slice(0, 8), 16) >>> 0, parseInt(hash.slice(8), 16) >>> 0];
}

/** Set bits in a 32-bit integer (SWAR popcount). */
export function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Number of differing bits (0..64) between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  const [ahi, alo] = dhashHalves(a);
  const [bhi, blo] = dhashHalves(b);
  return popcount32(ahi ^ bhi) + popcount32(alo ^ blo);
}
