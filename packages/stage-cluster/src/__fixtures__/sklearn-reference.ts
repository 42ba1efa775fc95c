// Test-only access to the scikit-learn reference outputs (reference/sklearn/cluster_reference.py) for
// the stage-cluster parity tests. Python/sklearn is never a product dependency: when /usr/bin/python3
// cannot `import sklearn`, ensureSklearnReference() answers { skip: reason } and the parity tests
// skip — except with NEURO_SSL_REQUIRE_TORCH=1 (set by .ci/run, which installs python3-sklearn
// alongside torch), where it throws.
//
//   const ref = await ensureSklearnReference();
//   if ('skip' in ref) console.warn(`sklearn parity skipped: ${ref.skip}`);
//   describe.skipIf('skip' in ref)('pca vs sklearn', () => { ... ref.result.pca.explainedVarianceRatio ... });
//
// The input is the seeded Gaussian mixture of ./gaussian-mixture.ts (generated here, in TS, and
// written as features.safetensors next to the outputs). Outputs go once into
// <repo>/.neuro-ssl/reference/sklearn-v1/<key>/ (gitignored), <key> hashing the script's text, the
// input's bytes and the arguments, so editing the script or the generator regenerates them. A lock
// file serialises concurrent test processes; the folder is filled under a temporary name and renamed
// into place, so a folder with that name is always complete.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureKeyedFolder, lastLines, runProcess } from '@neuro-ssl/core/util';
import type { Matrix } from '../matrix.js';
import { gaussianMixture, type GaussianMixture, type GaussianMixtureOptions } from './gaussian-mixture.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
export const SKLEARN_SCRIPT = path.join(REPO_ROOT, 'reference/sklearn/cluster_reference.py');
export const SKLEARN_CACHE = path.join(REPO_ROOT, '.neuro-ssl/reference/sklearn-v1');
/** Debian's python3-sklearn installs for the system Python only (the pyenv `python3` on PATH has no sklearn). */
export const SKLEARN_PYTHON = process.env.NEURO_SSL_SKLEARN_PYTHON ?? '/usr/bin/python3';

/**
 * The reference run's parameters. DBSCAN_EPS was chosen on the default mixture's PCA(50) output:
 * eps 0.75, min_samples 5 give two clusters (615 and 614 points) and 277 noise points; 0.70 splits
 * off small extra clusters, 0.85 merges the two.
 */
export const SKLEARN_REFERENCE_ARGS = { components: 50, eps: 0.75, minSamples: 5, perplexity: 30, seed: 42 } as const;
export const SKLEARN_REFERENCE_MIXTURE: GaussianMixtureOptions = {};

const GENERATE_TIMEOUT_MS = 5 * 60_000;

export interface SklearnReferenceResult {
  scriptSha256: string;
  python: string;
  sklearn: string;
  numpy: string;
  scipy: string;
  input: { file: string; rows: number; cols: number; labelled: number };
  pca: { components: number; svdSolver: string; explainedVarianceRatio: number[]; explainedVariance: number[]; file: string; tensor: string };
  tsne: {
    params: { perplexity: number; init: string; learningRate: string; learningRateUsed: number; method: string; angle: number; earlyExaggeration: number; iterations: number; iterationsRun: number; randomState: number };
    klDivergence: number;
    trustworthiness: number;
    trustworthinessNeighbors: number;
    file: string;
    tensor: string;
  };
  kmeans: { params: { k: number; nInit: number; randomState: number; algorithm: string }; inertia: number; ari: number; nmi: number; silhouette: number; labels: number[] };
  dbscan: {
    params: { eps: number; minPts: number; metric: string };
    clusters: number;
    noise: number;
    sizes: Record<string, number>;
    /** min over pairs of |distance - eps|: how close the input is to a tie (float32 vs float64 could flip one). */
    epsMargin: number;
    labels: number[];
  };
  /** Seconds per step (pca, tsne, kmeans, dbscan, silhouette, trustworthiness). */
  timings: Record<string, number>;
  seconds: number;
}

export type SklearnReference = { dir: string; result: SklearnReferenceResult; mixture: GaussianMixture } | { skip: string };

let pending: Promise<SklearnReference> | undefined;

/** The reference folder and result (generated on first use, once per cache key), or why it cannot be had here. */
export function ensureSklearnReference(): Promise<SklearnReference> {
  pending ??= locate();
  return pending;
}

