// The `webgpu` backend: TensorFlow.js's @tensorflow/tfjs-backend-webgpu on Dawn's Node binding (the
// `webgpu` package, a prebuilt dawn.node per platform). Both are optional dependencies of core. On
// Linux Dawn drives the GPU through Vulkan: it loads libvulkan.so.1 at run time, and the Vulkan
// driver (ICD) decides which adapters exist — a GPU vendor's driver, or Mesa's lavapipe, a CPU
// "software" adapter that Dawn reports with isFallbackAdapter true.
//
// `auto` takes a webgpu adapter only when it is real hardware: a software adapter computes the right
// numbers but is several times slower than wasm (README "TensorFlow backends"), so it is used only
// when asked for by name (`runtime.backend: webgpu`), with a warning.
//
// Dawn is set up once per process: `navigator.gpu` is installed before the tfjs backend module is
// imported, because that module registers the "webgpu" backend only if `navigator.gpu` exists then.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Tf } from './types.js';
import { registerWebgpuAddN } from './webgpu-addn.js';

/** Versions the project pins (packages/core/package.json, optionalDependencies). */
export const WEBGPU_PACKAGE_VERSION = '0.6.2';

/** What Dawn says about the adapter it chose. */
export interface WebGpuAdapterInfo {
  /** e.g. "nvidia", "amd", "mesa". */
  vendor: string;
  /** e.g. "hopper", "rdna-3", "software". */
  architecture: string;
  /** e.g. "llvmpipe-llvm-15-0-6-256-bits-". */
  device: string;
  /** e.g. "llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1" or the GPU driver's name. */
  description: string;
  /** Dawn's own flag: a CPU implementation (lavapipe, SwiftShader), not a GPU. */
  isFallbackAdapter: boolean;
}

/** The outcome of looking for a WebGPU adapter; `reason` is one line that says what to install. */
export type WebGpuProbe = { available: true; adapter: WebGpuAdapterInfo } | { available: false; reason: string };

/** How modules are imported (runtime.ts's ModuleImporter). */
type Importer = (specifier: string) => Promise<unknown>;

/** What to install for a Vulkan adapter, in one line. */
export const VULKAN_INSTALL_HINT =
  'install a Vulkan driver — Debian/Ubuntu: apt-get install libvulkan1 mesa-vulkan-drivers (Mesa ≥ 25 for the lavapipe CPU ' +
  "driver: on Debian 12 from bookworm-backports); NVIDIA: the driver's Vulkan ICD (nvidia_icd.json, part of the driver); AMD: Mesa's RADV (mesa-vulkan-drivers)";

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software rasterizer/i;

/** A CPU implementation of WebGPU/Vulkan rather than a GPU (Dawn's flag, or a known software driver's name). */
export function isSoftwareAdapter(info: WebGpuAdapterInfo): boolean {
  return info.isFallbackAdapter || info.architecture === 'software' || SOFTWARE_NAMES.test(`${info.device} ${info.description}`);
}

/** "nvidia hopper (NVIDIA H200), hardware" / "mesa software (llvmpipe: Mesa 25.0.7), software fallback adapter". */
export function describeAdapter(info: WebGpuAdapterInfo): string {
  const name = [info.vendor || '?', info.architecture].filter(Boolean).join(' ');
  const detail = info.description || info.device;
  const kind = info.isFallbackAdapter ? 'software fallback adapter' : isSoftwareAdapter(info) ? 'software adapter' : 'hardware adapter';
  return `${name}${detail ? ` (${detail})` : ''}, ${kind}`;
}

/**
 * Whether `auto` takes the webgpu backend: only with a real (hardware) adapter. `reason` says why not.
 * Pure, so the rule is tested with made-up adapters.
 */
export function webgpuAutoVerdict(probe: WebGpuProbe): { pick: true } | { pick: false; reason: string } {
  if (!probe.available) return { pick: false, reason: probe.reason };
  if (isSoftwareAdapter(probe.adapter)) {
    return {
      pick: false,
      reason:
        `webgpu's adapter is ${describeAdapter(probe.adapter)}: auto never picks a software adapter ` +
        '(runtime.backend: webgpu uses it, for correctness checks only)',
    };
  }
  return { pick: true };
}

/** The warning logged when a software adapter is used because it was asked for by name. */
export function softwareAdapterWarning(info: WebGpuAdapterInfo): string {
  return (
    `webgpu runs on ${describeAdapter(info)} — a CPU implementation, for correctness checks only: it is several times ` +
    'slower than wasm and compiles its shaders slowly on first use. For speed use a GPU with its Vulkan driver, or runtime.backend: auto.'
  );
}

