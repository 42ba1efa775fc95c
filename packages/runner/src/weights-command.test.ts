import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256Of } from '@neuro-ssl/core/models';
import { weightsCommand } from './weights-command.js';

const SHARED = path.resolve(__dirname, '../../../../shared/weights/mobilenet_v2_0.35_224_imagenet');
let cache: string;
const saved = process.env.NEURO_SSL_WEIGHTS_DIR;

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

beforeEach(async () => {
  cache = await fs.mkdtemp(path.join(os.tmpdir(), 'wcache-'));
  process.env.NEURO_SSL_WEIGHTS_DIR = cache;
});
afterEach(async () => {
  if (saved === undefined) delete process.env.NEURO_SSL_WEIGHTS_DIR;
  else process.env.NEURO_SSL_WEIGHTS_DIR = saved;
  await fs.rm(cache, { recursive: true, force: true });
});

describe('runner weights', () => {
  it.skipIf(!existsSync(SHARED))('imports the shared MobileNetV2 folder (weights only), then lists it as present', async () => {
    const out = capture();
    expect(await weightsCommand({ action: 'import', file: SHARED }, out.stream)).toBe(0);
    const target = path.join(cache, 'mobilenet_v2_0.35_224_imagenet');
    expect((await fs.readdir(target)).sort()).toEqual(['model.json', 'weights.bin']);
    expect(await sha256Of(target)).toBe(await sha256Of(SHARED));
    const list = capture();
    await weightsCommand({ action: 'list' }, list.stream);
    expect(list.text()).toMatch(/mobilenet_v2\s+present/);
    expect(list.text()).toMatch(/resnet34\s+missing/);
  }, 60_000);

  it('refuses a file that does not fit the backbone, leaving the cache empty', async () => {
    const bogus = path.join(cache, '..', `bogus-${process.pid}.safetensors`);
    const header = Buffer.from(JSON.stringify({ 'conv1.weight': { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(header.length));
    await fs.writeFile(bogus, Buffer.concat([len, header, Buffer.alloc(4)]));
    try {
      await expect(weightsCommand({ action: 'import', file: bogus, as: 'resnet18' })).rejects.toThrow(/conv1\.weight: expected \[64, 3, 7, 7\], got \[1\]|wrong shape/);
      expect(await fs.readdir(cache)).toEqual([]);
    } finally {
      await fs.rm(bogus, { force: true });
    }
  }, 60_000);
});
