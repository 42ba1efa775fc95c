import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../progress/logger.js';
import { describeBackends } from './describe-backends.js';
import { createTensorflowLoader, missingKernels, type ModuleImporter } from './runtime.js';
import type { Tf, TfHandle } from './types.js';
import { probeWebGpu, webgpuAutoVerdict, type WebGpuAdapterInfo } from './webgpu.js';

// Shader compilation is slow on a software adapter (lavapipe) when Mesa's cache is cold: these tests
// are few and small. Without a Vulkan loader or adapter the device test skips, saying why — unless
// NEURO_SSL_REQUIRE_WEBGPU=1 (CI, which installs lavapipe), where it fails with that reason.
const probe = await probeWebGpu();
const skipDevice = !probe.available && process.env.NEURO_SSL_REQUIRE_WEBGPU !== '1';
const noAdapter = probe.available ? '' : ` (skipped: ${probe.reason})`;

function captureLogger(): { logger: ReturnType<typeof createLogger>; lines: [LogLevel, string][] } {
  const lines: [LogLevel, string][] = [];
  return { logger: createLogger({ level: 'debug', sinks: [(level, line) => lines.push([level, line])] }), lines };
}

const adapter = (over: Partial<WebGpuAdapterInfo>): WebGpuAdapterInfo => ({
  vendor: 'nvidia',
  architecture: 'hopper',
  device: '',
  description: 'NVIDIA H200',
  isFallbackAdapter: false,
  ...over,
});

/** An importer whose `webgpu` is a fake Dawn returning `found` from requestAdapter. */
function fakeDawn(found: WebGpuAdapterInfo | null): ModuleImporter {
  const gpu = { requestAdapter: async () => (found ? { info: found } : null) };
  return async (specifier) => (specifier === 'webgpu' ? { create: () => gpu, globals: {} } : import(specifier));
}

describe('webgpu backend selection', () => {
  it('auto takes only a hardware adapter; a software one only by name', async () => {
    expect(webgpuAutoVerdict({ available: true, adapter: adapter({}) })).toEqual({ pick: true });
    expect(webgpuAutoVerdict({ available: true, adapter: adapter({ vendor: 'amd', architecture: 'rdna-3' }) })).toEqual({ pick: true });
    const lavapipe = adapter({ vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: true });
    const verdict = webgpuAutoVerdict({ available: true, adapter: lavapipe });
    expect(verdict.pick).toBe(false);
    expect(!verdict.pick && verdict.reason).toMatch(/mesa software \(llvmpipe: Mesa 25\.0\.7\), software fallback adapter: auto never picks a software adapter/);
    // Software by name or architecture even where the driver does not set Dawn's flag.
    expect(webgpuAutoVerdict({ available: true, adapter: adapter({ vendor: 'google', architecture: '', description: 'SwiftShader Device' }) }).pick).toBe(false);
    expect(webgpuAutoVerdict({ available: true, adapter: adapter({ architecture: 'software' }) }).pick).toBe(false);
    expect(webgpuAutoVerdict({ available: false, reason: 'no adapter' })).toEqual({ pick: false, reason: 'no adapter' });

    // Missing Vulkan loader / no adapter: one line that says what to install.
    const noLoader = await probeWebGpu({ importer: fakeDawn(null), findLoader: () => null });
    expect(noLoader.available).toBe(false);
    const noLoaderReason = noLoader.available ? '' : noLoader.reason;
    expect(noLoaderReason).toMatch(/^webgpu needs the Vulkan loader libvulkan\.so\.1, which is not installed — install a Vulkan driver/);
    expect(noLoaderReason).toContain('apt-get install libvulkan1 mesa-vulkan-drivers');
    expect(noLoaderReason).toContain('bookworm-backports');
    expect(noLoaderReason).toContain("NVIDIA: the driver's Vulkan ICD");
    expect(noLoaderReason).not.toContain('\n');

    const g = globalThis as { navigator?: { gpu?: unknown } };
    const realGpu = g.navigator?.gpu;
    try {
      const none = createTensorflowLoader(fakeDawn(null));
      await expect(none({ backend: 'webgpu' })).rejects.toThrow(/^TensorFlow backend "webgpu" is not available: webgpu found no GPU adapter \(.*\) — install a Vulkan driver/);

      // auto with a software adapter present goes on to wasm and says why in its one info line.
      const load = createTensorflowLoader(fakeDawn(lavapipe));
      const { logger, lines } = captureLogger();
      const handle = await load({ backend: 'auto', logger });
      expect(['tensorflow-gpu', 'tensorflow', 'wasm']).toContain(handle.backend);
      const info = lines.filter(([level]) => level === 'info').map(([, line]) => line);
      expect(info).toHaveLength(1);
      if (handle.backend === 'wasm') expect(info[0]).toContain('auto never picks a software adapter');
    } finally {
      if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: realGpu, configurable: true, writable: true });
    }
  });
});

