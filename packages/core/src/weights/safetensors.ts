// Reads .safetensors files (Hugging Face's format, what timm and torch.save alternatives publish):
//   u64 little-endian N | N bytes of JSON header | byte buffer
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets relative to
// the start of the byte buffer) and may hold "__metadata__": {string: string}. Float tensors (F32,
// F16, BF16, F64) become Float32 NamedTensors; integer and bool tensors (e.g. BatchNorm's
// `num_batches_tracked`) are not weights and are only listed in `skipped`. Everything is validated
// against the file's size before a byte is read, so a truncated or corrupt file fails with a message
// naming the file and the tensor instead of producing garbage weights.

import { readFile } from 'node:fs/promises';
import type { NamedTensor, StateDict } from './state-dict.js';

export interface SafetensorsContents {
  /** Float tensors, converted to Float32, in header order. */
  tensors: StateDict;
  /** The header's "__metadata__" (empty when absent). */
  metadata: Record<string, string>;
  /** Names of tensors that are not float weights (integer / bool dtypes), in header order. */
  skipped: string[];
}

/** A file that is not valid safetensors; the message names the file (and the tensor, where one is at fault). */
export class SafetensorsError extends Error {
  constructor(
    readonly origin: string,
    detail: string,
  ) {
    super(`${origin}: not a valid safetensors file: ${detail}`);
    this.name = 'SafetensorsError';
  }
}

/** safetensors' own limit on the header (100 MB); anything larger is a corrupt or foreign file. */
export const MAX_SAFETENSORS_HEADER_BYTES = 100_000_000;

type FloatDtype = 'F64' | 'F32' | 'F16' | 'BF16';

const FLOAT_DTYPES: Record<FloatDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2 };

/** Dtypes that are not weights: read past, listed in `skipped`. */
const NON_FLOAT_DTYPES: Record<string, number> = {
  I64: 8,
  U64: 8,
  I32: 4,
  U32: 4,
  I16: 2,
  U16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

let f16Table: Float32Array | undefined;

/** IEEE 754 binary16 bits → number (exact; subnormals, ±inf and NaN included). */
export function f16BitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

function f16ToF32Table(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = f16BitsToNumber(h);
  }
  return f16Table;
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const isNonNegativeInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function convert(dtype: FloatDtype, bytes: Uint8Array, count: number): Float32Array {
  switch (dtype) {
    case 'F32': {
      // slice() copies into a fresh, aligned ArrayBuffer.
      if (LITTLE_ENDIAN_HOST) return new Float32Array(bytes.slice().buffer, 0, count);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    }
    case 'F64': {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'F16': {
      const table = f16ToF32Table();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[bytes[2 * i]! | (bytes[2 * i + 1]! << 8)]!;
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the 16 bits into place.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >>> 0;
      return out;
    }
  }
}

/** Parses a whole safetensors file held in memory. `origin` (usually the path) is used in error messages. */
export function parseSafetensors(bytes: Uint8Array, origin: string): SafetensorsContents {
  const fail = (detail: string): never => {
    throw new SafetensorsError(origin, detail);
  };
  if (bytes.byteLength < 8) fail(`${bytes.byteLength} bytes is too short for the 8-byte header length`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_SAFETENSORS_HEADER_BYTES)) {
    fail(`header length ${headerLength} exceeds the ${MAX_SAFETENSORS_HEADER_BYTES}-byte limit (corrupt or not safetensors)`);
  }
  const n = Number(headerLength);
  if (n > bytes.byteLength - 8) fail(`header length ${n} exceeds the ${bytes.byteLength - 8} bytes after it (truncated file?)`);
  if (n < 2) fail(`header length ${n} is too small for a JSON object`);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (err) {
    fail(`header is not valid UTF-8 JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');

  const dataStart = 8 + n;
  const dataLength = bytes.byteLength - dataStart;
  const tensors: StateDict = new Map<string, NamedTensor>();
  const metadata: Record<string, string> = {};
  const skipped: string[] = [];

  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) fail('"__metadata__" is not an object');
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__" value "${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor "${name}"`;
    if (typeof entry !== 'object' || entry === null) fail(`${where}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') fail(`${where}: missing dtype`);
    if (!Array.isArray(shape) || !shape.every(isNonNegativeInt)) fail(`${where}: shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInt)) {
      fail(`${where}: data_offsets ${JSON.stringify(offsets)} is not [begin, end]`);
    }
    const dims = shape as number[];
    const [begin, end] = offsets as [number, number];
    const isFloat = Object.hasOwn(FLOAT_DTYPES, dtype as string);
    const itemSize = isFloat ? FLOAT_DTYPES[dtype as FloatDtype] : NON_FLOAT_DTYPES[dtype as string];
    if (itemSize === undefined) {
      const known = [...Object.keys(FLOAT_DTYPES), ...Object.keys(NON_FLOAT_DTYPES)].join(', ');
      fail(`${where}: unsupported dtype "${String(dtype)}" (supported: ${known})`);
    }
    if (begin > end) fail(`${where}: data_offsets [${begin}, ${end}] end before they begin`);
    if (end > dataLength) fail(`${where}: data_offsets [${begin}, ${end}] run past the ${dataLength}-byte data buffer (truncated file?)`);
    const count = product(dims);
    const expectedBytes = count * itemSize!;
    if (end - begin !== expectedBytes) {
      fail(`${where}: ${end - begin} bytes at data_offsets [${begin}, ${end}] but dtype ${dtype} with shape [${dims.join(', ')}] needs ${expectedBytes}`);
    }
    if (!isFloat) {
      skipped.push(name);
      continue;
    }
    const raw = bytes.subarray(dataStart + begin, dataStart + end);
    tensors.set(name, { shape: [...dims], data: convert(dtype as FloatDtype, raw, count) });
  }
  return { tensors, metadata, skipped };
}

/** Reads and parses a .safetensors file; errors name the file. */
export async function readSafetensors(file: string): Promise<SafetensorsContents> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new Error(`cannot read safetensors file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return parseSafetensors(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
}
