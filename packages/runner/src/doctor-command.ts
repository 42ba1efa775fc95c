// `runner doctor`: which TensorFlow.js backends this install can use, which one `auto` takes, and the
// WebGPU adapter and Vulkan driver a GPU needs — without running anything.

import { defaultProviders, loadOnnxRuntime } from '@neuro-ssl/core/models';
import { describeBackends, type BackendsReport } from '@neuro-ssl/core/tf';

/** One line on the inference engine that `runtime.inference: auto` takes. */
export async function describeInference(): Promise<string> {
  try {
    const ort = await loadOnnxRuntime();
    return `Inference (runtime.inference: auto): ONNX Runtime ${ort.env.versions.node ?? ''} with providers ${defaultProviders().join(', ')}`;
  } catch (err) {
    return `Inference (runtime.inference: auto): TF.js — ${(err as Error).message}`;
  }
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
  if (report.webgpuProblem) lines.push(`WebGPU: ${report.webgpuProblem}`);
  return `${lines.join('\n')}\n`;
}

export async function doctorCommand(options: { json: boolean; stream?: NodeJS.WritableStream }): Promise<number> {
  const out = options.stream ?? process.stdout;
  const report = await describeBackends();
  const inference = await describeInference();
  out.write(options.json ? `${JSON.stringify({ ...report, inference }, null, 2)}\n` : `${formatBackendsReport(report)}${inference}\n`);
  return 0;
}
