// `runner doctor`: which TensorFlow.js backends this install can use, which one `auto` takes, and the
// WebGPU adapter and Vulkan driver a GPU needs — without running anything.

import { describeBackends, type BackendsReport } from '@neuro-ssl/core/tf';

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
  out.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatBackendsReport(report));
  return 0;
}
