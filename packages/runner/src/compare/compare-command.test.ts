import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunFolders, type Fixture } from './__fixtures__/run-folders.js';
import type { Comparison } from './compare.js';
import { compareCommand } from './compare-command.js';

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

let fx: Fixture;
beforeAll(async () => {
  fx = await makeRunFolders();
});
afterAll(() => fx.cleanup());

async function run(targets: string[], extra: { html?: string; json?: boolean } = {}) {
  const out = capture();
  const err = capture();
  const code = await compareCommand({ targets, runsDir: fx.runsDir, stream: out.stream, errorStream: err.stream, ...extra });
  return { code, out: out.text(), err: err.text() };
}

/** The cells of the text table row that starts with `first`. */
function row(text: string, first: string): string[] {
  const line = text.split('\n').find((l) => l.startsWith(`${first} `));
  if (!line) throw new Error(`no row ${first} in:\n${text}`);
  return line.split(/\s{2,}/);
}

describe('runner compare', () => {
  it('prints metrics with the best marked, config differences and shared stages', async () => {
    const { code, out, err } = await run([fx.probe, 'exp-a', 'exp-old']);
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(row(out, 'train.metrics.fBeta')).toEqual(['train.metrics.fBeta', 'higher', '0.950 *', '0.900', '0.800']);
    expect(row(out, 'train.metrics.ece')).toEqual(['train.metrics.ece', 'lower', '0.200', '0.050 *', '0.300']);
    expect(out).toMatch(/^train\.metrics\.bestEpoch {10,}79 {3,}79 {3,}12$/m); // differs, but no direction: unmarked
    expect(out).not.toMatch(/^train\.metrics\.n /m); // equal in every run and no direction
    expect(out).toContain('lower for ece, brier, nll, loss');
    expect(row(out, 'stages.train.with.mode')).toEqual(['stages.train.with.mode', 'probe', 'partial', 'probe']);
    expect(row(out, 'stages.cluster.with.standardize')).toEqual(['stages.cluster.with.standardize', '—', 'true', '—']);
    expect(out).not.toMatch(/^data\.root/m);
    expect(row(out, 'extract').at(-1)).toBe('all: same cache entry');
    expect(row(out, 'cluster').at(-1)).toBe('A=B');
    expect(row(out, 'train').at(-1)).toBe('none');
    expect(row(out, 'backend used')).toEqual(['backend used', 'tensorflow', 'wasm', '—']);
  });

  it('prints the comparison as JSON', async () => {
    const { code, out } = await run([fx.probe, fx.partial], { json: true });
    expect(code).toBe(0);
    const c = JSON.parse(out) as Comparison;
    expect(c.runs.map((r) => r.dir)).toEqual([fx.probe, fx.partial]);
    expect(c.configDiff.map((d) => d.path)).toEqual(['seed', 'stages.cluster.with.standardize', 'stages.train.with.mode']);
  });

  it('needs two runs, and names a target it cannot find', async () => {
    const one = await run(['exp-a']);
    expect(one.code).toBe(2);
    expect(one.err).toContain('runner compare: needs at least two runs to compare, got 1 (exp-a)\nusage: runner compare');
    const unknown = await run(['exp-a', 'exp-z']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain(`runner compare: no run folder or experiment named "exp-z": ${path.resolve('exp-z')} does not exist and there is no ${path.join(fx.runsDir, 'exp-z')}`);
    expect(unknown.out).toBe('');
  });

  it('writes a self-contained HTML page, and never overwrites one', async () => {
    const file = path.join(fx.runsDir, 'out', 'compare.html');
    const first = await run([fx.probe, fx.partial], { html: file });
    expect(first.code).toBe(0);
    expect(first.err).toBe(`wrote ${file}\n`);
    const html = await fs.readFile(file, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<td class="left">stages.train.with.mode</td><td class="left">probe</td><td class="left">partial</td>');
    expect(html).toContain('<td class="right best">0.950 *</td>');
    expect(html).not.toMatch(/<script|<link|src="http/);
    expect((await fs.readdir(path.dirname(file))).filter((f) => f.endsWith('.tmp'))).toEqual([]);

    const second = await run([fx.partial, fx.probe], { html: file });
    expect(second.code).toBe(2);
    expect(second.err).toBe(`runner compare: ${file} already exists; not overwriting it — choose another --html path or remove the file\n`);
    expect(await fs.readFile(file, 'utf8')).toBe(html);
    expect(existsSync(file)).toBe(true);
  });
});
