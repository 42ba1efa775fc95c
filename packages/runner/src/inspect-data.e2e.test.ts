// `runner inspect-data --augment strong|weak` as a user runs it (the installed `runner` bin) on the
// small synthetic dataset: the grid of augmented views, its JSON, the policy read from the experiment.
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from './__fixtures__/make-dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../../node_modules/.bin/runner');
const cli = path.resolve(here, '../dist/cli.js');

let work: string;

/** Exit code and all output of `runner <args>` in the work folder. */
async function runCli(args: string[]): Promise<{ code: number; out: string }> {
  return promisify(execFile)(bin, args, { cwd: work, env: { ...process.env, CI: 'true' } }).then(
    ({ stdout, stderr }) => ({ code: 0, out: stdout + stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, out: err.stdout + err.stderr }),
  );
}

function yaml(strongAugment: string): string {
  return `name: inspect
seed: 7
data:
  root: ./data
  unlabelled: { dir: sans_label }
  preprocess: { imageSize: 64 }
runtime:
  backend: cpu
  runsDir: ./runs
stages:
  - use: train
    with: { mode: probe${strongAugment} }
`;
}

interface GridJson {
  level: string;
  seed: number;
  views: number;
  policy?: { ops: number; magnitude: number };
  policyFrom?: string;
  samples: { id: string; label: string; views: { ops?: string[]; params: Record<string, unknown> }[] | null }[];
}

beforeAll(async () => {
  expect(existsSync(cli), `build the runner first (npx nx run runner:build): ${cli}`).toBe(true);
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'runner-inspect-'));
  await makeDataset(path.join(work, 'data'));
}, 60_000);

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('runner inspect-data --augment', () => {
  it('writes a grid of strong views under the experiment’s policy, the same bytes for the same seed', async () => {
    await fs.writeFile(path.join(work, 'exp.yaml'), yaml(', strongAugment: { ops: 3, magnitude: 6 }'));
    const res = await runCli(['inspect-data', 'exp.yaml', '--out', 'a', '--per-class', '2', '--augment', 'strong', '--views', '3']);
    expect(res.code, res.out).toBe(0);
    expect(res.out).toContain('strong policy: ops 3, magnitude 6 (stage train)');
    const png = path.join(work, 'a', 'augment-strong.png');
    const meta = await sharp(png).metadata();
    // 2 Cancer + 2 Normal + 2 unlabelled rows; the preprocessed image and 3 views, 160 px tiles.
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 2 * 8 + 4 * 160 + 3 * 4, 8 + 6 * (22 + 160 + 16 + 10)]);
    const grid = JSON.parse(await fs.readFile(path.join(work, 'a', 'augment-strong.json'), 'utf8')) as GridJson;
    expect(grid).toMatchObject({ level: 'strong', seed: 7, views: 3, policy: { ops: 3, magnitude: 6 }, policyFrom: 'stage train' });
    expect(grid.samples.map((s) => s.label)).toEqual(['Cancer', 'Cancer', 'Normal', 'Normal', 'unlabelled', 'unlabelled']);
    for (const s of grid.samples.filter((s) => s.views !== null)) {
      expect(s.views).toHaveLength(3);
      for (const v of s.views!) {
        expect(new Set(v.ops).size).toBe(3);
        expect(Math.abs(v.params.rotation as number)).toBeLessThanOrEqual(18);
        expect(v.params.cutout).not.toBeNull();
      }
    }
    // The samples grid is still written; a second run gives the same picture.
    expect(existsSync(path.join(work, 'a', 'samples.png'))).toBe(true);
    const again = await runCli(['inspect-data', 'exp.yaml', '--out', 'b', '--per-class', '2', '--augment', 'strong', '--views', '3']);
    expect(again.code, again.out).toBe(0);
    expect((await fs.readFile(path.join(work, 'b', 'augment-strong.png'))).equals(await fs.readFile(png))).toBe(true);
  }, 120_000);

  it('weak views, the default policy when no stage sets one, and a bad policy named with its line', async () => {
    await fs.writeFile(path.join(work, 'plain.yaml'), yaml(''));
    const weak = await runCli(['inspect-data', 'plain.yaml', '--out', 'w', '--per-class', '1', '--augment', 'weak']);
    expect(weak.code, weak.out).toBe(0);
    const grid = JSON.parse(await fs.readFile(path.join(work, 'w', 'augment-weak.json'), 'utf8')) as GridJson;
    expect(grid.views).toBe(4);
    expect(grid.policy).toBeUndefined();
    expect(grid.samples[0]!.views![0]!.params.cutout).toBeNull();

    const strong = await runCli(['inspect-data', 'plain.yaml', '--out', 's', '--per-class', '1', '--augment', 'strong', '--views', '1']);
    expect(strong.out).toContain('strong policy: ops 2, magnitude 10 (the default: no stage sets strongAugment)');

    await fs.writeFile(path.join(work, 'bad.yaml'), yaml(', strongAugment: { ops: 2, magnitude: 11 }'));
    const bad = await runCli(['inspect-data', 'bad.yaml', '--augment', 'strong']);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/bad\.yaml:\d+:\d+: stages\[0\]\.with\.strongAugment\.magnitude: .*10/);

    const help = await runCli(['inspect-data', '--help']);
    expect(help.out).toContain('npx runner inspect-data experiments/exp02-mobilenet.yaml --augment strong --views 6');
  }, 120_000);
});
