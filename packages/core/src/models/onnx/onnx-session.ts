// Running an exported ONNX graph on ONNX Runtime (onnxruntime-node, an optional dependency: its CPU
// binaries ship in the npm package). Loaded on first use; where it is absent the caller falls back to
// TF.js, so nothing here is required for the project to work.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ONNX_INPUT } from './layers-to-onnx.js';

type Ort = typeof import('onnxruntime-node');

export class OnnxRuntimeUnavailableError extends Error {
  constructor(cause: unknown) {
    super(
      `onnxruntime-node could not be loaded (${cause instanceof Error ? cause.message.split('\n')[0] : String(cause)}): ` +
        'run `npm ci` in the project (its .npmrc skips the CUDA download that would otherwise fail offline), or set runtime.inference: tfjs',
    );
    this.name = 'OnnxRuntimeUnavailableError';
  }
}

let ortPromise: Promise<Ort> | undefined;

/** onnxruntime-node, imported once; rejects with OnnxRuntimeUnavailableError where it cannot load. */
export function loadOnnxRuntime(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-node').then(
    (m) => ((m as { default?: Ort }).default ?? m) as Ort,
    (err: unknown) => {
      throw new OnnxRuntimeUnavailableError(err);
    },
  );
  return ortPromise;
}

export interface OnnxSessionOptions {
  /** Intra-op threads (default: ONNX Runtime's choice). */
  threads?: number;
  /**
   * Execution providers in order of preference (default: NEURO_SSL_ORT_PROVIDERS, comma-separated,
   * else cpu). The CPU provider ships in the npm package; CUDA needs an install that fetched it.
   */
  providers?: string[];
}

export function defaultProviders(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (env.NEURO_SSL_ORT_PROVIDERS ?? 'cpu').split(',').map((p) => p.trim()).filter(Boolean);
  return list.length ? list : ['cpu'];
}

/**
 * Whether onnxruntime-node's CUDA provider library was installed beside its CPU binaries (an install
 * with `--onnxruntime-node-install=cuda12` on a machine that reached its host puts
 * libonnxruntime_providers_cuda.so there); the npm package alone never has it.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch, lib));
  } catch {
    return false;
  }
}

/** One forward pass over a float32 NHWC batch; returns the output's data. */
export interface OnnxForward {
  run(data: Float32Array, shape: readonly number[]): Promise<Float32Array>;
  /** ONNX Runtime's version, for logs. */
  version: string;
  /** The execution providers asked for, e.g. ["cpu"]. */
  providers: string[];
  dispose(): Promise<void>;
}

export async function createOnnxSession(model: Uint8Array, options: OnnxSessionOptions = {}): Promise<OnnxForward> {
  const ort = await loadOnnxRuntime();
  const providers = options.providers ?? defaultProviders();
  const session = await ort.InferenceSession.create(model, {
    executionProviders: providers,
    graphOptimizationLevel: 'all',
    ...(options.threads !== undefined ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    // Idle pool threads sleep instead of spinning: on a machine whose cores are shared (image decoding
    // in the same process, other jobs) spinning threads steal the time the work needs — measured under
    // load on 2 cores, MobileNetV2 ran at 148 img/s on 2 spinning threads, 249 on 2 sleeping ones.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  });
  const output = session.outputNames[0] as string;
  return {
    version: ort.env.versions.node ?? 'unknown',
    providers,
    async run(data, shape) {
      const result = await session.run({ [ONNX_INPUT]: new ort.Tensor('float32', data, [...shape]) });
      const tensor = result[output];
      if (!tensor) throw new Error(`the ONNX session returned no "${output}"`);
      const values = tensor.data as Float32Array;
      tensor.dispose();
      return values;
    },
    dispose: () => session.release(),
  };
}
