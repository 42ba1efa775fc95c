import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { f16BitsToNumber, parseSafetensors, readSafetensors, SafetensorsError } from './safetensors.js';

interface RawTensor {
  dtype: string;
  shape: number[];
  bytes: Uint8Array;
}

/** Builds a safetensors file the way the Rust/Python writers do (header padded with spaces to 8 bytes). */
function buildSafetensors(tensors: Record<string, RawTensor>, metadata?: Record<string, string>, headerOverride?: (h: Record<string, unknown>) => void): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.byteLength] };
    offset += t.bytes.byteLength;
    chunks.push(t.bytes);
  }
  headerOverride?.(header);
  let json = JSON.stringify(header);
  while ((8 + json.length) % 8) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.byteLength;
  for (const c of chunks) {
    out.set(c, p);
    p += c.byteLength;
  }
  return out;
}

const f32 = (values: number[]): Uint8Array => {
  const b = new Uint8Array(values.length * 4);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat32(i * 4, x, true));
  return b;
};
const f64 = (values: number[]): Uint8Array => {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setFloat64(i * 8, x, true));
  return b;
};
const u16 = (bits: number[]): Uint8Array => {
  const b = new Uint8Array(bits.length * 2);
  const v = new DataView(b.buffer);
  bits.forEach((x, i) => v.setUint16(i * 2, x, true));
  return b;
};
const i64 = (values: bigint[]): Uint8Array => {
  const b = new Uint8Array(values.length * 8);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => v.setBigInt64(i * 8, x, true));
  return b;
};

