// File names that say nothing about the class. Br35H's own names do (y12.jpg is a tumour, no3.jpg is
// not), and a model or a person reading sans_label/ must not be able to tell. The name is a content
// hash (the first 16 hex digits of the MD5, as in the shared br35h-oc copy, so `md5sum` finds a file
// again), which also makes byte-identical copies collide on purpose: they are one image.

import { createHash } from 'node:crypto';
import type { ImageFormat } from '@neuro-ssl/core';
import { sniffFormat } from '@neuro-ssl/core/data';

/** The extension from the content, never from the source name: some Br35H ".jpg" files are PNGs. */
const EXTENSIONS: Readonly<Record<Exclude<ImageFormat, 'unknown'>, string>> = {
  jpeg: '.jpg',
  png: '.png',
  gif: '.gif',
  webp: '.webp',
  tiff: '.tif',
  bmp: '.bmp',
};

/** `<md5 first 16 hex>.<format>`, or null when the bytes are no image format the scan reads. */
export function labelFreeName(bytes: Uint8Array): string | null {
  const format = sniffFormat(bytes);
  if (format === 'unknown') return null;
  return `${createHash('md5').update(bytes).digest('hex').slice(0, 16)}${EXTENSIONS[format]}`;
}

export const LABEL_FREE_NAME = /^[0-9a-f]{16}\.(jpg|png|gif|webp|tif|bmp)$/;
