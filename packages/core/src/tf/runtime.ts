// Loads TensorFlow.js on the requested backend. `auto` tries, in order: tensorflow-gpu
// (@tensorflow/tfjs-node-gpu), tensorflow (@tensorflow/tfjs-node), webgpu (@tensorflow/tfjs-backend-webgpu
// on Dawn's `webgpu` package; only on a hardware adapter, never a software one — webgpu.ts), wasm
// (@tensorflow/tfjs + @tensorflow/tfjs-backend-wasm), cpu (@tensorflow/tfjs). The native packages are optional
// dependencies whose install script downloads libtensorflow; where that failed the package is absent
// or its native binding does not load, and both count as "not available".
//
// TensorFlow.js has ONE global engine: every handle returned here shares it, and the last backend
// activated is the one all tensor operations use. A memoised handle re-activates its backend when it
// is requested again after another backend was activated.

import { createRequire } from 'node:module';
import path from 'node:path';
import type { Logger } from '../progress/logger.js';
import { silentLogger } from '../progress/logger.js';
import { BACKEND_PREFERENCE, type BackendName, type BackendRequest, type Tf, type TfHandle } from './types.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';
import { loadWebgpu, probeWebGpu, VULKAN_INSTALL_HINT, WEBGPU_PACKAGE_VERSION, webgpuAutoVerdict, WebGpuUnavailableError, type WebGpuAdapterInfo } from './webgpu.js';

export interface LoadTensorflowOptions {
  backend: BackendRequest;
  logger?: Logger;
}

/** How modules are imported; tests substitute a fake to simulate absent or broken packages. */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

export const README_BACKENDS_SECTION = 'README "TensorFlow backends"';

const require = createRequire(import.meta.url);

/** The package each backend needs. */
export const BACKEND_PACKAGES: Record<BackendName, string> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  webgpu: '@tensorflow/tfjs-backend-webgpu',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs',
};

/** The name TensorFlow.js registers each backend under (tfjs-node and tfjs-node-gpu both use "tensorflow"). */
export function tfjsBackendName(backend: BackendName): string {
  return backend === 'tensorflow-gpu' ? 'tensorflow' : backend;
}

/** Thrown when a backend asked for explicitly cannot be loaded; the message says how to install it. */
export class BackendUnavailableError extends Error {
  constructor(
    readonly backend: BackendName,
    /** Why it could not be loaded, e.g. "@tensorflow/tfjs-node is not installed". */
    readonly reason: string,
  ) {
    super(`TensorFlow backend "${backend}" is not available: ${reason}.\n${installHint(backend)}`);
    this.name = 'BackendUnavailableError';
  }
}

function installedTfjsVersion(): string {
  try {
    return (require('@tensorflow/tfjs/package.json') as { version: string }).version;
  } catch {
    return '4.22.0';
  }
}

/** How to get a backend, for error messages. */
export function installHint(backend: BackendName): string {
  const v = installedTfjsVersion();
  const fallback = 'Or set runtime.backend: auto to use the best backend that is installed.';
  switch (backend) {
    case 'tensorflow-gpu':
      return (
        `Install it with: npm install @tensorflow/tfjs-node-gpu@${v}\n` +
        'It needs Linux x64, an NVIDIA GPU with CUDA 11.2 and cuDNN 8.1 on the library path, and network access during ' +
        'the install (its install script downloads libtensorflow from storage.googleapis.com). If the install script ' +
        `failed, fix that and run: npm rebuild @tensorflow/tfjs-node-gpu. See ${README_BACKENDS_SECTION}.\n${fallback}`
      );
    case 'tensorflow':
      return (
        `Install it with: npm install @tensorflow/tfjs-node@${v}\n` +
        'It needs network access during the install (its install script downloads libtensorflow from ' +
        'storage.googleapis.com) and Linux x64/arm64, macOS or Windows x64. If the install script failed, fix that and ' +
        `run: npm rebuild @tensorflow/tfjs-node. See ${README_BACKENDS_SECTION}.\n${fallback}`
      );
    case 'webgpu':
      return (
        `Install it with: npm install webgpu@${WEBGPU_PACKAGE_VERSION} @tensorflow/tfjs-backend-webgpu@${v} (optional dependencies ` +
        `of @neuro-ssl/core, installed by default), and for a GPU adapter ${VULKAN_INSTALL_HINT}. See ${README_BACKENDS_SECTION}.\n${fallback}`
      );
    case 'wasm':
      return `Install it with: npm install @tensorflow/tfjs@${v} @tensorflow/tfjs-backend-wasm@${v}\n${fallback}`;
    case 'cpu':
      return `Install it with: npm install @tensorflow/tfjs@${v}`;
  }
}

