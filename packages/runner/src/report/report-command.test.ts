import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { makeRunFolder } from './__fixtures__/run-folder-fixture.js';
import { renderReport } from './render-report.js';
import { reportCommand } from './report-command.js';
import { writeRunReport } from './write-report.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'report-cmd-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

describe('writeRunReport', () => {
  it('writes report.html into the run folder, replacing an older one, with no temp file left', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    await fs.writeFile(path.join(dir, 'report.html'), 'old report');
    const file = await writeRunReport(dir);
    expect(file).toBe(path.join(dir, 'report.html'));
    expect(await fs.readFile(file, 'utf8')).toBe(await renderReport(dir));
    expect((await fs.readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes a report for a run folder holding only a failed summary.json', async () => {
    await fs.writeFile(path.join(root, 'summary.json'), JSON.stringify({ name: 'x', status: 'failed', exitCode: 1, error: 'boom', stages: [] }));
    const html = await fs.readFile(await writeRunReport(root), 'utf8');
    expect(html).toContain('<span class="badge bad status">failed</span>');
    expect(html).toContain('<pre class="error-text">boom</pre>');
    expect(html).toContain('data-report.json: <span class="na">not available</span>');
  });
});

describe('runner report <run-folder>', () => {
  it('regenerates report.html and prints its path', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'old' });
    const out = capture();
    expect(await reportCommand({ runDir: dir, stream: out.stream })).toBe(0);
    expect(out.text()).toBe(`${path.join(dir, 'report.html')}\n`);
    expect(await fs.readFile(path.join(dir, 'report.html'), 'utf8')).toContain('<h1>exp02-mobilenet');
  });

  it('exits 2 naming the folder when it has no summary.json, and writes nothing there', async () => {
    const out = capture();
    expect(await reportCommand({ runDir: root, stream: out.stream })).toBe(2);
    expect(out.text()).toBe(`runner report: ${root} is not a run folder (no summary.json in it)\n`);
    expect(await fs.readdir(root)).toEqual([]);
  });

  it('exits 2 for a folder that does not exist', async () => {
    const out = capture();
    const missing = path.join(root, 'nope');
    expect(await reportCommand({ runDir: missing, stream: out.stream })).toBe(2);
    expect(out.text()).toBe(`runner report: ${missing} is not a run folder (no such folder)\n`);
  });
});
