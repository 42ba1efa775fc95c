// `runner doctor`: which TensorFlow.js backends this install can use, which one `auto` takes, and the
// WebGPU adapter and Vulkan driver a GPU needs — without running anything.

import { silentLogger } from '@neuro-ssl/core';
import { chooseProviders, loadOnnxRuntime } from '@neuro-ssl/core/models';
import { describeAdapter, describeBackends, type BackendsReport } from '@neuro-ssl/core/tf';

/** The inference engines (a forward pass that trains nothing) and what `runtime.inference: auto` takes. */
export interface InferenceReport {
  onnx: { available: true; version: string } | { available: false; reason: string };
  auto: 'onnx' | 'tfjs';
  /** ONNX Runtime's execution providers auto asks for, in order (null without ONNX Runtime). */
  providers: string[] | null;
  /** Whether NEURO_SSL_ORT_PROVIDERS chose them. */
  providersNamed: boolean;
}

/**
 * ONNX Runtime when it loads, with the providers chooseProviders would ask for (NEURO_SSL_ORT_PROVIDERS,
 * else CUDA where installed, WebGPU on a hardware adapter, cpu); else TF.js on the backend above.
 */
export async function describeInference(env: NodeJS.ProcessEnv = process.env): Promise<InferenceReport> {
  const providersNamed = Boolean(env.NEURO_SSL_ORT_PROVIDERS);
  try {
    const ort = await loadOnnxRuntime();
    const providers = await chooseProviders(silentLogger, env);
    return { onnx: { available: true, version: ort.env.versions.node ?? '' }, auto: 'onnx', providers, providersNamed };
  } catch (err) {
    return { onnx: { available: false, reason: (err as Error).message.split('\n')[0] ?? '' }, auto: 'tfjs', providers: null, providersNamed };
  }
}

export function formatInferenceReport(report: InferenceReport): string {
  const onnx = report.onnx.available ? `onnx available (ONNX Runtime ${report.onnx.version})` : `onnx not available (${report.onnx.reason})`;
  const auto =
    report.auto === 'onnx'
      ? `onnx with execution providers ${(report.providers ?? []).join(', ')} (${report.providersNamed ? 'as NEURO_SSL_ORT_PROVIDERS names them' : 'NEURO_SSL_ORT_PROVIDERS=webgpu,cpu or cuda,cpu names others'})`
      : 'tfjs (on the TensorFlow.js backend above)';
  return `Inference engines: ${onnx}; tfjs available\nruntime.inference: auto → ${auto}\n`;
}

export function formatBackendsReport(report: BackendsReport): string {
  const width = Math.max(...report.backends.map((b) => b.backend.length));
  const lines = ['TensorFlow.js backends (in the order auto prefers them):'];
  for (const b of report.backends) {
    const mark = b.backend === report.auto ? '→' : b.available ? '✓' : '✗';
    lines.push(`  ${mark} ${b.backend.padEnd(width)}  ${b.available ? (b.autoEligible ? 'available' : 'available, by name only') : 'not available'} — ${b.detail}`);
  }
  lines.push(`runtime.backend: auto → ${report.auto ?? 'none (install @tensorflow/tfjs)'}`);
  lines.push(`Vulkan loader: ${report.vulkan.loader ?? 'not found'}; drivers: ${report.vulkan.drivers.length ? report.vulkan.drivers.join(', ') : 'none'}`);
  if (report.webgpuAdapter) lines.push(`WebGPU adapter: ${describeAdapter(report.webgpuAdapter)}`);
  if (report.webgpuProblem) lines.push(`WebGPU: ${report.webgpuProblem}`);
  return `${lines.join('\n')}\n`;
}

export async function doctorCommand(options: { json: boolean; stream?: NodeJS.WritableStream }): Promise<number> {
  const out = options.stream ?? process.stdout;
  const report = await describeBackends();
  const inference = await describeInference();
  out.write(options.json ? `${JSON.stringify({ ...report, inference }, null, 2)}\n` : `${formatBackendsReport(report)}${formatInferenceReport(inference)}`);
  return 0;
}