/** "not installed" for a missing package; otherwise the first line of the load error. */
export function describeLoadFailure(pkg: string, err: unknown): string {
  if (err instanceof WebGpuUnavailableError) return err.reason;
  const e = err as NodeJS.ErrnoException;
  const message = String(e?.message ?? err);
  const firstLine = message.split('\n')[0] ?? message;
  const missing = (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`));
  if (missing) return `${pkg} is not installed`;
  if (/tfjs_binding|\.node\b|libtensorflow|napi/i.test(message)) return `${pkg} is installed but its native binding failed to load (${firstLine})`;
  return `${pkg} failed to load (${firstLine})`;
}

interface TfModule {
  tf: Tf;
  /** webgpu: the adapter in use. */
  adapter?: WebGpuAdapterInfo;
  /** Logged once when the backend is loaded (webgpu on a software adapter). */
  warning?: string;
}

async function importTf(importer: ModuleImporter, pkg: string): Promise<Tf> {
  const mod = (await importer(pkg)) as Tf & { default?: Tf };
  // A CommonJS package imported from ESM: named exports are usually detected, but fall back to default.
  if (typeof mod.setBackend === 'function') return mod;
  if (mod.default && typeof mod.default.setBackend === 'function') return mod.default;
  throw new Error(`${pkg} does not look like TensorFlow.js (no setBackend export)`);
}

function versionOf(tf: Tf, key: string): string | undefined {
  const v = (tf.version as Record<string, string> | undefined)?.[key];
  return typeof v === 'string' ? v : undefined;
}

async function loadNative(importer: ModuleImporter, backend: 'tensorflow' | 'tensorflow-gpu'): Promise<TfModule & { description: string }> {
  const pkg = BACKEND_PACKAGES[backend];
  const tf = await importTf(importer, pkg);
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${pkg} loaded but its "tensorflow" backend did not initialise`);
  await tf.ready();
  const binding = (tf.backend() as { binding?: { TF_Version?: string } }).binding;
  const parts = [
    binding?.TF_Version ? `libtensorflow ${binding.TF_Version}` : undefined,
    `${pkg} ${versionOf(tf, 'tfjs-node') ?? versionOf(tf, 'tfjs') ?? '?'}`,
  ].filter(Boolean);
  return { tf, description: `${backend} (${parts.join(', ')})` };
}

async function loadWasm(importer: ModuleImporter): Promise<TfModule & { description: string }> {
  const tf = await importTf(importer, '@tensorflow/tfjs');
  const wasm = (await importer('@tensorflow/tfjs-backend-wasm')) as {
    setWasmPaths?: (prefix: string) => void;
    version_wasm?: string;
    default?: { setWasmPaths?: (prefix: string) => void; version_wasm?: string };
  };
  const setWasmPaths = wasm.setWasmPaths ?? wasm.default?.setWasmPaths;
  if (typeof setWasmPaths !== 'function') throw new Error('@tensorflow/tfjs-backend-wasm has no setWasmPaths export');
  // The .wasm binaries sit next to the package's main file (dist/); tell the loader where, so it does
  // not look for them relative to the current directory or a CDN.
  const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
  setWasmPaths(distDir + path.sep);
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise (see the warnings above)');
  await tf.ready();
  // wasm lacks the conv filter / depthwise gradients; ours make conv training possible (and ~40–150× faster than cpu).
  // Its Conv2DBackpropInput is replaced too: TF.js's is a plain loop, ours an XNNPACK convolution (~1.8× per step).
  registerWasmTrainingKernels(tf as unknown as Tf);
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  const parts = [`tfjs ${versionOf(tf, 'tfjs') ?? '?'}`, simd ? 'SIMD' : 'no SIMD', threads ? 'multi-threaded' : '1 thread'];
  return { tf, description: `wasm (${parts.join(', ')})` };
}

async function loadCpu(importer: ModuleImporter): Promise<TfModule & { description: string }> {
  const tf = await importTf(importer, '@tensorflow/tfjs');
  if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
  await tf.ready();
  // The cpu backend prints a multi-line "install tfjs-node" banner on first use; our own log line says that.
  const backend = tf.backend() as { firstUse?: boolean };
  if (backend.firstUse === true) backend.firstUse = false;
  return { tf, description: `cpu (tfjs ${versionOf(tf, 'tfjs') ?? '?'}, pure JavaScript)` };
}

function loadBackend(importer: ModuleImporter, backend: BackendName): Promise<TfModule & { description: string }> {
  switch (backend) {
    case 'tensorflow-gpu':
    case 'tensorflow':
      return loadNative(importer, backend);
    case 'webgpu':
      return loadWebgpu(importer);
    case 'wasm':
      return loadWasm(importer);
    case 'cpu':
      return loadCpu(importer);
  }
}

export type LoadTensorflow = (options: LoadTensorflowOptions) => Promise<TfHandle>;

/**
 * A loader with its own memo. `loadTensorflow` is the process-wide one; tests create their own with a
 * fake importer.
 */
