// Which engine runs a forward pass that trains nothing: ONNX Runtime when it is installed and the
// model translates (4–7× TF.js wasm on these backbones), else TF.js. `auto` says which it took, once.

import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { Logger } from '../../progress/logger.js';
import type { Tf } from '../../tf/types.js';
import { describeAdapter, probeWebGpu, webgpuAutoVerdict } from '../../tf/webgpu.js';
import { layersModelToOnnx, OnnxExportError } from './layers-to-onnx.js';
import { createOnnxSession, cudaProviderInstalled, defaultProviders, OnnxRuntimeUnavailableError, type OnnxForward } from './onnx-session.js';

export type InferenceRequest = 'auto' | 'onnx' | 'tfjs';

export interface InferenceEngine {
  name: 'onnx' | 'tfjs';
  /** One line for logs, e.g. "ONNX Runtime 1.30.0 (cpu, 2 threads)". */
  description: string;
  /** The model's output for a float32 NHWC batch, row-major. */
  forward(data: Float32Array, shape: [number, number, number, number]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export interface InferenceEngineOptions {
  request: InferenceRequest;
  /** ONNX Runtime's intra-op threads. */
  threads: number;
  logger: Logger;
  /** Execution providers; default: NEURO_SSL_ORT_PROVIDERS, else CUDA where installed, WebGPU on a hardware GPU adapter, then cpu. */
  providers?: string[];
  /** What chooseProviders looks for (tests). */
  probes?: ProviderProbes;
}

export interface ProviderProbes {
  /** onnxruntime-node's CUDA provider library is installed. */
  cuda: () => boolean;
}

const PROBES: ProviderProbes = { cuda: cudaProviderInstalled };

/**
 * ONNX Runtime's providers when none are named: CUDA first where its provider library was installed
 * (createInferenceEngine falls back if CUDA itself cannot load), then its WebGPU provider (in
 * onnxruntime-node's Linux, Windows and macOS builds) where Dawn sees a hardware GPU — never a software
 * adapter — then cpu.
 */
export async function chooseProviders(logger: Logger, env: NodeJS.ProcessEnv = process.env, probes: ProviderProbes = PROBES): Promise<string[]> {
  if (env.NEURO_SSL_ORT_PROVIDERS) return defaultProviders(env);
  if (probes.cuda()) {
    logger.info("inference: ONNX Runtime's CUDA provider is installed: asking for cuda, then cpu");
    return ['cuda', 'cpu'];
  }
  const probe = await probeWebGpu().catch((err: unknown) => ({ available: false as const, reason: String(err) }));
  const verdict = webgpuAutoVerdict(probe);
  if (verdict.pick && probe.available) {
    logger.info(`inference: ONNX Runtime's WebGPU provider on ${describeAdapter(probe.adapter)}`);
    return ['webgpu', 'cpu'];
  }
  return ['cpu'];
}

function tfjsEngine(tf: Tf, model: LayersModel, backend: string): InferenceEngine {
  return {
    name: 'tfjs',
    description: `TF.js (${backend})`,
    async forward(data, shape) {
      const output = tf.tidy(() => model.predict(tf.tensor4d(data, shape)) as Tensor);
      const values = (await output.data()) as Float32Array;
      output.dispose();
      return values;
    },
    dispose: async () => undefined,
  };
}

/**
 * A session on `providers`; where a GPU provider that was chosen automatically (not named by the
 * caller or NEURO_SSL_ORT_PROVIDERS) fails to start — CUDA's libraries missing, a driver too old —
 * the same model on the cpu provider, with one warning, instead of no ONNX Runtime at all.
 */
async function openSession(bytes: Uint8Array, providers: string[], options: InferenceEngineOptions): Promise<OnnxForward> {
  try {
    return await createOnnxSession(bytes, { threads: options.threads, providers });
  } catch (err) {
    const named = options.providers !== undefined || Boolean(process.env.NEURO_SSL_ORT_PROVIDERS);
    if (named || err instanceof OnnxRuntimeUnavailableError || providers.every((p) => p === 'cpu')) throw err;
    options.logger.warn(`inference: ONNX Runtime's ${providers.filter((p) => p !== 'cpu').join(', ')} provider could not start (${(err as Error).message.split('\n')[0]!.slice(0, 200)}); running on its cpu provider`);
    return createOnnxSession(bytes, { threads: options.threads, providers: ['cpu'] });
  }
}

/** The engine for `model` (which stays owned by the caller). `onnx` fails loudly where `auto` falls back. */
export async function createInferenceEngine(tf: Tf, model: LayersModel, options: InferenceEngineOptions): Promise<InferenceEngine> {
  if (options.request !== 'tfjs') {
    try {
      const providers = options.providers ?? (await chooseProviders(options.logger, process.env, options.probes));
      const session = await openSession(layersModelToOnnx(model), providers, options);
      return {
        name: 'onnx',
        description: `ONNX Runtime ${session.version} (${session.providers.join(', ')}, ${options.threads} thread${options.threads === 1 ? '' : 's'})`,
        forward: (data, shape) => session.run(data, shape),
        dispose: () => session.dispose(),
      };
    } catch (err) {
      if (options.request === 'onnx' || !(err instanceof OnnxRuntimeUnavailableError || err instanceof OnnxExportError)) throw err;
      options.logger.warn(`inference: ${err.message}; running on TF.js instead`);
    }
  }
  return tfjsEngine(tf, model, tf.getBackend());
}