const LIBRARY_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/usr/lib64',
  '/lib64',
  '/usr/lib',
  '/lib',
  '/usr/local/lib',
];

/**
 * Where the dynamic linker would find libvulkan.so.1 (Linux): LD_LIBRARY_PATH, the ld.so cache, the
 * usual library folders. `null` when it is nowhere — then Dawn finds no adapter and prints a warning.
 * Always "(not needed)" elsewhere: Dawn uses Metal on macOS and D3D12 on Windows.
 */
export function findVulkanLoader(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  if (platform !== 'linux') return '(not needed)';
  const lib = 'libvulkan.so.1';
  for (const dir of (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(path.join(dir, lib))) return path.join(dir, lib);
  }
  try {
    if (readFileSync('/etc/ld.so.cache').includes(lib)) return `${lib} (ld.so.cache)`;
  } catch {
    /* no cache: look in the folders */
  }
  for (const dir of LIBRARY_DIRS) if (existsSync(path.join(dir, lib))) return path.join(dir, lib);
  return null;
}

/** The Vulkan drivers (ICD manifests) the loader would read: VK_DRIVER_FILES / VK_ICD_FILENAMES, else the standard folders. */
export function vulkanDrivers(env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  if (explicit) return explicit.split(':').filter(Boolean).map((f) => path.basename(f));
  const dirs = ['/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d'];
  const found: string[] = [];
  for (const dir of dirs) {
    try {
      for (const f of readdirSync(dir)) if (f.endsWith('.json') && !found.includes(f)) found.push(f);
    } catch {
      /* folder absent */
    }
  }
  return found;
}

interface GpuAdapterLike {
  info?: Partial<WebGpuAdapterInfo>;
  isFallbackAdapter?: boolean;
}
interface GpuLike {
  requestAdapter(options?: { powerPreference?: string; forceFallbackAdapter?: boolean }): Promise<GpuAdapterLike | null>;
}
interface DawnModule {
  create: (flags: string[]) => GpuLike;
  globals: Record<string, unknown>;
}

function firstLine(err: unknown): string {
  const message = String((err as Error)?.message ?? err);
  return message.split('\n')[0] ?? message;
}

function isMissingPackage(err: unknown, pkg: string): boolean {
  const e = err as NodeJS.ErrnoException;
  const message = String(e?.message ?? err);
  return (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') && (message.includes(`'${pkg}'`) || message.includes(`"${pkg}"`));
}

const npmInstall = `npm install webgpu@${WEBGPU_PACKAGE_VERSION} @tensorflow/tfjs-backend-webgpu@4.22.0`;

/** The power preference tfjs-backend-webgpu asks Dawn for (its WEBGPU_USE_LOW_POWER_GPU flag is off). */
const ADAPTER_OPTIONS = { powerPreference: 'high-performance' } as const;

/** One Dawn instance per module (one in a process; tests substitute a fake module). */
const instances = new WeakMap<object, GpuLike>();

/**
 * Loads Dawn and installs its globals and `navigator.gpu` — what tfjs-backend-webgpu looks for when it
 * is imported and when its backend starts.
 */
async function installNavigatorGpu(importer: Importer): Promise<GpuLike> {
  const mod = (await importer('webgpu')) as DawnModule & { default?: DawnModule };
  const dawn = typeof mod.create === 'function' ? mod : mod.default;
  if (!dawn || typeof dawn.create !== 'function') throw new Error('the webgpu package has no create export');
  const known = instances.get(dawn);
  if (known) return known;
  const g = globalThis as unknown as Record<string, unknown> & { navigator?: Record<string, unknown> };
  for (const [name, value] of Object.entries(dawn.globals ?? {})) if (!(name in g)) g[name] = value;
  const gpu = dawn.create([]);
  g.navigator ??= {};
  Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true, enumerable: true });
  instances.set(dawn, gpu);
  return gpu;
}

export interface ProbeWebGpuOptions {
  /** Defaults to a dynamic import. */
  importer?: Importer;
  /** Defaults to findVulkanLoader(); tests pass a fake. */
  findLoader?: () => string | null;
}

const probes = new WeakMap<Importer, Promise<WebGpuProbe>>();
const defaultImporter: Importer = (specifier) => import(specifier);