describe('parseSafetensors', () => {
  it('reads F32 tensors with their shapes, in header order, and the metadata', () => {
    const bytes = buildSafetensors(
      {
        'conv1.weight': { dtype: 'F32', shape: [2, 1, 1, 2], bytes: f32([1, -2, 3.5, 1e-30]) },
        'bn1.bias': { dtype: 'F32', shape: [2], bytes: f32([0.25, -0.75]) },
        scalar: { dtype: 'F32', shape: [], bytes: f32([42]) },
        empty: { dtype: 'F32', shape: [0, 3], bytes: new Uint8Array(0) },
      },
      { format: 'pt', note: 'test' },
    );
    const { tensors, metadata, skipped } = parseSafetensors(bytes, 'mem.safetensors');
    expect([...tensors.keys()]).toEqual(['conv1.weight', 'bn1.bias', 'scalar', 'empty']);
    expect(tensors.get('conv1.weight')!.shape).toEqual([2, 1, 1, 2]);
    expect([...tensors.get('conv1.weight')!.data]).toEqual([1, -2, 3.5, Math.fround(1e-30)]);
    expect([...tensors.get('bn1.bias')!.data]).toEqual([0.25, -0.75]);
    expect(tensors.get('scalar')!.shape).toEqual([]);
    expect([...tensors.get('scalar')!.data]).toEqual([42]);
    expect(tensors.get('empty')!.data.length).toBe(0);
    expect(metadata).toEqual({ format: 'pt', note: 'test' });
    expect(skipped).toEqual([]);
  });

  it('copies F32 data out to an aligned Float32Array even at an odd offset in the file', () => {
    const bytes = buildSafetensors({
      flag: { dtype: 'U8', shape: [3], bytes: new Uint8Array([1, 2, 3]) },
      w: { dtype: 'F32', shape: [3], bytes: f32([0.5, -1.5, 2 ** -140]) },
    });
    // Parse from a view at an odd byte offset of a larger buffer too.
    const shifted = new Uint8Array(bytes.byteLength + 1);
    shifted.set(bytes, 1);
    for (const input of [bytes, shifted.subarray(1)]) {
      const { tensors, skipped } = parseSafetensors(input, 'mem');
      const w = tensors.get('w')!;
      expect(w.data).toBeInstanceOf(Float32Array);
      expect(w.data.byteOffset % 4).toBe(0);
      expect([...w.data]).toEqual([0.5, -1.5, 2 ** -140]);
      expect(skipped).toEqual(['flag']);
    }
    // The copy does not alias the file's bytes.
    const { tensors } = parseSafetensors(bytes, 'mem');
    bytes.fill(0);
    expect(tensors.get('w')!.data[0]).toBe(0.5);
  });

  it('converts F16 exactly: 1.0, -2.5, 65504, subnormals, ±0, ±inf, NaN', () => {
    const bits = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x0400, 0x8000, 0x0000, 0x7c00, 0xfc00, 0x7e00, 0x3555];
    const { tensors } = parseSafetensors(buildSafetensors({ h: { dtype: 'F16', shape: [bits.length], bytes: u16(bits) } }), 'mem');
    const d = [...tensors.get('h')!.data];
    expect(d.slice(0, 3)).toEqual([1, -2.5, 65504]);
    expect(d[3]).toBe(2 ** -24); // smallest subnormal
    expect(d[4]).toBe(1023 * 2 ** -24); // largest subnormal
    expect(d[5]).toBe(2 ** -14); // smallest normal
    expect(Object.is(d[6], -0)).toBe(true);
    expect(Object.is(d[7], 0)).toBe(true);
    expect(d[8]).toBe(Infinity);
    expect(d[9]).toBe(-Infinity);
    expect(d[10]).toBeNaN();
    expect(d[11]).toBe(Math.fround(0.333251953125)); // 0x3555, the f16 nearest 1/3
    expect(f16BitsToNumber(0x3555)).toBe(0.333251953125);
  });

  it('converts BF16 exactly: 1.0, -2.5, largest finite, subnormals, ±inf, NaN', () => {
    const bits = [0x3f80, 0xc020, 0x7f7f, 0x0001, 0x007f, 0x8000, 0x7f80, 0xff80, 0x7fc0, 0x3eab];
    const { tensors } = parseSafetensors(buildSafetensors({ b: { dtype: 'BF16', shape: [2, 5], bytes: u16(bits) } }), 'mem');
    const t = tensors.get('b')!;
    expect(t.shape).toEqual([2, 5]);
    const d = [...t.data];
    expect(d.slice(0, 2)).toEqual([1, -2.5]);
    expect(d[2]).toBe(3.3895313892515355e38);
    expect(d[3]).toBe(2 ** -133); // smallest subnormal (f32 bits 0x00010000)
    expect(d[4]).toBe(127 * 2 ** -133);
    expect(Object.is(d[5], -0)).toBe(true);
    expect(d[6]).toBe(Infinity);
    expect(d[7]).toBe(-Infinity);
    expect(d[8]).toBeNaN();
    expect(d[9]).toBe(0.333984375); // 0x3eab
  });

  it('converts F64 to the nearest Float32', () => {
    const { tensors } = parseSafetensors(buildSafetensors({ d: { dtype: 'F64', shape: [3], bytes: f64([0.1, -1e300, 1 / 3]) } }), 'mem');
    expect([...tensors.get('d')!.data]).toEqual([Math.fround(0.1), -Infinity, Math.fround(1 / 3)]);
  });

  it('skips integer and bool tensors such as num_batches_tracked, listing them', () => {
    const bytes = buildSafetensors({
      'bn1.weight': { dtype: 'F32', shape: [1], bytes: f32([1]) },
      'bn1.num_batches_tracked': { dtype: 'I64', shape: [], bytes: i64([12345n]) },
      idx: { dtype: 'I32', shape: [2], bytes: new Uint8Array(8) },
      mask: { dtype: 'BOOL', shape: [4], bytes: new Uint8Array(4) },
      small: { dtype: 'I8', shape: [1], bytes: new Uint8Array(1) },
    });
    const { tensors, skipped } = parseSafetensors(bytes, 'mem');
    expect([...tensors.keys()]).toEqual(['bn1.weight']);
    expect(skipped).toEqual(['bn1.num_batches_tracked', 'idx', 'mask', 'small']);
  });

  it('rejects a file too short for the header length', () => {
    expect(() => parseSafetensors(new Uint8Array(5), 'tiny.safetensors')).toThrow(/tiny\.safetensors.*too short/);
  });

  it('rejects a header length larger than the file or absurdly large', () => {
    const good = buildSafetensors({ w: { dtype: 'F32', shape: [1], bytes: f32([1]) } });
    const bad = good.slice();
    new DataView(bad.buffer).setBigUint64(0, BigInt(good.byteLength), true);
    expect(() => parseSafetensors(bad, 'a.safetensors')).toThrow(SafetensorsError);
    expect(() => parseSafetensors(bad, 'a.safetensors')).toThrow(/a\.safetensors.*header length \d+ exceeds the \d+ bytes after it/);
    new DataView(bad.buffer).setBigUint64(0, 0xffff_ffff_ffff_ffffn, true);
    expect(() => parseSafetensors(bad, 'b.safetensors')).toThrow(/b\.safetensors.*exceeds the 100000000-byte limit/);
    new DataView(bad.buffer).setBigUint64(0, 0n, true);
    expect(() => parseSafetensors(bad, 'c.safetensors')).toThrow(/c\.safetensors.*too small/);
  });

  it('rejects a header that is not a JSON object', () => {
    const text = new TextEncoder().encode('[1, 2]  ');
    const bytes = new Uint8Array(8 + text.byteLength);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(text.byteLength), true);
    bytes.set(text, 8);
    expect(() => parseSafetensors(bytes, 'arr.safetensors')).toThrow(/arr\.safetensors.*not a JSON object/);
    bytes.set(new TextEncoder().encode('{"a": '), 8);
    expect(() => parseSafetensors(bytes, 'junk.safetensors')).toThrow(/junk\.safetensors.*not valid UTF-8 JSON/);
  });

  it('rejects a truncated file, naming the tensor that runs past the end', () => {
    const bytes = buildSafetensors({
      a: { dtype: 'F32', shape: [4], bytes: f32([1, 2, 3, 4]) },
      'layer1.0.conv1.weight': { dtype: 'F32', shape: [4], bytes: f32([1, 2, 3, 4]) },
    });
    const truncated = bytes.subarray(0, bytes.byteLength - 3);
    expect(() => parseSafetensors(truncated, 'cut.safetensors')).toThrow(/cut\.safetensors.*tensor "layer1\.0\.conv1\.weight".*run past the 29-byte data buffer/);
  });

  it('rejects offsets that do not match dtype × shape', () => {
    const bytes = buildSafetensors({ 'fc.weight': { dtype: 'F32', shape: [2, 3], bytes: f32([1, 2, 3, 4, 5]) } });
    expect(() => parseSafetensors(bytes, 'm.safetensors')).toThrow(/m\.safetensors.*tensor "fc\.weight": 20 bytes .* dtype F32 with shape \[2, 3\] needs 24/);
    const half = buildSafetensors({ h: { dtype: 'F16', shape: [3], bytes: u16([1, 2]) } });
    expect(() => parseSafetensors(half, 'h.safetensors')).toThrow(/tensor "h": 4 bytes .* needs 6/);
  });

  it('rejects malformed entries: bad shape, bad offsets, reversed offsets, non-string metadata', () => {
    const base = { w: { dtype: 'F32', shape: [2], bytes: f32([1, 2]) } };
    const with_ = (edit: (h: Record<string, unknown>) => void): Uint8Array => buildSafetensors(base, undefined, edit);
    expect(() => parseSafetensors(with_((h) => ((h.w as Record<string, unknown>).shape = [2.5])), 'x')).toThrow(/tensor "w": shape \[2\.5\]/);
    expect(() => parseSafetensors(with_((h) => ((h.w as Record<string, unknown>).shape = 'two')), 'x')).toThrow(/tensor "w": shape "two"/);
    expect(() => parseSafetensors(with_((h) => ((h.w as Record<string, unknown>).data_offsets = [0])), 'x')).toThrow(/tensor "w": data_offsets \[0\]/);
    expect(() => parseSafetensors(with_((h) => ((h.w as Record<string, unknown>).data_offsets = [8, 0])), 'x')).toThrow(/end before they begin/);
    expect(() => parseSafetensors(with_((h) => (h.__metadata__ = { a: 1 })), 'x')).toThrow(/"__metadata__" value "a" is not a string/);
    expect(() => parseSafetensors(with_((h) => (h.w = 3)), 'x')).toThrow(/tensor "w": entry is not an object/);
  });

  it('rejects an unknown dtype, naming the tensor, the dtype and the file', () => {
    const bytes = buildSafetensors({ 'blocks.0.weight': { dtype: 'F8_E4M3', shape: [2], bytes: new Uint8Array(2) } });
    expect(() => parseSafetensors(bytes, 'q.safetensors')).toThrow(/q\.safetensors.*tensor "blocks\.0\.weight": unsupported dtype "F8_E4M3" \(supported: F64, F32, F16, BF16, I64/);
  });
});

describe('readSafetensors', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'safetensors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file from disk', async () => {
    const file = path.join(dir, 'ok.safetensors');
    await writeFile(
      file,
      buildSafetensors({
        w: { dtype: 'F32', shape: [2, 2], bytes: f32([1, 2, 3, 4]) },
        n: { dtype: 'I64', shape: [], bytes: i64([7n]) },
      }),
    );
    const { tensors, skipped, metadata } = await readSafetensors(file);
    expect([...tensors.get('w')!.data]).toEqual([1, 2, 3, 4]);
    expect(skipped).toEqual(['n']);
    expect(metadata).toEqual({});
  });

  it('names the file when it is corrupt or missing', async () => {
    const file = path.join(dir, 'bad.safetensors');
    await writeFile(file, buildSafetensors({ w: { dtype: 'F32', shape: [3], bytes: f32([1, 2, 3]) } }).subarray(0, 30));
    await expect(readSafetensors(file)).rejects.toThrow(file);
    const missing = path.join(dir, 'nope.safetensors');
    await expect(readSafetensors(missing)).rejects.toThrow(`cannot read safetensors file ${missing}`);
  });
});
