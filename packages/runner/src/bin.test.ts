// The first thing every user types: `npx runner …` right after `npm ci && npm run build`. npm links a
// workspace's bin at install time only if its target exists then, so the bin is a committed file
// (bin/runner.js) that loads the built CLI — never a path into dist/.
import { execFile } from 'node:child_process';
import { existsSync, promises as fs, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../../..');
const binFile = path.resolve(here, '../bin/runner.js');

describe('the runner bin', () => {
  it('is linked by npm install and points at the committed bin file, not into dist/', async () => {
    const link = path.join(root, 'node_modules', '.bin', 'runner');
    expect(existsSync(link), `${link} is missing: npm ci did not link the runner bin`).toBe(true);
    expect(realpathSync(link)).toBe(realpathSync(binFile));
    const pkg = JSON.parse(await fs.readFile(path.resolve(here, '../package.json'), 'utf8')) as { bin: Record<string, string>; files: string[] };
    expect(pkg.bin.runner).toBe('./bin/runner.js');
    expect(pkg.files).toContain('bin');
  });

  it('`npx --no-install runner --help` reaches our CLI from the project root', async () => {
    const { stdout } = await run('npx', ['--no-install', 'runner', '--help'], { cwd: root, env: { ...process.env, CI: 'true' } });
    expect(stdout).toMatch(/^Usage: runner \[options\] \[command\]/);
    expect(stdout).toContain('neuro-ssl');
    const predict = await run('npx', ['--no-install', 'runner', 'help', 'predict'], { cwd: root });
    expect(predict.stdout).toContain('Usage: runner predict [options] <images...>');
  }, 60_000);

  it('says to build first when dist/ is missing', async () => {
    const pkg = await fs.mkdtemp(path.join(os.tmpdir(), 'runner-bin-'));
    await fs.mkdir(path.join(pkg, 'bin'));
    await fs.copyFile(binFile, path.join(pkg, 'bin', 'runner.js'));
    await fs.writeFile(path.join(pkg, 'package.json'), '{"type":"module"}');
    const failed = await run(process.execPath, [path.join(pkg, 'bin', 'runner.js'), '--help']).then(
      () => null,
      (err: { code: number; stderr: string }) => err,
    );
    expect(failed?.code).toBe(2);
    expect(failed?.stderr).toContain('the CLI is not built yet');
    expect(failed?.stderr).toContain('run `npm run build` first');
    await fs.rm(pkg, { recursive: true, force: true });
  });
});
