import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { LABEL_FREE_NAME, labelFreeName } from './label-free-names.js';

describe('labelFreeName', () => {
  it('is the first 16 hex digits of the MD5, with the extension of the content', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#808080' } }).png().toBuffer();
    const jpeg = await sharp(png).jpeg().toBuffer();
    const md5 = (b: Buffer): string => createHash('md5').update(b).digest('hex').slice(0, 16);
    expect(labelFreeName(png)).toBe(`${md5(png)}.png`);
    expect(labelFreeName(jpeg)).toBe(`${md5(jpeg)}.jpg`);
    expect(labelFreeName(jpeg)).toMatch(LABEL_FREE_NAME);
  });

  it('null for bytes that are no image', () => {
    expect(labelFreeName(new TextEncoder().encode('hello'))).toBeNull();
    expect(labelFreeName(new Uint8Array(0))).toBeNull();
  });
});
