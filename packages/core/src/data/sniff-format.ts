// Format detection from a file's first bytes. Real datasets hold PNGs named .jpg (br35h-oc does), so the
// extension is never trusted; the decoder's own guess is only used after the magic number says "image".

import type { ImageFormat } from './dataset-index.js';

export interface SniffResult {
  format: ImageFormat;
  /** Progressive JPEG (SOF2/6/10/14) or interlaced PNG (Adam7), read from the headers alone. */
  progressive: boolean;
}

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  return signature.every((b, i) => bytes[offset + i] === b);
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The container format named by the magic number, or 'unknown'. */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (startsWith(bytes, PNG_SIGNATURE)) return 'png';
  if (startsWith(bytes, ascii('GIF87a')) || startsWith(bytes, ascii('GIF89a'))) return 'gif';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'webp';
  if (startsWith(bytes, [0x49, 0x49, 0x2a, 0x00]) || startsWith(bytes, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  // "BM" alone is two printable letters (a text file could start with them): also require the
  // 4-byte reserved field to be zero and a sane pixel-data offset.
  if (startsWith(bytes, ascii('BM')) && bytes.length >= 14) {
    const reservedZero = bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0 && bytes[9] === 0;
    const dataOffset = (bytes[10] ?? 0) | ((bytes[11] ?? 0) << 8) | ((bytes[12] ?? 0) << 16) | ((bytes[13] ?? 0) << 24);
    if (reservedZero && dataOffset >= 26) return 'bmp';
  }
  return 'unknown';
}

/**
 * Walks the JPEG marker segments up to the first frame header (SOFn) and reports whether it is a
 * progressive one. Only headers are read, so this costs a few hundred bytes per file.
 */
export function isProgressiveJpeg(bytes: Uint8Array): boolean {
  let i = 2; // after SOI
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return false; // lost sync: not a well-formed header, let the decoder judge
    const marker = bytes[i + 1] ?? 0;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    // Standalone markers carry no length.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return false; // scan data / EOI before any frame header
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). Progressive: C2, C6, CA, CE.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return marker === 0xc2 || marker === 0xc6 || marker === 0xca || marker === 0xce;
    }
    const length = ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0);
    if (length < 2) return false;
    i += 2 + length;
  }
  return false;
}

/** PNG interlace method: byte 28 (the last field of IHDR, which must come first). */
export function isInterlacedPng(bytes: Uint8Array): boolean {
  return startsWith(bytes, PNG_SIGNATURE) && startsWith(bytes, ascii('IHDR'), 12) && bytes[28] === 1;
}

export function sniffImage(bytes: Uint8Array): SniffResult {
  const format = sniffFormat(bytes);
  const progressive = format === 'jpeg' ? isProgressiveJpeg(bytes) : format === 'png' ? isInterlacedPng(bytes) : false;
  return { format, progressive };
}

/**
 * Whether the file ends the way its format says a complete file ends: JPEG with EOI (FFD9), PNG with
 * an IEND chunk, GIF with its trailer (3B). A little trailing padding is tolerated (some writers add
 * it; trailing zeros for GIF). Returns undefined for formats without an end marker. Used to tell "truncated" from other
 * decode failures, whose messages differ between decoders.
 */
export function hasEndMarker(bytes: Uint8Array, format: ImageFormat): boolean | undefined {
  const tail = bytes.subarray(Math.max(0, bytes.length - 64));
  const lastIndexOf = (sig: readonly number[]): number => {
    for (let i = tail.length - sig.length; i >= 0; i--) if (sig.every((b, k) => tail[i + k] === b)) return i;
    return -1;
  };
  switch (format) {
    case 'jpeg':
      return lastIndexOf([0xff, 0xd9]) >= 0;
    case 'png':
      return lastIndexOf(ascii('IEND')) >= 0;
    case 'gif': {
      // 3B is a common byte inside LZW data, so it must be the last byte (zero padding allowed).
      let end = bytes.length - 1;
      while (end >= 0 && bytes[end] === 0) end--;
      return end >= 0 && bytes[end] === 0x3b;
    }
    default:
      return undefined;
  }
}

/** First bytes of a file, for error messages: text when printable, hex otherwise. */
export function describeLeadingBytes(bytes: Uint8Array, count = 8): string {
  const head = bytes.subarray(0, count);
  const printable = head.length > 0 && head.every((b) => (b >= 0x20 && b < 0x7f) || b === 0x09 || b === 0x0a || b === 0x0d);
  if (printable) return `starts with text ${JSON.stringify(Buffer.from(head).toString('latin1'))}`;
  return `starts with bytes ${[...head].map((b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}
