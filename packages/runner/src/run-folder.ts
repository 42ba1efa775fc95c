// runs/<name>/<timestamp>/ — created once per run and never reused: if the folder already exists
// (two runs in the same second), a suffix is added rather than writing into it.

import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface RunFolder {
  dir: string;
  figuresDir: string;
  logFile: string;
  metricsFile: string;
}

export function timestamp(now: Date): string {
  // 2026-11-28T18-05-49Z: sortable, and valid as a folder name everywhere.
  return now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
}

export async function createRunFolder(runsDir: string, name: string, now = new Date()): Promise<RunFolder> {
  const parent = path.join(runsDir, name);
  await fs.mkdir(parent, { recursive: true });
  const base = timestamp(now);
  for (let n = 1; ; n++) {
    const dir = path.join(parent, n === 1 ? base : `${base}-${n}`);
    try {
      await fs.mkdir(dir); // not recursive: fails if it exists, which is what keeps runs apart
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    const figuresDir = path.join(dir, 'figures');
    await fs.mkdir(figuresDir);
    return { dir, figuresDir, logFile: path.join(dir, 'run.log'), metricsFile: path.join(dir, 'metrics.jsonl') };
  }
}
