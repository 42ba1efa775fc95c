import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Zip, ZipDeflate, ZipPassThrough, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listZipEntries, readZipEntry, ZipFormatError } from './zip-reader.js';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zip-reader-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function readAll(bytes: Uint8Array, name: string): Promise<Record<string, string>> {
  const file = path.join(dir, name);
  await fs.writeFile(file, bytes);
  const handle = await fs.open(file, 'r');
  try {
    const out: Record<string, string> = {};
    for (const entry of await listZipEntries(handle)) out[entry.name] = entry.name.endsWith('/') ? '' : new TextDecoder().decode(await readZipEntry(handle, entry));
    return out;
  } finally {
    await handle.close();
  }
}

/** A zip written as a stream: every entry with a data descriptor (sizes after the data). */
function streamedZip(files: Record<string, string>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Uint8Array[] = [];
    const zip = new Zip((err, chunk, final) => {
      if (err) return reject(err);
      chunks.push(chunk);
      if (final) resolve(Buffer.concat(chunks));
    });
    Object.entries(files).forEach(([name, content], i) => {
      const entry = i % 2 ? new ZipPassThrough(name) : new ZipDeflate(name, { level: 9 });
      zip.add(entry);
      entry.push(text(content), true);
    });
    zip.end();
  });
}

describe('zip reader', () => {
  it('reads stored and deflated entries through the central directory', async () => {
    const zip = zipSync({ 'w/yes/a.txt': [text('tumour '.repeat(200)), { level: 9 }], 'w/no/b.txt': [text('normal'), { level: 0 }] });
    expect(await readAll(zip, 'plain.zip')).toEqual({ 'w/yes/a.txt': 'tumour '.repeat(200), 'w/no/b.txt': 'normal' });
  });

  it('reads entries written with data descriptors (streamed zips)', async () => {
    const files = { 'a/yes/y1.jpg': 'x'.repeat(5000), 'a/no/no1.jpg': 'PK\u0007\u0008 looks like a descriptor', 'a/pred/p.jpg': 'z' };
    expect(await readAll(await streamedZip(files), 'streamed.zip')).toEqual(files);
  });

  it('a truncated download is named as such', async () => {
    const zip = zipSync({ 'a.txt': text('a'.repeat(1000)) });
    await expect(readAll(zip.subarray(0, zip.length - 30), 'cut.zip')).rejects.toThrow(/starts like a zip but has no central directory: it is truncated/);
  });

  it('a damaged entry fails its CRC instead of yielding wrong bytes', async () => {
    const zip = zipSync({ 'a.txt': [text('abcdefgh'.repeat(10)), { level: 0 }] });
    const damaged = Buffer.from(zip);
    const at = 30 + 'a.txt'.length + 3; // inside the stored data
    damaged.writeUInt8(damaged.readUInt8(at) ^ 0xff, at);
    await expect(readAll(damaged, 'damaged.zip')).rejects.toThrow(new ZipFormatError('a.txt: CRC-32 or size mismatch (damaged archive)'));
  });

  it('tells an HTML page, a Git LFS pointer and gzip from a zip', async () => {
    await expect(readAll(text('<!DOCTYPE html><p>log in</p>'), 'page.zip')).rejects.toThrow(/an HTML page/);
    await expect(readAll(text('version https://git-lfs.github.com/spec/v1\noid sha256:00\nsize 1\n'), 'lfs.zip')).rejects.toThrow(/Git LFS pointer/);
    await expect(readAll(Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0]), 'x.tar.gz')).rejects.toThrow(/gzip/);
  });
});
