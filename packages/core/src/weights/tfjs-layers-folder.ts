// Reads a TF.js layers-model folder (model.json + binary weight shards) into named float tensors,
// without TensorFlow.js: `tf.loadLayersModel('file://…')` needs tfjs-node, which may be absent, and
// we only want the tensors (keyed by their manifest names, e.g. "Conv1/kernel", "bn_Conv1/gamma"),
// to copy them into a model we built ourselves with assignNamedWeights.

import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { NamedTensor } from './state-dict.js';

export interface TfjsLayersFolder {
  /** Manifest weight name ("layer/role") → float32 tensor, in manifest order. */
  tensors: Map<string, NamedTensor>;
  /** model.json's `modelTopology`, untouched (the Keras model config). */
  modelTopology: unknown;
  /** Absolute path of the folder, for messages. */
  origin: string;
}

/** Why a TF.js layers-model folder could not be read; the message names the file and the problem. */
export class TfjsLayersFolderError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'TfjsLayersFolderError';
  }
}

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint16: 2, uint8: 1, float16: 2, bool: 1 };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describeType(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v;
}

/** Checks one weightsManifest entry's shape; throws naming model.json and the entry. */
function parseManifest(file: string, raw: unknown): ManifestGroup[] {
  const bad = (what: string): never => {
    throw new TfjsLayersFolderError(file, `${file}: malformed weightsManifest: ${what}`);
  };
  if (!Array.isArray(raw)) bad(`expected an array of {paths, weights} groups, got ${describeType(raw)}`);
  return (raw as unknown[]).map((g, gi) => {
    if (!isObject(g)) return bad(`group ${gi} is ${describeType(g)}, not an object`);
    const paths = g['paths'];
    const weights = g['weights'];
    if (!Array.isArray(paths) || !paths.every((p) => typeof p === 'string' && p.length > 0)) bad(`group ${gi}: "paths" must be a list of shard file names`);
    if (!Array.isArray(weights)) return bad(`group ${gi}: "weights" must be a list`);
    const parsed = weights.map((w: unknown, wi): ManifestWeight => {
      if (!isObject(w)) return bad(`group ${gi} weight ${wi} is ${describeType(w)}, not an object`);
      const name = w['name'];
      const shape = w['shape'];
      const dtype = w['dtype'];
      if (typeof name !== 'string' || !name) return bad(`group ${gi} weight ${wi} has no name`);
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) return bad(`weight ${name}: shape must be a list of non-negative integers`);
      if (typeof dtype !== 'string') return bad(`weight ${name}: no dtype`);
      const q = w['quantization'];
      if (q !== undefined && q !== null) {
        if (!isObject(q) || typeof q['dtype'] !== 'string') return bad(`weight ${name}: "quantization" must be an object with a dtype`);
        const out: ManifestWeight = { name, shape: shape as number[], dtype, quantization: { dtype: q['dtype'] } };
        if (typeof q['scale'] === 'number') out.quantization!.scale = q['scale'];
        if (typeof q['min'] === 'number') out.quantization!.min = q['min'];
        return out;
      }
      return { name, shape: shape as number[], dtype };
    });
    return { paths: paths as string[], weights: parsed };
  });
}

/** IEEE 754 half → float. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** The dtype a weight is stored as in the shards (its quantisation dtype, if any); throws for what cannot be read. */
function storedDtype(file: string, w: ManifestWeight): string {
  const stored = w.quantization?.dtype ?? w.dtype;
  if (w.quantization) {
    if (w.dtype !== 'float32') {
      throw new TfjsLayersFolderError(file, `${file}: weight ${w.name} is a quantised ${w.dtype}; only quantised float32 weights can be read`);
    }
    if (!['uint8', 'uint16', 'float16'].includes(stored)) {
      throw new TfjsLayersFolderError(file, `${file}: weight ${w.name} has unsupported quantization dtype "${stored}" (expected uint8, uint16 or float16)`);
    }
    if (stored !== 'float16' && (typeof w.quantization.scale !== 'number' || typeof w.quantization.min !== 'number')) {
      throw new TfjsLayersFolderError(
        file,
        `${file}: weight ${w.name} is ${stored}-quantised without a numeric scale and min, so it cannot be dequantised (value = q × scale + min)`,
      );
    }
  } else if (w.dtype !== 'float32') {
    throw new TfjsLayersFolderError(file, `${file}: weight ${w.name} has dtype ${w.dtype}; only float32 weights (optionally uint8/uint16/float16-quantised) are supported`);
  }
  return stored;
}