// One BLAS/OpenMP thread: on a loaded 2-core machine libgomp's spinning threads made sklearn's
// Barnes-Hut t-SNE 3-5× slower (65 s instead of ~15 s for the 1,506-row reference).
const PYTHON_ENV = { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' };

async function readResult(dir: string): Promise<SklearnReferenceResult | undefined> {
  try {
    return JSON.parse(await readFile(path.join(dir, 'result.json'), 'utf8')) as SklearnReferenceResult;
  } catch {
    return undefined;
  }
}

/** In CI (NEURO_SSL_REQUIRE_TORCH=1, set by .ci/run) a missing reference fails the tests instead of skipping them. */
async function locate(): Promise<SklearnReference> {
  const found = await locateOrSkip();
  if ('skip' in found && process.env.NEURO_SSL_REQUIRE_TORCH === '1') throw new Error(`NEURO_SSL_REQUIRE_TORCH=1 but the sklearn reference is unavailable: ${found.skip}`);
  return found;
}

async function locateOrSkip(): Promise<SklearnReference> {
  if (!existsSync(SKLEARN_SCRIPT)) return { skip: `${SKLEARN_SCRIPT} not found` };
  const mixture = gaussianMixture(SKLEARN_REFERENCE_MIXTURE);
  const input = encodeSafetensors([
    { name: 'x', dtype: 'F32', shape: [mixture.x.rows, mixture.x.cols], data: mixture.x.data },
    { name: 'labels', dtype: 'I32', shape: [mixture.labels.length], data: mixture.labels },
  ]);
  const script = await readFile(SKLEARN_SCRIPT);
  const key = createHash('sha256').update(script).update(input).update(JSON.stringify(SKLEARN_REFERENCE_ARGS)).digest('hex').slice(0, 16);
  const dir = path.join(SKLEARN_CACHE, key);
  const cached = await readResult(dir);
  if (cached) return { dir, result: cached, mixture };

  if (!existsSync(SKLEARN_PYTHON)) return { skip: `${SKLEARN_PYTHON} not found (apt-get install python3-sklearn)` };
  const probe = await runProcess(SKLEARN_PYTHON, ['-c', 'import sklearn, numpy, scipy'], { timeoutMs: 120_000, env: PYTHON_ENV });
  if (!probe.ok) return { skip: `${SKLEARN_PYTHON} cannot import sklearn (apt-get install python3-sklearn): ${lastLines(probe.stderr).split('\n').pop()}` };

  const { value: result } = await ensureKeyedFolder({
    root: SKLEARN_CACHE,
    key,
    read: readResult,
    timeoutMs: GENERATE_TIMEOUT_MS + 60_000,
    generate: async (tmp) => {
      await writeFile(path.join(tmp, 'features.safetensors'), input);
      const a = SKLEARN_REFERENCE_ARGS;
      const started = Date.now();
      const gen = await runProcess(
        SKLEARN_PYTHON,
        [SKLEARN_SCRIPT, '--input', path.join(tmp, 'features.safetensors'), '--out', tmp, '--components', String(a.components), '--eps', String(a.eps), '--min-samples', String(a.minSamples), '--perplexity', String(a.perplexity), '--seed', String(a.seed)],
        { timeoutMs: GENERATE_TIMEOUT_MS, env: PYTHON_ENV },
      );
      if (!gen.ok) throw new Error(`${SKLEARN_SCRIPT} failed after ${Date.now() - started} ms:\n${lastLines(gen.stderr)}`);
    },
  });
  return { dir, result, mixture };
}

// ---------------------------------------------------------------------------------------------
// A minimal safetensors writer/reader (F32 and I32, little-endian), the format the script reads and writes.

export interface SafetensorsEntry {
  name: string;
  dtype: 'F32' | 'I32';
  shape: number[];
  data: Float32Array | Int32Array;
}

function assertLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('big-endian hosts are not supported');
}

/** 8-byte LE header length, JSON header padded with spaces to a multiple of 8, contiguous data. */
export function encodeSafetensors(entries: SafetensorsEntry[], metadata?: Record<string, string>): Buffer {
  assertLittleEndian();
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const e of entries) {
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (count !== e.data.length) throw new Error(`safetensors: "${e.name}" has ${e.data.length} values for shape [${e.shape.join(', ')}]`);
    if ((e.dtype === 'F32') !== e.data instanceof Float32Array) throw new Error(`safetensors: "${e.name}" data does not match dtype ${e.dtype}`);
    header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.byteLength] };
    offset += e.data.byteLength;
  }
  if (metadata) header.__metadata__ = metadata;
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const head = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let at = 8 + head.length;
  for (const e of entries) {
    Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).copy(out, at);
    at += e.data.byteLength;
  }
  return out;
}

/** One F32 tensor of a safetensors file, as a Matrix (2-d tensors; a 1-d one is n × 1). */
export async function readSafetensorsMatrix(file: string, name: string): Promise<Matrix> {
  assertLittleEndian();
  const blob = await readFile(file);
  const n = Number(blob.readBigUInt64LE(0));
  if (n <= 0 || 8 + n > blob.length) throw new Error(`${file}: implausible safetensors header length ${n}`);
  const header = JSON.parse(blob.subarray(8, 8 + n).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  const info = header[name];
  if (!info || name === '__metadata__') throw new Error(`${file}: no tensor "${name}"`);
  if (info.dtype !== 'F32') throw new Error(`${file}: tensor "${name}" is ${info.dtype}, expected F32`);
  const [rows, cols = 1] = info.shape as [number, number?];
  const [begin, end] = info.data_offsets;
  if (info.shape.length > 2 || end - begin !== rows * cols * 4) throw new Error(`${file}: tensor "${name}" of shape [${info.shape.join(', ')}] holds ${end - begin} bytes`);
  const data = new Float32Array(rows * cols);
  new Uint8Array(data.buffer).set(blob.subarray(8 + n + begin, 8 + n + end));
  return { rows, cols, data };
}
