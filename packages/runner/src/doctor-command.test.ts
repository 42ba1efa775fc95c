import { describe, expect, it } from 'vitest';
import type { BackendsReport } from '@neuro-ssl/core/tf';
import { describeInference, formatBackendsReport, formatInferenceReport } from './doctor-command.js';

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
    expect(text).not.toContain('WebGPU adapter:');

    const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe', description: 'llvmpipe: Mesa 25.0.7', isFallbackAdapter: true };
    expect(formatBackendsReport({ ...report, webgpuAdapter: lavapipe })).toContain('WebGPU adapter: mesa software (llvmpipe: Mesa 25.0.7), software fallback adapter');
  });

  it('says which inference engine auto takes, with the ONNX Runtime providers it asks for', async () => {
    expect(formatInferenceReport({ onnx: { available: true, version: '1.30.0' }, auto: 'onnx', providers: ['webgpu', 'cpu'], providersNamed: false })).toBe(
      'Inference engines: onnx available (ONNX Runtime 1.30.0); tfjs available\n' +
        'runtime.inference: auto → onnx with execution providers webgpu, cpu (NEURO_SSL_ORT_PROVIDERS=webgpu,cpu or cuda,cpu names others)\n',
    );
    expect(formatInferenceReport({ onnx: { available: false, reason: 'onnxruntime-node is not installed' }, auto: 'tfjs', providers: null, providersNamed: false })).toBe(
      'Inference engines: onnx not available (onnxruntime-node is not installed); tfjs available\nruntime.inference: auto → tfjs (on the TensorFlow.js backend above)\n',
    );
    // The providers are chooseProviders' (the ones inference uses), not a second guess: a named list wins.
    const named = await describeInference({ NEURO_SSL_ORT_PROVIDERS: 'webgpu, cpu' });
    if (named.onnx.available) expect(named).toMatchObject({ auto: 'onnx', providers: ['webgpu', 'cpu'], providersNamed: true });
    else expect(named).toMatchObject({ auto: 'tfjs', providers: null });
  });
});
