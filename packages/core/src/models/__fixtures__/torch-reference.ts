// Test-only access to the PyTorch reference outputs (reference/torch/make_reference.py) for the
// backbone parity tests. Python/PyTorch is never a product dependency: when /usr/bin/python3 cannot
// `import torch, torchvision` (or the real images are absent), ensureTorchReference() answers
// { skip: reason } and the parity tests skip.
//
//   const ref = await ensureTorchReference();
//   if ('skip' in ref) console.warn(`torch parity skipped: ${ref.skip}`);
//   describe.skipIf('skip' in ref)('resnet18 vs torchvision', () => { ... path.join(ref.dir, 'resnet18.features.safetensors') ... });
//
// Outputs are generated once into <repo>/.neuro-ssl/reference/torch-v1/<key>/ (gitignored), <key>
// being a hash of the script's text and its arguments, so editing the script regenerates them. A
// lock file serialises concurrent test processes; the folder is filled under a temporary name and
// renamed into place, so a folder with that name is always complete.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NamedTensor, StateDict } from '../../weights/state-dict.js';
import { BR35H_DIR } from '../../__fixtures__/shared-paths.js';
import { ensureKeyedFolder } from '../../util/keyed-folder.js';
import { lastLines, runProcess } from '../../util/run-process.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
export const REFERENCE_SCRIPT = path.join(REPO_ROOT, 'reference/torch/make_reference.py');
export const REFERENCE_CACHE = path.join(REPO_ROOT, '.neuro-ssl/reference/torch-v1');
/** Debian's python3-torch installs for the system Python only (the pyenv `python3` on PATH has no torch). */
const PYTHON = process.env.NEURO_SSL_TORCH_PYTHON ?? '/usr/bin/python3';
const IMAGES = process.env.NEURO_SSL_REFERENCE_IMAGES ?? path.join(BR35H_DIR, 'avec_labels');
const COUNT = 4;
const SEED = 0;
const GENERATE_TIMEOUT_MS = 10 * 60_000;

export interface ReferenceBatchNorm {
  eps: number;
  momentum: number | null;
  count: number;
}

export interface ReferenceModel {
  name: 'resnet18' | 'resnet34' | 'efficientnet_b0';
  featureDim: number;
  /** File names in the reference folder. */
  stateDict: string;
  features: string;
  stages: string;
  /** NCHW shape of each stage output of image 0 ("stem", "layer1".. / "features.0"..). */
  stageShapes: Record<string, number[]>;
  tensorCount: number;
  parameterCount: number;
  /** The classifier's tensors (fc.* / classifier.1.*), kept in the state dict as in real checkpoints. */
  headKeys: string[];
  /** Distinct (eps, momentum) of the model's BatchNorm layers, read from the torch modules. */
  batchNorm: ReferenceBatchNorm[];
  featureStats: { min: number; max: number; meanAbs: number; maxAbs: number };
  seconds: number;
}

export interface TorchReferenceManifest {
  scriptSha256: string;
  python: string;
  torch: string;
  torchvision: string;
  seed: number;
  images: { path: string; label: 'Cancer' | 'Normal' }[];
  inputs: { file: string; tensor: string; shape: number[] };
  dtypes: string;
  models: ReferenceModel[];
  seconds: number;
}

export type TorchReference = { dir: string; manifest: TorchReferenceManifest } | { skip: string };

let pending: Promise<TorchReference> | undefined;

/** The reference folder (generated on first use, once per cache key), or why it cannot be had here. */
export function ensureTorchReference(): Promise<TorchReference> {
  pending ??= locate();
  return pending;
}

async function readManifest(dir: string): Promise<TorchReferenceManifest | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as TorchReferenceManifest;
  } catch {
    return undefined;
  }
}

/** In CI (NEURO_SSL_REQUIRE_TORCH=1, set by .ci/run) a missing reference fails the tests instead of skipping them. */
async function locate(): Promise<TorchReference> {
  const found = await locateOrSkip();
  if ('skip' in found && process.env.NEURO_SSL_REQUIRE_TORCH === '1') throw new Error(`NEURO_SSL_REQUIRE_TORCH=1 but the torch reference is unavailable: ${found.skip}`);
  return found;
}

async function locateOrSkip(): Promise<TorchReference> {
  if (!existsSync(REFERENCE_SCRIPT)) return { skip: `${REFERENCE_SCRIPT} not found` };
  const script = await readFile(REFERENCE_SCRIPT);
  const key = createHash('sha256').update(script).update(JSON.stringify({ images: IMAGES, count: COUNT, seed: SEED })).digest('hex').slice(0, 16);
  const dir = path.join(REFERENCE_CACHE, key);
  const cached = await readManifest(dir);
  if (cached) return { dir, manifest: cached };

  if (!existsSync(PYTHON)) return { skip: `${PYTHON} not found (apt-get install python3-torch python3-torchvision)` };
  const hasClasses = (d: string): boolean => existsSync(path.join(d, 'Cancer')) && existsSync(path.join(d, 'Normal'));
  if (!hasClasses(IMAGES) && !hasClasses(path.join(IMAGES, 'avec_labels'))) {
    return { skip: `reference images not found: ${IMAGES}/{Cancer,Normal} (set NEURO_SSL_REFERENCE_IMAGES)` };
  }
  const probe = await runProcess(PYTHON, ['-c', 'import torch, torchvision, numpy, PIL'], { timeoutMs: 120_000 });
  if (!probe.ok) return { skip: `${PYTHON} cannot import torch/torchvision (apt-get install python3-torch python3-torchvision): ${lastLines(probe.stderr).split(`\n`).pop()}` };

  const { value: manifest } = await ensureKeyedFolder({
    root: REFERENCE_CACHE,
    key,
    read: readManifest,
    timeoutMs: GENERATE_TIMEOUT_MS + 60_000,
    generate: async (tmp) => {
      const started = Date.now();
      const gen = await runProcess(PYTHON, [REFERENCE_SCRIPT, '--out', tmp, '--images', IMAGES, '--count', String(COUNT), '--seed', String(SEED)], {
        timeoutMs: GENERATE_TIMEOUT_MS,
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      });
      if (!gen.ok) throw new Error(`${REFERENCE_SCRIPT} failed after ${Date.now() - started} ms:\n${lastLines(gen.stderr)}`);
    },
  });
  return { dir, manifest };
}