/**
 * Looks for a WebGPU adapter (memoised per importer): the Vulkan loader first (so a machine without
 * one gets the one-line reason, not Dawn's warning), then Dawn, then the adapter Dawn chooses.
 */
export function probeWebGpu(options: ProbeWebGpuOptions = {}): Promise<WebGpuProbe> {
  const importer = options.importer ?? defaultImporter;
  const known = probes.get(importer);
  if (known) return known;
  const probe = (async (): Promise<WebGpuProbe> => {
    const loader = (options.findLoader ?? findVulkanLoader)();
    if (loader === null) return { available: false, reason: `webgpu needs the Vulkan loader libvulkan.so.1, which is not installed — ${VULKAN_INSTALL_HINT}` };
    let gpu: GpuLike;
    try {
      gpu = await installNavigatorGpu(importer);
    } catch (err) {
      if (isMissingPackage(err, 'webgpu')) return { available: false, reason: `webgpu is not installed (${npmInstall})` };
      return { available: false, reason: `webgpu is installed but Dawn's native binding failed to load (${firstLine(err)})` };
    }
    let adapter: GpuAdapterLike | null;
    try {
      adapter = await gpu.requestAdapter(ADAPTER_OPTIONS);
    } catch (err) {
      return { available: false, reason: `webgpu: Dawn's requestAdapter failed (${firstLine(err)}) — ${VULKAN_INSTALL_HINT}` };
    }
    if (!adapter) {
      const drivers = vulkanDrivers();
      const seen = drivers.length ? `Vulkan drivers present: ${drivers.join(', ')}, none usable` : 'no Vulkan driver (ICD) is installed';
      return { available: false, reason: `webgpu found no GPU adapter (${seen}) — ${VULKAN_INSTALL_HINT}` };
    }
    const info = adapter.info ?? {};
    return {
      available: true,
      adapter: {
        vendor: String(info.vendor ?? ''),
        architecture: String(info.architecture ?? ''),
        device: String(info.device ?? ''),
        description: String(info.description ?? ''),
        isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false),
      },
    };
  })();
  probes.set(importer, probe);
  return probe;
}

/** A load failure whose message is already the one-line reason (runtime.ts reports it as is). */
export class WebGpuUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WebGpuUnavailableError';
  }
}

async function importTfjs(importer: Importer): Promise<Tf> {
  const mod = (await importer('@tensorflow/tfjs')) as Tf & { default?: Tf };
  if (typeof mod.setBackend === 'function') return mod;
  if (mod.default && typeof mod.default.setBackend === 'function') return mod.default;
  throw new Error('@tensorflow/tfjs does not look like TensorFlow.js (no setBackend export)');
}

/**
 * Activates TensorFlow.js's webgpu backend on Dawn's adapter. A software adapter is loaded too (the
 * caller decides whether it may be used: `auto` checks webgpuAutoVerdict first) and comes with a warning.
 */
export async function loadWebgpu(importer: Importer): Promise<{ tf: Tf; description: string; adapter: WebGpuAdapterInfo; warning?: string }> {
  const probe = await probeWebGpu({ importer });
  if (!probe.available) throw new WebGpuUnavailableError(probe.reason);
  const tf = await importTfjs(importer);
  try {
    await importer('@tensorflow/tfjs-backend-webgpu');
  } catch (err) {
    if (isMissingPackage(err, '@tensorflow/tfjs-backend-webgpu')) throw new WebGpuUnavailableError(`@tensorflow/tfjs-backend-webgpu is not installed (${npmInstall})`);
    throw err;
  }
  if (!tf.findBackendFactory('webgpu')) {
    throw new WebGpuUnavailableError('@tensorflow/tfjs-backend-webgpu did not register its backend (it was imported before navigator.gpu was set)');
  }
  if (!(await tf.setBackend('webgpu'))) throw new WebGpuUnavailableError(`the webgpu backend did not initialise on ${describeAdapter(probe.adapter)}`);
  await tf.ready();
  // AddN of more tensors than the device binds at once fails silently (zeros): webgpu-addn.ts.
  registerWebgpuAddN(tf);
  const tfjs = (tf.version as Record<string, string> | undefined)?.tfjs ?? '?';
  const description = `webgpu (${describeAdapter(probe.adapter)}; Dawn webgpu ${WEBGPU_PACKAGE_VERSION}, tfjs ${tfjs})`;
  const warning = isSoftwareAdapter(probe.adapter) ? softwareAdapterWarning(probe.adapter) : undefined;
  return { tf, description, adapter: probe.adapter, ...(warning ? { warning } : {}) };
}
