// `runner runs [name]`: the run folders under runsDir, newest first, one line each — or as JSON.

import { displayPath, formatDate, formatDuration, terminalColumns, truncate } from './format.js';
import { listRuns, type RunEntry } from './run-index.js';
import { renderTextTable } from './text-table.js';

export interface RunsCommandOptions {
  runsDir: string;
  /** Only this experiment's runs. */
  name?: string;
  json?: boolean;
  /** Default process.stdout. */
  stream?: NodeJS.WritableStream;
}

/** Without a terminal to fit (output piped), headlines are cut here. */
const DEFAULT_HEADLINE = 100;
/** Never cut a headline shorter than this, however narrow the terminal. */
const MIN_HEADLINE = 30;

export function stagesText(e: RunEntry): string {
  if (e.status === 'incomplete' || e.status === 'unreadable') return '—';
  const s = e.stages;
  const parts = [`${s.ran} ran`, `${s.cached} cached`];
  if (s.failed) parts.push(`${s.failed} failed`);
  if (s.other) parts.push(`${s.other} not run`);
  return parts.join(', ');
}

export async function runsCommand(opts: RunsCommandOptions): Promise<number> {
  const out = opts.stream ?? process.stdout;
  const entries = await listRuns(opts.runsDir, opts.name);
  if (opts.json) {
    out.write(`${JSON.stringify(entries, null, 2)}\n`);
    return 0;
  }
  if (!entries.length) {
    out.write(`no runs${opts.name !== undefined ? ` of ${opts.name}` : ''} found in ${displayPath(opts.runsDir)}\n`);
    return 0;
  }
  const headers = ['run folder', 'started', 'status', 'duration', 'stages', 'headline'];
  const rows = entries.map((e) => [
    displayPath(e.dir),
    formatDate(e.startedAt),
    e.status,
    formatDuration(e.durationMs),
    stagesText(e),
    e.headline ?? (e.status === 'unreadable' ? (e.error ?? '') : ''),
  ]);
  // The headline gets whatever the other columns leave of the terminal width.
  const columns = terminalColumns(out);
  const fixed = headers.slice(0, -1).reduce((w, h, c) => w + Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)) + 2, 0);
  const max = columns ? Math.max(MIN_HEADLINE, columns - fixed - 1) : DEFAULT_HEADLINE;
  for (const r of rows) r[5] = truncate(r[5] ?? '', max);
  out.write(renderTextTable(headers, rows));
  const incomplete = entries.filter((e) => e.status === 'incomplete').length;
  if (incomplete) out.write(`${incomplete} incomplete run(s): no summary.json (crashed, killed, or still running)\n`);
  return 0;
}