function decode(bytes: Uint8Array, w: ManifestWeight, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const q = w.quantization;
  if (!q) {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  } else if (q.dtype === 'float16') {
    for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
  } else {
    const scale = q.scale as number;
    const min = q.min as number;
    if (q.dtype === 'uint8') for (let i = 0; i < count; i++) out[i] = (bytes[i] as number) * scale + min;
    else for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, true) * scale + min;
  }
  return out;
}

async function readModelJson(dir: string): Promise<{ file: string; json: Record<string, unknown> }> {
  const file = path.join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    let why = `cannot read it (${code ?? String(err)})`;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const dirExists = await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      why = dirExists ? 'the folder has no model.json' : 'the folder does not exist';
    }
    throw new TfjsLayersFolderError(
      file,
      `cannot read ${file}: ${why}. A TF.js layers-model folder is expected (model.json with modelTopology and weightsManifest, plus its .bin weight shards).`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new TfjsLayersFolderError(file, `${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw new TfjsLayersFolderError(file, `${file}: expected a JSON object, got ${describeType(json)}`);
  if (json['format'] === 'graph-model') {
    throw new TfjsLayersFolderError(file, `${file} is a TF.js graph model; a layers model (format "layers-model", Keras modelTopology) is expected`);
  }
  if (!('weightsManifest' in json)) throw new TfjsLayersFolderError(file, `${file} has no weightsManifest, so it lists no weights`);
  return { file, json };
}

/**
 * Reads `dir`/model.json and its weight shards (each manifest group's shards concatenated in order)
 * into float32 tensors keyed by manifest name. `dir` may also be the path of the model.json itself.
 * Quantised weights (uint8/uint16 with scale and min, or float16) are dequantised to float32.
 * Throws TfjsLayersFolderError naming the file and the problem (no model.json, missing shard, shard
 * bytes ≠ what the manifest describes, unsupported dtype, duplicate weight name).
 */
export async function readTfjsLayersFolder(dir: string): Promise<TfjsLayersFolder> {
  let folder = path.resolve(dir);
  if (path.basename(folder) === 'model.json') {
    const isFile = await stat(folder).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile) folder = path.dirname(folder);
  }
  const { file, json } = await readModelJson(folder);
  const groups = parseManifest(file, json['weightsManifest']);
  const tensors = new Map<string, NamedTensor>();

  for (const [gi, group] of groups.entries()) {
    const shardFiles = group.paths.map((p) => path.resolve(folder, p));
    const shards: Buffer[] = [];
    for (const [si, shardFile] of shardFiles.entries()) {
      try {
        shards.push(await readFile(shardFile));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new TfjsLayersFolderError(
          shardFile,
          `weight shard ${shardFile} (group ${gi}, shard ${si + 1} of ${shardFiles.length} listed in ${file}) ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? String(err)})`}`,
        );
      }
    }
    const data = Buffer.concat(shards);
    const sizes = group.weights.map((w) => {
      const stored = storedDtype(file, w);
      const count = w.shape.reduce((a, b) => a * b, 1);
      return { count, bytes: count * (BYTES[stored] as number) };
    });
    const expected = sizes.reduce((a, s) => a + s.bytes, 0);
    if (data.length !== expected) {
      const list = shardFiles.map((f, i) => `${path.basename(f)} (${shards[i]!.length} bytes)`).join(', ');
      throw new TfjsLayersFolderError(
        shardFiles[0] ?? file,
        `weight shards of ${file} group ${gi}: ${list} hold ${data.length} bytes in all, but its manifest describes ` +
          `${group.weights.length} weights of ${expected} bytes (truncated, padded or mismatched shard files)`,
      );
    }
    let offset = 0;
    group.weights.forEach((w, i) => {
      const { count, bytes } = sizes[i]!;
      if (tensors.has(w.name)) throw new TfjsLayersFolderError(file, `${file}: weight ${w.name} is listed twice in the manifest`);
      tensors.set(w.name, { shape: [...w.shape], data: decode(data.subarray(offset, offset + bytes), w, count) });
      offset += bytes;
    });
  }
  return { tensors, modelTopology: json['modelTopology'], origin: folder };
}

