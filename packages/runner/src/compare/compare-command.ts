// `runner compare <run-folder|experiment-name>...`: two or more runs side by side — metrics (best
// marked), config differences, shared cache entries — in the terminal, as JSON, or as an HTML page.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { writeFileExclusive } from '@neuro-ssl/core/util';
import { compareRuns } from './compare.js';
import { renderCompareHtml } from './compare-html.js';
import { renderCompareText } from './compare-text.js';
import { buildCompareView } from './compare-view.js';
import { loadRun, type LoadedRun } from './load-run.js';
import { resolveRunTarget, RunTargetError } from './run-index.js';

export interface CompareCommandOptions {
  /** Run folders, experiment folders or experiment names (newest finished run); at least two. */
  targets: string[];
  /** Where experiment names are looked up. */
  runsDir: string;
  /** Also write the comparison as a self-contained HTML page here (never overwritten). */
  html?: string;
  /** Print the Comparison as JSON instead of tables. */
  json?: boolean;
  /** Tables or JSON (default process.stdout). */
  stream?: NodeJS.WritableStream;
  /** Errors and "wrote …" (default process.stderr), so that --json output stays parseable. */
  errorStream?: NodeJS.WritableStream;
}

const USAGE = 'usage: runner compare <run-folder|experiment-name> <run-folder|experiment-name>... [--html out.html] [--json]';

export async function compareCommand(opts: CompareCommandOptions): Promise<number> {
  const out = opts.stream ?? process.stdout;
  const err = opts.errorStream ?? process.stderr;
  const fail = (message: string): number => {
    err.write(`runner compare: ${message}\n`);
    return 2;
  };
  if (opts.targets.length < 2) {
    return fail(`needs at least two runs to compare, got ${opts.targets.length}${opts.targets.length ? ` (${opts.targets[0]})` : ''}\n${USAGE}`);
  }
  const htmlFile = opts.html !== undefined ? path.resolve(opts.html) : undefined;
  // Checked up front so that a taken name fails fast; the exclusive write below still guards the race.
  if (htmlFile && existsSync(htmlFile)) return fail(overwriteMessage(htmlFile));

  const runs: LoadedRun[] = [];
  const problems: string[] = [];
  for (const target of opts.targets) {
    try {
      runs.push(await loadRun(await resolveRunTarget(target, opts.runsDir)));
    } catch (e) {
      if (!(e instanceof RunTargetError)) throw e;
      problems.push(e.message);
    }
  }
  if (problems.length) return fail(problems.join('\nrunner compare: '));

  const comparison = compareRuns(runs);
  const view = buildCompareView(comparison);
  out.write(opts.json ? `${JSON.stringify(comparison, null, 2)}\n` : renderCompareText(view));

  if (htmlFile) {
    if (!(await writeFileExclusive(htmlFile, renderCompareHtml(view)))) return fail(overwriteMessage(htmlFile));
    err.write(`wrote ${htmlFile}\n`);
  }
  return 0;
}

function overwriteMessage(file: string): string {
  return `${file} already exists; not overwriting it — choose another --html path or remove the file`;
}
