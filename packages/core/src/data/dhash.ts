// 64-bit difference hash (dHash): the decoded greyscale image area-averaged to 9×8, one bit per
// horizontally adjacent pair; and the decode every hash of the dataset scan starts from. Two hashes
// compare by Hamming distance.
//
// Every hash is computed from the fully decoded pixels, resized by one pure-TS kernel (area averaging,
// core/image's resizeGreyFloat): never by the decoder's shrink-on-load. libjpeg's DCT scaling shrinks a
// JPEG differently from how the same pixels saved as PNG are shrunk, which moved the dHash of a
// pixel-identical JPEG/PNG pair by up to 12 bits; now such a pair hashes identically by construction.

import sharp from 'sharp';

import type { GreyImage } from '../image/grey-image.js';
import { resizeGreyFloat } from '../image/resize.js';

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
 * Decodes the whole image (so a truncated or corrupt file throws here) to one grey byte per pixel, at
 * its full size. EXIF orientation is applied, so that a rotated copy hashes like what a viewer shows;
 * alpha is flattened onto black (a transparent background reads as MRI background).
 */
export async function decodeForHash(input: Buffer | string, options: DhashOptions = {}): Promise<GreyImage> {
  const { data, info } = await sharp(input, { failOn: options.failOn ?? 'warning', autoOrient: true })
    .flatten({ background: '#000000' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  if (data.length !== width * height * channels) throw new Error(`hash: unexpected raster ${width}×${height}×${channels} in ${data.length} bytes`);
  if (channels === 1) return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  // Defensive: should libvips ever hand back more than one band, keep the first (the grey one).
  const grey = new Uint8Array(width * height);
  for (let i = 0; i < grey.length; i++) grey[i] = data[i * channels]!;
  return { width, height, data: grey };
}

/**
 * Hash of a 9×8 greyscale raster (row-major, 72 bytes): bit = right pixel brighter than left,
 * rows top to bottom, most significant bit first (the imagehash convention). 16 hex digits.
 */
export function dhashFromPixels(pixels: ArrayLike<number>): string {
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
 * dHash of a decoded image: area-averaged to 9×8 and rounded to whole grey levels before the
 * comparisons, so that neighbouring cells of flat black background compare equal (bit 0) instead
 * of letting a hundredth of a grey level of JPEG noise decide.
 */
export function dhashOfGrey(img: GreyImage): string {
  const cells = resizeGreyFloat(img, DHASH_WIDTH, DHASH_HEIGHT);
  return dhashFromPixels(Array.from(cells, (v) => Math.round(v)));
}

/** Decodes the whole image (so a truncated or corrupt file throws here) and returns its dHash. */
export async function computeDhash(input: Buffer | string, options: DhashOptions = {}): Promise<string> {
  return dhashOfGrey(await decodeForHash(input, options));
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
