import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../progress/logger.js';
import {
  backendSupportsTraining,
  BackendUnavailableError,
  createTensorflowLoader,
  kernelAvailable,
  loadTensorflow,
  missingKernels,
  type ModuleImporter,
} from './runtime.js';
import type { TfHandle } from './types.js';

const require = createRequire(import.meta.url);
const installed = (pkg: string): boolean => {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
};
const nativeInstalled = installed('@tensorflow/tfjs-node') || installed('@tensorflow/tfjs-node-gpu');

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: [LogLevel, string][] } {
  const lines: [LogLevel, string][] = [];
  return { logger: createLogger({ level: 'debug', sinks: [(level, line) => lines.push([level, line])] }), lines };
}

/** conv2d → relu → max pool → dense on fixed pseudo-random data. */
function forward(handle: TfHandle): Float32Array {
  const { tf } = handle;
  return tf.tidy(() => {
    const n = 2 * 32 * 32 * 3;
    const x = tf.tensor4d(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37)), [2, 32, 32, 3]);
    const w = tf.tensor4d(Float32Array.from({ length: 3 * 3 * 3 * 8 }, (_, i) => Math.cos(i * 0.11) * 0.2), [3, 3, 3, 8]);
    const b = tf.tensor1d(Float32Array.from({ length: 8 }, (_, i) => i * 0.01));
    const y = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), b)) as import('@tensorflow/tfjs').Tensor4D, 2, 2, 'valid');
    const flat = tf.reshape(y, [2, -1]);
    const dense = tf.tensor2d(Float32Array.from({ length: 16 * 16 * 8 * 4 }, (_, i) => Math.sin(i * 0.013) * 0.05), [16 * 16 * 8, 4]);
    return tf.matMul(flat, dense).dataSync() as Float32Array;
  });
}

describe('loadTensorflow', () => {
  it.skipIf(nativeInstalled)('auto picks wasm when tfjs-node is absent, and matches cpu within 1e-4', async () => {
    const { logger, lines } = captureLogger();
    const handle = await loadTensorflow({ backend: 'auto', logger });
    expect(handle.backend).toBe('wasm');
    expect(handle.tf.getBackend()).toBe('wasm');
    expect(handle.tf).toBe(await import('@tensorflow/tfjs'));
    const info = lines.filter(([level]) => level === 'info').map(([, line]) => line);
    expect(info).toHaveLength(1);
    expect(info[0]).toMatch(/^tensorflow backend: wasm \(tfjs 4\.\d+\.\d+/);
    expect(info[0]).toContain('tfjs-node is not installed');
    expect(info[0]).toContain('README "TensorFlow backends"');
    expect(lines.some(([level, line]) => level === 'debug' && line.includes('tensorflow-gpu unavailable'))).toBe(true);

    const onWasm = forward(handle);
    const cpu = await loadTensorflow({ backend: 'cpu' });
    expect(cpu.tf.getBackend()).toBe('cpu');
    const onCpu = forward(cpu);
    expect(onWasm.length).toBe(8);
    let maxDiff = 0;
    for (let i = 0; i < onCpu.length; i++) maxDiff = Math.max(maxDiff, Math.abs(onCpu[i]! - onWasm[i]!));
    expect(maxDiff).toBeLessThan(1e-4);

    // Memoised: the same request returns the same handle, and re-activates its backend.
    const again = await loadTensorflow({ backend: 'auto' });
    expect(again).toBe(handle);
    expect(handle.tf.getBackend()).toBe('wasm');
    expect(await loadTensorflow({ backend: 'wasm' })).toBe(handle);
    expect(await loadTensorflow({ backend: 'cpu' })).toBe(cpu);
    expect(cpu.tf.getBackend()).toBe('cpu');
  });

  it('reports which training kernels each backend has (wasm: with the kernels we register)', async () => {
    const wasm = await loadTensorflow({ backend: 'wasm' });
    expect(kernelAvailable(wasm, 'Conv2D')).toBe(true);
    expect(kernelAvailable(wasm, 'Conv2DBackpropFilter')).toBe(true);
    expect(missingKernels(wasm)).toEqual([]);
    expect(backendSupportsTraining(wasm)).toBe(true);
    expect(missingKernels(wasm, ['Conv2DBackpropFilter', 'NoSuchKernel'])).toEqual(['NoSuchKernel']);
    const cpu = await loadTensorflow({ backend: 'cpu' });
    expect(backendSupportsTraining(cpu)).toBe(true);
  });

  it.skipIf(nativeInstalled)('an explicit request for an absent backend says how to install it', async () => {
    const attempt = loadTensorflow({ backend: 'tensorflow' });
    await expect(attempt).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(attempt).rejects.toThrow(/@tensorflow\/tfjs-node is not installed/);
    await expect(attempt).rejects.toThrow(/npm install @tensorflow\/tfjs-node@4\.22\.0/);
    await expect(loadTensorflow({ backend: 'tensorflow-gpu' })).rejects.toThrow(/CUDA 11\.2 and cuDNN 8\.1/);
  });

  it('treats an installed tfjs-node whose native binding fails as absent', async () => {
    const real: ModuleImporter = (s) => import(s);
    const importer: ModuleImporter = async (specifier) => {
      if (specifier === '@tensorflow/tfjs-node-gpu') {
        throw Object.assign(new Error(`Cannot find package '@tensorflow/tfjs-node-gpu' imported from /x.js`), { code: 'ERR_MODULE_NOT_FOUND' });
      }
      if (specifier === '@tensorflow/tfjs-node') {
        throw Object.assign(new Error("Cannot find module '/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'"), {
          code: 'MODULE_NOT_FOUND',
        });
      }
      return real(specifier);
    };
    const load = createTensorflowLoader(importer);
    const { logger, lines } = captureLogger();
    await expect(load({ backend: 'tensorflow', logger })).rejects.toThrow(
      /tfjs-node is installed but its native binding failed to load \(Cannot find module .*tfjs_binding\.node'\)/,
    );
    const handle = await load({ backend: 'auto', logger });
    expect(handle.backend).toBe('wasm');
    const info = lines.filter(([level]) => level === 'info').map(([, line]) => line);
    expect(info.at(-1)).toContain('tfjs-node-gpu is not installed; tfjs-node is installed but its native binding failed to load');
  });

  it('shares one load between concurrent callers', async () => {
    const load = createTensorflowLoader();
    const [a, b] = await Promise.all([load({ backend: 'cpu' }), load({ backend: 'cpu' })]);
    expect(a).toBe(b);
  });
});
