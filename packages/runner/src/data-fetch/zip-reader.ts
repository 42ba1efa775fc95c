// Reads a zip archive from a file by its central directory: only the entries asked for are read, one at
// a time, so a few-hundred-MB archive never sits in memory. Why not fflate's streaming Unzip: it finds
// the end of an entry written with a data descriptor by scanning for a 4-byte signature, which a large
// archive's compressed bytes contain by chance (about once per 1.4 GB); the central directory gives
// every size exactly, lets unwanted entries (Br35H's Mask-RCNN copies) be skipped unread, and tells a
// truncated download apart at once. fflate inflates each entry; its CRC-32 is checked.

import type { FileHandle } from 'node:fs/promises';
import { inflateSync } from 'fflate';
import { crc32 } from './crc32.js';

export interface ZipEntry {
  /** Path inside the archive, forward slashes; folders end with "/". */
  name: string;
  /** 0 stored, 8 deflate; others are refused when read. */
  compression: number;
  compressedSize: number;
  size: number;
  crc32: number;
  encrypted: boolean;
  localHeaderOffset: number;
}

export class ZipFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ZipFormatError';
  }
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buffer : buffer.subarray(0, done);
}

/** The entries listed in the central directory, in archive order. */
export async function listZipEntries(handle: FileHandle): Promise<ZipEntry[]> {
  const { size } = await handle.stat();
  const tailLength = Math.min(size, 22 + MAX_COMMENT);
  const tail = await readAt(handle, size - tailLength, tailLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipFormatError(describeNonZip(await readAt(handle, 0, Math.min(size, 64)), size));

  let count = tail.readUInt16LE(eocd + 10);
  let cdSize = tail.readUInt32LE(eocd + 12);
  let cdOffset = tail.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    // ZIP64: the real numbers are in the zip64 end record, found through the locator just before.
    const locatorAt = size - tailLength + eocd - 20;
    const locator = locatorAt >= 0 ? await readAt(handle, locatorAt, 20) : Buffer.alloc(0);
    if (locator.length < 20 || locator.readUInt32LE(0) !== ZIP64_LOCATOR) throw new ZipFormatError('a ZIP64 archive without its ZIP64 end record');
    const record = await readAt(handle, Number(locator.readBigUInt64LE(8)), 56);
    if (record.length < 56 || record.readUInt32LE(0) !== ZIP64_EOCD) throw new ZipFormatError('a damaged ZIP64 end record');
    count = Number(record.readBigUInt64LE(32));
    cdSize = Number(record.readBigUInt64LE(40));
    cdOffset = Number(record.readBigUInt64LE(48));
  }
  if (cdOffset + cdSize > size) throw new ZipFormatError(`the central directory lies beyond the end of the file (${size} bytes): the file is truncated`);

  const cd = await readAt(handle, cdOffset, cdSize);
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL) throw new ZipFormatError(`central directory entry ${i + 1} of ${count} is damaged`);
    const flags = cd.readUInt16LE(p + 8);
    const nameLength = cd.readUInt16LE(p + 28);
    const extraLength = cd.readUInt16LE(p + 30);
    const commentLength = cd.readUInt16LE(p + 32);
    // Bit 11: UTF-8 names; older tools wrote CP437, which matches ASCII names such as Br35H's.
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLength).replace(/\\/g, '/');
    let size32 = cd.readUInt32LE(p + 24);
    let compressed32 = cd.readUInt32LE(p + 20);
    let offset32 = cd.readUInt32LE(p + 42);
    const sizes = readZip64Extra(cd.subarray(p + 46 + nameLength, p + 46 + nameLength + extraLength), {
      size: size32 === 0xffffffff,
      compressed: compressed32 === 0xffffffff,
      offset: offset32 === 0xffffffff,
    });
    size32 = sizes.size ?? size32;
    compressed32 = sizes.compressed ?? compressed32;
    offset32 = sizes.offset ?? offset32;
    entries.push({
      name,
      compression: cd.readUInt16LE(p + 10),
      compressedSize: compressed32,
      size: size32,
      crc32: cd.readUInt32LE(p + 16),
      encrypted: (flags & 1) === 1,
      localHeaderOffset: offset32,
    });
    p += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/** The ZIP64 extra field (id 1) lists, in this order, only the values whose 32-bit field is saturated. */
function readZip64Extra(extra: Buffer, wanted: { size: boolean; compressed: boolean; offset: boolean }): { size?: number; compressed?: number; offset?: number } {
  const out: { size?: number; compressed?: number; offset?: number } = {};
  for (let p = 0; p + 4 <= extra.length; ) {
    const id = extra.readUInt16LE(p);
    const length = extra.readUInt16LE(p + 2);
    if (id === 1) {
      let q = p + 4;
      const next = (): number | undefined => {
        if (q + 8 > p + 4 + length) return undefined;
        const v = Number(extra.readBigUInt64LE(q));
        q += 8;
        return v;
      };
      if (wanted.size) out.size = next();
      if (wanted.compressed) out.compressed = next();
      if (wanted.offset) out.offset = next();
      return out;
    }
    p += 4 + length;
  }
  return out;
}

/** The entry's bytes, inflated and checked against its CRC-32 and size. */
export async function readZipEntry(handle: FileHandle, entry: ZipEntry): Promise<Uint8Array> {
  if (entry.encrypted) throw new ZipFormatError(`${entry.name} is encrypted`);
  const header = await readAt(handle, entry.localHeaderOffset, 30);
  if (header.length < 30 || header.readUInt32LE(0) !== LOCAL) throw new ZipFormatError(`${entry.name}: no local header at offset ${entry.localHeaderOffset}`);
  const start = entry.localHeaderOffset + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  const raw = await readAt(handle, start, entry.compressedSize);
  if (raw.length < entry.compressedSize) throw new ZipFormatError(`${entry.name}: the archive ends inside its data (truncated file)`);
  let data: Uint8Array;
  if (entry.compression === 0) data = raw;
  else if (entry.compression === 8) {
    try {
      // The output buffer is sized from the directory: a lying entry cannot grow memory.
      data = inflateSync(raw, { out: new Uint8Array(entry.size) });
    } catch (err) {
      throw new ZipFormatError(`${entry.name}: cannot inflate (${(err as Error).message})`);
    }
  } else throw new ZipFormatError(`${entry.name}: compression method ${entry.compression} is not supported (only stored and deflate)`);
  if (data.length !== entry.size || crc32(data) !== entry.crc32) throw new ZipFormatError(`${entry.name}: CRC-32 or size mismatch (damaged archive)`);
  return data;
}

/** Why a file without an end-of-central-directory record is not a zip, from what it starts with. */
function describeNonZip(head: Buffer, size: number): string {
  const text = head.toString('latin1');
  if (head.length >= 4 && head.readUInt32LE(0) === LOCAL) return `the file (${size} bytes) starts like a zip but has no central directory: it is truncated`;
  if (text.startsWith('version https://git-lfs')) return 'the file is a Git LFS pointer, not the archive';
  if (/^\s*</.test(text)) return 'the file is an HTML page, not a zip archive (a login, error or "download" page?)';
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'the file is gzip (a .tar.gz?), not a zip archive';
  return `the file (${size} bytes) is not a zip archive`;
}