// ---------------------------------------------------------------------------------------------
// A minimal safetensors reader for the test side: F32 tensors only, reading just the bytes asked for.

export interface ReferenceTensorInfo {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

export interface ReferenceHeader {
  tensors: Map<string, ReferenceTensorInfo>;
  metadata: Record<string, string>;
  /** File offset of the byte buffer (8 + header length). */
  dataStart: number;
}

export async function readReferenceHeader(file: string): Promise<ReferenceHeader> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    const n = Number(head.readBigUInt64LE(0));
    if (n <= 0 || n > 100 * 1024 * 1024) throw new Error(`${file}: implausible safetensors header length ${n}`);
    const text = Buffer.alloc(n);
    const { bytesRead } = await fh.read(text, 0, n, 8);
    if (bytesRead !== n) throw new Error(`${file}: truncated header`);
    const json = JSON.parse(text.toString('utf8')) as Record<string, unknown>;
    const metadata = (json.__metadata__ ?? {}) as Record<string, string>;
    delete json.__metadata__;
    return { tensors: new Map(Object.entries(json) as [string, ReferenceTensorInfo][]), metadata, dataStart: 8 + n };
  } finally {
    await fh.close();
  }
}

async function readF32(file: string, header: ReferenceHeader, name: string): Promise<NamedTensor> {
  const info = header.tensors.get(name);
  if (!info) throw new Error(`${file}: no tensor "${name}" (has ${[...header.tensors.keys()].slice(0, 10).join(', ')}…)`);
  if (info.dtype !== 'F32') throw new Error(`${file}: tensor "${name}" is ${info.dtype}; this test reader handles F32 only`);
  if (endianness() !== 'LE') throw new Error('big-endian hosts are not supported');
  const [begin, end] = info.data_offsets;
  const count = info.shape.reduce((a, b) => a * b, 1);
  if (end - begin !== count * 4) throw new Error(`${file}: tensor "${name}" holds ${end - begin} bytes, shape [${info.shape.join(', ')}] needs ${count * 4}`);
  const data = new Float32Array(count);
  const fh = await open(file, 'r');
  try {
    const { bytesRead } = await fh.read(new Uint8Array(data.buffer), 0, end - begin, header.dataStart + begin);
    if (bytesRead !== end - begin) throw new Error(`${file}: tensor "${name}" truncated`);
  } finally {
    await fh.close();
  }
  return { shape: [...info.shape], data };
}

/** One F32 tensor of a safetensors file. */
export async function readReferenceTensor(file: string, name: string): Promise<{ shape: number[]; data: Float32Array }> {
  return readF32(file, await readReferenceHeader(file), name);
}

/** Every F32 tensor (optionally only names passing `keep`), in torch naming, e.g. a reference state dict. */
export async function readReferenceStateDict(file: string, keep: (name: string) => boolean = () => true): Promise<StateDict> {
  const header = await readReferenceHeader(file);
  const out: StateDict = new Map();
  for (const name of header.tensors.keys()) if (keep(name)) out.set(name, await readF32(file, header, name));
  return out;
}

/** [N, C, H, W] (PyTorch) → [N, H, W, C] (TF.js). */
export function nchwToNhwc(t: { shape: number[]; data: Float32Array }): { shape: number[]; data: Float32Array } {
  if (t.shape.length !== 4) throw new Error(`nchwToNhwc needs a 4-d tensor, got [${t.shape.join(', ')}]`);
  const [n, c, h, w] = t.shape as [number, number, number, number];
  if (t.data.length !== n * c * h * w) throw new Error(`nchwToNhwc: ${t.data.length} values for shape [${t.shape.join(', ')}]`);
  const out = new Float32Array(t.data.length);
  const hw = h * w;
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * hw;
      const dst = b * hw * c + ch;
      for (let p = 0; p < hw; p++) out[dst + p * c] = t.data[src + p] as number;
    }
  return { shape: [n, h, w, c], data: out };
}

export interface DiffStats {
  maxAbs: number;
  meanAbs: number;
  /** max |expected|, the scale to judge maxAbs against. */
  scale: number;
  /** maxAbs / scale. */
  relMax: number;
}

/** Element-wise difference summary, for parity assertions and their failure messages. */
export function diffStats(actual: ArrayLike<number>, expected: ArrayLike<number>): DiffStats {
  if (actual.length !== expected.length) throw new Error(`diffStats: ${actual.length} vs ${expected.length} values`);
  let maxAbs = 0;
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs((actual[i] as number) - (expected[i] as number));
    maxAbs = Math.max(maxAbs, d); // NaN stays NaN: fails any tolerance
    sum += d;
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return { maxAbs, meanAbs: actual.length ? sum / actual.length : 0, scale, relMax: scale > 0 ? maxAbs / scale : maxAbs };
}
