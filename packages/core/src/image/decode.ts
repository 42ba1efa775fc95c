// Decoding any supported file (JPEG, progressive JPEG, PNG whatever its extension says, palette,
// RGBA...) into a GreyImage. sharp/libvips sniffs the format from the bytes, so a PNG named .jpg
// decodes like any PNG.

import { promises as fs } from 'node:fs';
import sharp from 'sharp';
import type { GreyImage } from './grey-image.js';

/**
 * Decode encoded image bytes to one byte per pixel.
 * - EXIF orientation is applied, so the pixels are what a viewer shows.
 * - Alpha is flattened onto black: transparent regions are background in an MRI, not white paper.
 * - Colour (overlays, RGB-stored grey) becomes luminance.
 */
export async function decodeGrey(bytes: Uint8Array): Promise<GreyImage> {
  const { data, info } = await sharp(bytes)
    .autoOrient()
    .flatten({ background: '#000' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width, height, channels } = info;
  if (channels === 1) return { width, height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
  // Defensive: should libvips ever hand back more than one band, keep the first (the grey one).
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * channels]!;
  return { width, height, data: out };
}

/** Read and decode a file; errors name the file. */
export async function loadGreyImage(path: string): Promise<GreyImage> {
  const bytes = await fs.readFile(path);
  try {
    return await decodeGrey(bytes);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot decode image ${path}: ${message}`, { cause: err });
  }
}