export function createTensorflowLoader(importer: ModuleImporter = (specifier) => import(specifier)): LoadTensorflow {
  const byBackend = new Map<BackendName, TfHandle>();
  const autoChoice: { handle?: TfHandle } = {};
  const failures = new Map<BackendName, string>();
  /** Why `auto` passed over a backend it did not try to load (webgpu without a hardware adapter). */
  const autoSkips = new Map<BackendName, string>();
  let queue: Promise<unknown> = Promise.resolve();

  const activate = async (handle: TfHandle): Promise<TfHandle> => {
    const name = tfjsBackendName(handle.backend);
    if (handle.tf.getBackend() !== name) await handle.tf.setBackend(name);
    return handle;
  };

  const tryLoad = async (backend: BackendName, logger: Logger): Promise<TfHandle | undefined> => {
    const known = byBackend.get(backend);
    if (known) return activate(known);
    if (failures.has(backend)) return undefined;
    try {
      const { tf, description, adapter, warning } = await loadBackend(importer, backend);
      const handle: TfHandle = { tf, backend, description, ...(adapter ? { adapter } : {}) };
      byBackend.set(backend, handle);
      if (warning) logger.warn(warning);
      return handle;
    } catch (err) {
      const reason = describeLoadFailure(BACKEND_PACKAGES[backend], err);
      failures.set(backend, reason);
      logger.debug(`tensorflow backend ${backend} unavailable: ${reason}`);
      if (!reason.endsWith('is not installed') && err instanceof Error && err.stack) logger.debug(err.stack);
      return undefined;
    }
  };

  const load = async ({ backend, logger = silentLogger }: LoadTensorflowOptions): Promise<TfHandle> => {
    if (backend === 'auto') {
      if (autoChoice.handle) return activate(autoChoice.handle);
      for (const candidate of BACKEND_PREFERENCE) {
        if (candidate === 'webgpu') {
          // Only a hardware adapter: a software one (lavapipe) is slower than wasm. Decided before loading.
          const verdict = webgpuAutoVerdict(await probeWebGpu({ importer }));
          if (!verdict.pick) {
            autoSkips.set(candidate, verdict.reason);
            logger.debug(`tensorflow backend webgpu not used by auto: ${verdict.reason}`);
            continue;
          }
        }
        const handle = await tryLoad(candidate, logger);
        if (!handle) continue;
        autoChoice.handle = handle;
        const skipped = BACKEND_PREFERENCE.slice(0, BACKEND_PREFERENCE.indexOf(candidate)).map((b) =>
          (autoSkips.get(b) ?? failures.get(b) ?? `${BACKEND_PACKAGES[b]} unavailable`).replace(/^@tensorflow\//, ''),
        );
        const note = skipped.length ? `; ${skipped.join('; ')} — see ${README_BACKENDS_SECTION}` : '';
        logger.info(`tensorflow backend: ${handle.description}${note}`);
        return handle;
      }
      const reasons = BACKEND_PREFERENCE.map((b) => `${b}: ${autoSkips.get(b) ?? failures.get(b) ?? 'unavailable'}`).join('; ');
      throw new Error(`no TensorFlow.js backend could be loaded (${reasons}). ${installHint('cpu')}`);
    }
    if (!(BACKEND_PREFERENCE as readonly string[]).includes(backend)) {
      throw new Error(`unknown TensorFlow backend "${String(backend)}" (expected auto, ${BACKEND_PREFERENCE.join(', ')})`);
    }
    const firstTime = !byBackend.has(backend);
    const handle = await tryLoad(backend, logger);
    if (!handle) throw new BackendUnavailableError(backend, failures.get(backend) ?? 'unavailable');
    if (firstTime) logger.info(`tensorflow backend: ${handle.description}`);
    return handle;
  };

  // One load at a time: backends are switched on TensorFlow.js's single global engine.
  return (options) => {
    const result = queue.then(() => load(options));
    queue = result.catch(() => undefined);
    return result;
  };
}

/** Loads TensorFlow.js on the requested backend (memoised: the same request returns the same handle). */
export const loadTensorflow: LoadTensorflow = createTensorflowLoader();

/** Kernels that training a CNN (conv, depthwise conv, pooling) needs in the backward pass. */
export const TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
  'MaxPoolGrad',
  'AvgPoolGrad',
] as const;

/** Whether the handle's backend implements a kernel (e.g. "Conv2DBackpropFilter"). */
export function kernelAvailable(handle: TfHandle, kernelName: string): boolean {
  return handle.tf.getKernel(kernelName, tfjsBackendName(handle.backend)) !== undefined;
}

/** The kernels of `kernels` that the handle's backend lacks. */
export function missingKernels(handle: TfHandle, kernels: readonly string[] = TRAINING_KERNELS): string[] {
  return kernels.filter((k) => !kernelAvailable(handle, k));
}

/**
 * Whether gradients of conv/pool layers can be computed on this backend. TF.js's wasm backend has no
 * Conv2DBackpropFilter or depthwise gradients; loadTensorflow registers ours (wasm-training-kernels.ts).
 */
export function backendSupportsTraining(handle: TfHandle): boolean {
  return missingKernels(handle).length === 0;
}
