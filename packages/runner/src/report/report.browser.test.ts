// The report in a real browser: it opens with no console error, no request leaves file:/data:,
// every figure decodes, and a full-page screenshot shows something. Needs Chromium: skipped with a
// printed reason when there is none, unless NEURO_SSL_REQUIRE_BROWSER=1 (CI), where that fails.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeRunFolder } from './__fixtures__/run-folder-fixture.js';
import { findChromium, openInBrowser } from './browser.js';
import { writeRunReport } from './write-report.js';

const chromium = findChromium();
const required = process.env.NEURO_SSL_REQUIRE_BROWSER === '1';
if (!chromium && !required) console.warn('report.browser.test: skipped, no Chromium found (set CHROMIUM_PATH, or NEURO_SSL_REQUIRE_BROWSER=1 to fail instead)');

let root: string;
beforeAll(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'report-browser-'));
});
afterAll(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

describe.skipIf(!chromium && !required)('report in Chromium', () => {
  it('finds a Chromium', () => {
    expect(chromium, 'NEURO_SSL_REQUIRE_BROWSER=1 but no Chromium: install one or set CHROMIUM_PATH').not.toBeNull();
  });

  it('opens with no console error, no failed or external request, every figure loaded; screenshots it', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    const report = await writeRunReport(dir);
    const screenshot = path.join(root, 'report.png');
    const check = await openInBrowser(report, { screenshot, width: 1280 });
    expect(check.consoleErrors).toEqual([]);
    expect(check.failedRequests).toEqual([]);
    expect(check.externalRequests).toEqual([]);
    expect(check.images).toHaveLength(3);
    expect(check.images.every((i) => i.ok && i.src.startsWith('data:image/png;base64,'))).toBe(true);

    const meta = await sharp(screenshot).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(1280);
    // Full page: far taller than the viewport (header, tables, figures).
    expect(meta.height).toBeGreaterThan(1500);
    const stats = await sharp(screenshot).stats();
    // Not a blank page: the pixels vary, and not all of them are the background.
    expect(stats.channels[0]!.stdev).toBeGreaterThan(10);
    expect((await fs.stat(screenshot)).size).toBeGreaterThan(50_000);
  }, 120_000);

  it('reports what a broken page does: console errors, external and failed requests, broken images', async () => {
    const page = path.join(root, 'broken.html');
    await fs.writeFile(
      page,
      `<!doctype html><html><body><script>console.error('oops')</script>
<img src="http://127.0.0.1:9/x.png"><img src="missing.png"><img src="data:image/png;base64,AAAA"></body></html>`,
    );
    const check = await openInBrowser(page);
    expect(check.consoleErrors).toContain('oops');
    expect(check.externalRequests).toEqual(['http://127.0.0.1:9/x.png']);
    expect(check.failedRequests.some((r) => r.startsWith('http://127.0.0.1:9/x.png'))).toBe(true);
    expect(check.failedRequests.some((r) => r.includes('missing.png'))).toBe(true);
    expect(check.images.map((i) => i.ok)).toEqual([false, false, false]);
  }, 120_000);
});
