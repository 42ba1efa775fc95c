import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { slice } from './__fixtures__/synthetic-dataset.js';
import { describeLeadingBytes, hasEndMarker, isInterlacedPng, isProgressiveJpeg, sniffFormat, sniffImage } from './sniff-format.js';

const base = { width: 64, height: 48, seed: 5 };

describe('sniffFormat', () => {
  it('reads the format from the bytes of files sharp writes', async () => {
    expect(sniffFormat(await slice(base).jpeg().toBuffer())).toBe('jpeg');
    expect(sniffFormat(await slice(base).png().toBuffer())).toBe('png');
    expect(sniffFormat(await slice(base).webp().toBuffer())).toBe('webp');
    expect(sniffFormat(await slice(base).gif().toBuffer())).toBe('gif');
    expect(sniffFormat(await slice(base).tiff().toBuffer())).toBe('tiff');
  });

  it('recognises both TIFF byte orders and a BMP header', () => {
    expect(sniffFormat(Uint8Array.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]))).toBe('tiff');
    expect(sniffFormat(Uint8Array.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8]))).toBe('tiff');
    // "BM", file size, 4 reserved zero bytes, pixel data at offset 54.
    const bmp = Uint8Array.from([0x42, 0x4d, 0x46, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0]);
    expect(sniffFormat(bmp)).toBe('bmp');
  });

  it('does not take text or short files for images', () => {
    expect(sniffFormat(Buffer.from('BMW owners manual, chapter 1'))).toBe('unknown');
    expect(sniffFormat(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe('unknown');
    expect(sniffFormat(Buffer.from('RIFF\0\0\0\0WAVEfmt '))).toBe('unknown');
    expect(sniffFormat(Uint8Array.from([0xff, 0xd8]))).toBe('unknown');
    expect(sniffFormat(new Uint8Array(0))).toBe('unknown');
  });
});

describe('progressive detection', () => {
  it('tells a progressive JPEG from a baseline one by its SOF marker', async () => {
    const baseline = await slice(base).jpeg().toBuffer();
    const progressive = await slice(base).jpeg({ progressive: true }).toBuffer();
    expect(isProgressiveJpeg(baseline)).toBe(false);
    expect(isProgressiveJpeg(progressive)).toBe(true);
    expect(sniffImage(progressive)).toEqual({ format: 'jpeg', progressive: true });
    // Agrees with the decoder.
    expect((await sharp(progressive).metadata()).isProgressive).toBe(true);
  });

  it('survives a JPEG with an EXIF segment before the frame header', async () => {
    const withExif = await slice(base).jpeg({ progressive: true }).withMetadata({ orientation: 6 }).toBuffer();
    expect(isProgressiveJpeg(withExif)).toBe(true);
  });

  it('reads the PNG interlace flag', async () => {
    expect(isInterlacedPng(await slice(base).png().toBuffer())).toBe(false);
    expect(isInterlacedPng(await slice(base).png({ progressive: true }).toBuffer())).toBe(true);
  });
});

describe('hasEndMarker', () => {
  it('is true for complete files and false for cut ones', async () => {
    const jpeg = await slice(base).jpeg().toBuffer();
    const png = await slice(base).png().toBuffer();
    const gif = await slice(base).gif().toBuffer();
    expect(hasEndMarker(jpeg, 'jpeg')).toBe(true);
    expect(hasEndMarker(jpeg.subarray(0, jpeg.length >> 1), 'jpeg')).toBe(false);
    expect(hasEndMarker(png, 'png')).toBe(true);
    expect(hasEndMarker(png.subarray(0, png.length - 20), 'png')).toBe(false);
    expect(hasEndMarker(gif, 'gif')).toBe(true);
    expect(hasEndMarker(Buffer.concat([gif, Buffer.alloc(16)]), 'gif')).toBe(true);
    expect(hasEndMarker(gif.subarray(0, gif.length - 1), 'gif')).toBe(false);
    expect(hasEndMarker(jpeg, 'webp')).toBeUndefined();
  });
});

describe('describeLeadingBytes', () => {
  it('shows text as text and binary as hex', () => {
    expect(describeLeadingBytes(Buffer.from('hello world'))).toBe('starts with text "hello wo"');
    expect(describeLeadingBytes(Uint8Array.from([0, 1, 0xab]))).toBe('starts with bytes 00 01 ab');
  });
});
