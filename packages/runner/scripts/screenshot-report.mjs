#!/usr/bin/env node
// node packages/runner/scripts/screenshot-report.mjs <run-folder> <out.png> [width] [height]
// Writes (or refreshes) <run-folder>/report.html, opens it in headless Chromium and saves a
// screenshot, full-page or the top `height` pixels — the README's docs/report.png is made this way. Exit 1 when the page logs
// a console error, a request fails or leaves file:/data:, or an image does not load.
// Needs the built runner (npx nx run runner:build) and Chromium (CHROMIUM_PATH or /usr/bin/chromium).

import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';

import { openInBrowser } from '../dist/report/browser.js';
import { writeRunReport } from '../dist/report/write-report.js';

const [runDir, out, width, height] = process.argv.slice(2);
if (!runDir || !out) {
  process.stderr.write('usage: node packages/runner/scripts/screenshot-report.mjs <run-folder> <out.png> [width] [height]\n');
  process.exit(2);
}

if (!existsSync(path.join(runDir, 'summary.json'))) {
  process.stderr.write(`${path.resolve(runDir)} is not a run folder (no summary.json)\n`);
  process.exit(2);
}

const report = await writeRunReport(runDir);
mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
const check = await openInBrowser(report, { screenshot: path.resolve(out), width: width ? Number(width) : 1280, ...(height ? { height: Number(height) } : {}) });
process.stdout.write(`report: ${report}\nscreenshot: ${path.resolve(out)}\n`);

const problems = [
  ...check.consoleErrors.map((e) => `console error: ${e}`),
  ...check.failedRequests.map((r) => `failed request: ${r}`),
  ...check.externalRequests.map((r) => `external request: ${r}`),
  ...check.images.filter((i) => !i.ok).map((i) => `image not loaded: ${i.src}`),
];
for (const p of problems) process.stderr.write(`${p}\n`);
process.exitCode = problems.length > 0 ? 1 : 0;
