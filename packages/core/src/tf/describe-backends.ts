// What `runner doctor` prints: every TensorFlow.js backend, whether it is available here, which one
// `auto` would take, and the WebGPU adapter Dawn sees. It activates no backend: the packages are
// imported (tfjs-node's native binding loads at import), the WebGPU adapter is requested from Dawn,
// but TensorFlow.js's global engine is left as it is.

import { createRequire } from 'node:module';
import { BACKEND_PACKAGES, describeLoadFailure, type ModuleImporter } from './runtime.js';
import { BACKEND_PREFERENCE, type BackendName } from './types.js';
import { describeAdapter, findVulkanLoader, probeWebGpu, vulkanDrivers, webgpuAutoVerdict, type WebGpuAdapterInfo } from './webgpu.js';

export interface BackendStatus {
  backend: BackendName;
  /** The npm package it needs. */
  package: string;
  /** Installed and loadable (webgpu: with an adapter, software or not). */
  available: boolean;
  /** Whether `auto` may take it (webgpu: a hardware adapter only). */
  autoEligible: boolean;
  /** One line: the version or adapter, or why not (what to install). */
  detail: string;
}

export interface BackendsReport {
  /** In `auto`'s order of preference. */
  backends: BackendStatus[];
  /** What `runtime.backend: auto` would pick: the first auto-eligible backend, or null. */
  auto: BackendName | null;
  /** The adapter Dawn chose, or null (then `webgpuProblem` says why). */
  webgpuAdapter: WebGpuAdapterInfo | null;
  webgpuProblem: string | null;
  /** Where libvulkan.so.1 was found (Linux), or null; and the Vulkan driver manifests present. */
  vulkan: { loader: string | null; drivers: string[] };
}

const require = createRequire(import.meta.url);

function versionOf(mod: unknown, backend: BackendName): string | undefined {
  type Mod = { version?: Record<string, string>; version_wasm?: string };
  const m = mod as Mod & { default?: Mod };
  if (backend === 'wasm') return m.version_wasm ?? m.default?.version_wasm;
  return (m.version ?? m.default?.version)?.[backend === 'cpu' ? 'tfjs' : 'tfjs-node'];
}

/**
 * Lists the backends, their availability and the WebGPU adapter, without activating any backend.
 * `importer` is for tests (a fake simulates absent packages).
 */
export async function describeBackends(options: { importer?: ModuleImporter } = {}): Promise<BackendsReport> {
  const importer: ModuleImporter = options.importer ?? ((specifier) => import(specifier));
  const probe = await probeWebGpu({ importer });
  const backends: BackendStatus[] = [];
  for (const backend of BACKEND_PREFERENCE) {
    const pkg = BACKEND_PACKAGES[backend];
    if (backend === 'webgpu') {
      if (!probe.available) {
        backends.push({ backend, package: pkg, available: false, autoEligible: false, detail: probe.reason });
        continue;
      }
      let detail = describeAdapter(probe.adapter);
      let available = true;
      try {
        // Resolved, not imported: importing it registers the webgpu backend, which TensorFlow.js would
        // then start by itself (highest priority) if something used it before choosing a backend.
        require.resolve(pkg);
      } catch (err) {
        available = false;
        detail = describeLoadFailure(pkg, err);
      }
      const verdict = webgpuAutoVerdict(probe);
      backends.push({ backend, package: pkg, available, autoEligible: available && verdict.pick, detail: verdict.pick || !available ? detail : verdict.reason });
      continue;
    }
    try {
      const mod = await importer(pkg);
      const version = versionOf(mod, backend);
      backends.push({ backend, package: pkg, available: true, autoEligible: true, detail: `${pkg}${version ? ` ${version}` : ''}` });
    } catch (err) {
      backends.push({ backend, package: pkg, available: false, autoEligible: false, detail: describeLoadFailure(pkg, err) });
    }
  }
  return {
    backends,
    auto: backends.find((b) => b.autoEligible)?.backend ?? null,
    webgpuAdapter: probe.available ? probe.adapter : null,
    webgpuProblem: probe.available ? null : probe.reason,
    vulkan: { loader: findVulkanLoader(), drivers: vulkanDrivers() },
  };
}
