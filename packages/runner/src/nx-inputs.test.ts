// `nx affected -t test` and Nx's local cache replay a pass only if nothing a test reads has changed:
// every file outside its package that a test reads must be a declared input of the test target.
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface NxJson {
  namedInputs: Record<string, (string | Record<string, string>)[]>;
  targetDefaults: Record<string, { inputs?: (string | Record<string, string>)[] }>;
}

/** The workspace-root folders and files the test target's inputs cover (first path segment). */
function coveredRoots(nx: NxJson): Set<string> {
  const expand = (inputs: (string | Record<string, string>)[]): string[] =>
    inputs.flatMap((i) => (typeof i === 'string' ? (nx.namedInputs[i.replace(/^\^/, '')] ? expand(nx.namedInputs[i.replace(/^\^/, '')]!) : [i]) : []));
  return new Set(
    expand(nx.targetDefaults.test?.inputs ?? [])
      .filter((i) => i.startsWith('{workspaceRoot}/'))
      .map((i) => i.slice('{workspaceRoot}/'.length).split('/')[0] as string),
  );
}

async function testSources(): Promise<{ file: string; text: string }[]> {
  const out: { file: string; text: string }[] = [];
  for (const pkg of await fs.readdir(path.join(root, 'packages'))) {
    const src = path.join(root, 'packages', pkg, 'src');
    for (const e of await fs.readdir(src, { recursive: true, withFileTypes: true })) {
      if (e.isFile() && /\.ts$/.test(e.name) && (/\.test\.ts$/.test(e.name) || e.parentPath.includes('__fixtures__'))) {
        const file = path.join(e.parentPath, e.name);
        out.push({ file, text: await fs.readFile(file, 'utf8') });
      }
    }
  }
  return out;
}

describe('Nx test inputs', () => {
  it('cover every workspace-root path a test or fixture reads', async () => {
    const nx = JSON.parse(await fs.readFile(path.join(root, 'nx.json'), 'utf8')) as NxJson;
    const covered = coveredRoots(nx);
    expect([...covered]).toEqual(expect.arrayContaining(['experiments', 'README.md', 'reference', 'examples']));
    // Outputs and caches, not inputs.
    // '..' is ../shared, outside the workspace: the runtime input below fingerprints it.
    const notInputs = new Set(['node_modules', '.neuro-ssl', 'runs', 'packages', '..']);
    const missing: string[] = [];
    for (const { file, text } of await testSources()) {
      // Its own patterns, and the import specifiers the boundaries test lints as text, are no reads.
      if (file === fileURLToPath(import.meta.url) || file.endsWith('boundaries.test.ts')) continue;
      // REPO_ROOT, 'x/…'  |  '../../../x/…' (from packages/<p>/src)  |  '../../../../x' (one folder deeper)
      const refs = [
        ...text.matchAll(/REPO_ROOT, '([^'/]+)/g),
        ...[...text.matchAll(/'(?:\.\.\/){3,4}([^'./][^'/]*)/g)].filter((m) => {
          const depth = path.relative(path.join(root, 'packages'), path.dirname(file)).split(path.sep).length + 1;
          return (m[0].match(/\.\.\//g) ?? []).length === depth;
        }),
      ].map((m) => m[1] as string);
      for (const ref of refs) if (!covered.has(ref) && !notInputs.has(ref)) missing.push(`${path.relative(root, file)} reads ${ref}`);
    }
    expect(missing).toEqual([]);
    // The shared data beside the project is outside the workspace: a runtime input fingerprints it.
    expect(nx.namedInputs.testInputs).toContainEqual({ runtime: 'node scripts/shared-fingerprint.mjs' });
    expect(nx.namedInputs.testInputs).toContainEqual({ env: 'NEURO_SSL_SHARED_DIR' });
  });

  it('the shared-data fingerprint changes when a shared file changes', async () => {
    const shared = await fs.mkdtemp(path.join(os.tmpdir(), 'shared-'));
    await fs.mkdir(path.join(shared, 'datasets'));
    await fs.writeFile(path.join(shared, 'datasets', 'a.jpg'), 'one');
    const fingerprint = async (): Promise<string> =>
      (await run(process.execPath, [path.join(root, 'scripts/shared-fingerprint.mjs')], { env: { ...process.env, NEURO_SSL_SHARED_DIR: shared } })).stdout;
    const before = await fingerprint();
    expect(before).toMatch(/ 1 files [0-9a-f]{16}\n$/);
    expect(await fingerprint()).toBe(before);
    await fs.writeFile(path.join(shared, 'datasets', 'a.jpg'), 'three');
    const after = await fingerprint();
    expect(after).not.toBe(before);
    await fs.writeFile(path.join(shared, 'datasets', 'b.jpg'), 'x');
    expect(await fingerprint()).toMatch(/ 2 files /);
    await fs.rm(shared, { recursive: true, force: true });
  });
});
