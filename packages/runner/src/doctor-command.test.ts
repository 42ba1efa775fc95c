import { describe, expect, it } from 'vitest';
import type { BackendsReport } from '@neuro-ssl/core/tf';
import { formatBackendsReport } from './doctor-command.js';

describe('runner doctor', () => {
  it('marks what auto takes, what is usable by name only, and what is missing with its fix', () => {
    const report: BackendsReport = {
      backends: [
        { backend: 'tensorflow', package: '@tensorflow/tfjs-node', available: false, autoEligible: false, detail: 'not installed: npm install @tensorflow/tfjs-node' },
        { backend: 'webgpu', package: '@tensorflow/tfjs-backend-webgpu', available: true, autoEligible: false, detail: 'software adapter (mesa, lavapipe): for correctness only' },
        { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', available: true, autoEligible: true, detail: '@tensorflow/tfjs-backend-wasm 4.22.0' },
      ],
      auto: 'wasm',
      webgpuAdapter: null,
      webgpuProblem: null,
      vulkan: { loader: '/usr/lib/x86_64-linux-gnu/libvulkan.so.1', drivers: ['lvp_icd.x86_64.json'] },
    };
    const text = formatBackendsReport(report);
    expect(text).toMatch(/✗ tensorflow {2}not available — not installed: npm install @tensorflow\/tfjs-node/);
    expect(text).toMatch(/✓ webgpu {6}available, by name only — software adapter/);
    expect(text).toMatch(/→ wasm {8}available — @tensorflow\/tfjs-backend-wasm 4\.22\.0/);
    expect(text).toContain('runtime.backend: auto → wasm');
    expect(text).toContain('drivers: lvp_icd.x86_64.json');
  });
});
