// `runner report <run-folder>`: regenerates report.html of a run folder (after an upgrade of the
// report, or for a run killed before it wrote one) and prints its path.

import { promises as fs } from 'node:fs';
import path from 'node:path';

import { writeRunReport } from './write-report.js';

export interface ReportCommandOptions {
  runDir: string;
  /** Where the path (or the one-line error) goes; default stdout, errors to stderr. */
  stream?: NodeJS.WritableStream;
}

/** 0 when written; 2 when the folder is not a run folder (no summary.json); 1 when the report cannot be written. */
export async function reportCommand(opts: ReportCommandOptions): Promise<number> {
  const dir = path.resolve(opts.runDir);
  const out = opts.stream ?? process.stdout;
  const err = opts.stream ?? process.stderr;
  const summary = await fs.stat(path.join(dir, 'summary.json')).catch(() => null);
  if (!summary?.isFile()) {
    const folder = await fs.stat(dir).catch(() => null);
    const why = !folder ? 'no such folder' : !folder.isDirectory() ? 'not a folder' : 'no summary.json in it';
    err.write(`runner report: ${dir} is not a run folder (${why})\n`);
    return 2;
  }
  try {
    out.write(`${await writeRunReport(dir)}\n`);
    return 0;
  } catch (e) {
    err.write(`runner report: could not write the report of ${dir}: ${(e as Error).message}\n`);
    return 1;
  }
}
