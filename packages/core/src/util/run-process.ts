// Runs a program to completion and collects its output (for the Python reference scripts).

import { execFile } from 'node:child_process';

export interface ProcessResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export function runProcess(file: string, args: string[], options: { timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024, env: options.env ?? process.env }, (err, stdout, stderr) =>
      resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr || (err?.message ?? '')) }),
    );
  });
}

/** The last lines of a program's output, for error messages. */
export function lastLines(text: string, count = 15): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
