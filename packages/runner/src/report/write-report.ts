// Writes <run folder>/report.html atomically (temp file beside it + rename): a browser or a second
// `runner report` never sees half a report.

import path from 'node:path';
import { writeFileAtomic } from '@neuro-ssl/core/util';

import { renderReport } from './render-report.js';

export const REPORT_FILE = 'report.html';

/** Renders and writes the report; returns its path. Throws only when the file cannot be written. */
export async function writeRunReport(runDir: string): Promise<string> {
  const file = path.join(path.resolve(runDir), REPORT_FILE);
  await writeFileAtomic(file, await renderReport(runDir));
  return file;
}