/** conv2d (stride 1 and 2) → relu6 → depthwise → max pool → mean → dense → BCE; returns forward, loss, grads, SGD-updated weights. */
async function tinyCnnStep(handle: TfHandle): Promise<Record<string, Float32Array>> {
  const tf: Tf = handle.tf;
  const seq = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
  const x = tf.tensor4d(seq(2 * 16 * 16 * 3, (i) => Math.sin(i * 0.37)), [2, 16, 16, 3]);
  const y = tf.tensor2d([1, 0], [2, 1]);
  const w1 = tf.variable(tf.tensor4d(seq(3 * 3 * 3 * 8, (i) => Math.cos(i * 0.11) * 0.3), [3, 3, 3, 8]));
  const w2 = tf.variable(tf.tensor4d(seq(3 * 3 * 8 * 8, (i) => Math.sin(i * 0.07) * 0.2), [3, 3, 8, 8]));
  const dw = tf.variable(tf.tensor4d(seq(3 * 3 * 8, (i) => Math.cos(i * 0.19) * 0.4), [3, 3, 8, 1]));
  const wd = tf.variable(tf.tensor2d(seq(8, (i) => (i - 3.5) * 0.1), [8, 1]));
  const vars = [w1, w2, dw, wd];
  const conv1 = tf.conv2d(x, w1, 1, 'same');
  const logits = () =>
    tf.tidy(() => {
      const a = tf.relu6(tf.conv2d(x, w1, 1, 'same'));
      const b = tf.relu(tf.conv2d(a, w2, 2, 'same'));
      const c = tf.maxPool(tf.depthwiseConv2d(b, dw, 1, 'same'), 2, 2, 'valid');
      return tf.matMul(tf.mean(c, [1, 2]), wd) as import('@tensorflow/tfjs').Tensor2D;
    });
  const loss = () => tf.losses.sigmoidCrossEntropy(y, logits()) as import('@tensorflow/tfjs').Scalar;
  const forward = logits();
  const { value, grads } = tf.variableGrads(loss, vars);
  tf.train.sgd(0.5).applyGradients(grads);
  const out: Record<string, Float32Array> = {
    conv1: (await conv1.data()) as Float32Array,
    forward: (await forward.data()) as Float32Array,
    loss: (await value.data()) as Float32Array,
  };
  for (const [i, v] of vars.entries()) {
    out[`grad:${i}`] = (await grads[v.name]!.data()) as Float32Array;
    out[`updated:${i}`] = (await v.data()) as Float32Array;
  }
  tf.dispose([x, y, conv1, forward, value, ...Object.values(grads), ...vars]);
  return out;
}

/** max |a − b| / max |b|: the error relative to the reference's scale. */
function relativeError(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

describe('webgpu on the adapter present', () => {
  it.skipIf(skipDevice)(`conv2d forward and a tiny CNN's training step match cpu within 1e-4 relative${noAdapter}`, async () => {
    const load = createTensorflowLoader();
    const { logger, lines } = captureLogger();
    const gpu = await load({ backend: 'webgpu', logger });
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.tf.getBackend()).toBe('webgpu');
    expect(gpu.adapter).toEqual(probe.available ? probe.adapter : undefined);
    const info = lines.filter(([level]) => level === 'info').map(([, line]) => line);
    expect(info[0]).toMatch(/^tensorflow backend: webgpu \(.+ adapter; Dawn webgpu 0\.6\.2, tfjs 4\.22\.0\)$/);
    const software = gpu.description.includes('software');
    expect(lines.some(([level, line]) => level === 'warn' && line.includes('for correctness checks only'))).toBe(software);
    expect(missingKernels(gpu)).toEqual([]);

    const onGpu = await tinyCnnStep(gpu);
    const onCpu = await tinyCnnStep(await load({ backend: 'cpu' }));
    expect(Object.keys(onGpu).sort()).toEqual(Object.keys(onCpu).sort());
    expect(Object.keys(onGpu)).toHaveLength(3 + 4 + 4);
    for (const key of Object.keys(onCpu)) {
      expect(onGpu[key]!.length, key).toBe(onCpu[key]!.length);
      expect(relativeError(onGpu[key]!, onCpu[key]!), key).toBeLessThan(1e-4);
    }

    // addN of more tensors than one shader can bind (8 storage buffers by default) — fit's weight decay
    // sums one term per trainable weight — is split into groups (webgpu-addn.ts), not zeros.
    expect((await load({ backend: 'webgpu' })).tf.getBackend()).toBe('webgpu');
    const terms = Array.from({ length: 40 }, (_, i) => gpu.tf.tensor1d([i, -2 * i, 0.5]));
    const sum = gpu.tf.addN(terms);
    expect(Array.from(await sum.data())).toEqual([780, -1560, 20]);
    gpu.tf.dispose([...terms, sum]);

    // What `runner doctor` shows: webgpu with its adapter; auto on it only when it is hardware.
    const report = await describeBackends();
    const webgpu = report.backends.find((b) => b.backend === 'webgpu')!;
    expect(webgpu.available).toBe(true);
    expect(webgpu.autoEligible).toBe(!software);
    expect(report.webgpuAdapter).toEqual(gpu.adapter);
    if (software) expect(report.auto).not.toBe('webgpu');
    expect(report.backends.map((b) => b.backend)).toEqual(['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu']);
  });
});
