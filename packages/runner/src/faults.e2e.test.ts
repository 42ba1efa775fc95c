// Fault injection, end to end: the faults a user meets, each on the real `runner` bin and the small
// synthetic dataset (a few seconds each). A corrupt cache entry and a damaged manifest (detected,
// quarantined, re-run), two runs sharing a cache (one computes, the other waits and reuses), a run
// killed with SIGKILL (the next one says so and cleans up), a full disk (ENOSPC) and a read-only or
// impossible runs folder (one line, exit 2), onBadFile: fail, and what --dry-run catches (a missing
// weights path, an empty unlabelled pool). SIGINT/SIGTERM mid-stage are in run-experiment.e2e.test.ts.
//
// A full disk and a read-only mount are real where this process may mount (root with CAP_SYS_ADMIN:
// a 64 KiB tmpfs, a read-only bind mount); the same faults are also injected everywhere through a
// preloaded module (__fixtures__/inject-fs-fault.mjs) that makes chosen fs calls fail with the
// kernel's error, so CI without mount rights still runs them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from './__fixtures__/make-dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bin = path.resolve(here, '../../../node_modules/.bin/runner');
const cli = path.resolve(here, '../dist/cli.js');
const plugins = path.join(here, '__fixtures__', 'plugins');
const injector = pathToFileURL(path.join(here, '__fixtures__', 'inject-fs-fault.mjs')).href;
const features = path.resolve(here, '../../../examples/plugins/intensity-features.mjs');

let work: string;
const mounts: string[] = [];

/** Whether this process may mount (root in a container with CAP_SYS_ADMIN): probed once. */
const canMount = ((): boolean => {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  const probe = path.join(os.tmpdir(), `mount-probe-${process.pid}`);
  mkdirSync(probe, { recursive: true });
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', [probe]);
  rmdirSync(probe);
  return ok;
})();

function mount(args: string[]): void {
  const res = spawnSync('mount', args, { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mount ${args.join(' ')}: ${res.stderr}`);
}

/** An experiment in its own folder (own cache and runs) over the shared synthetic dataset. */
async function experiment(name: string, options: { classify?: string; data?: string; runsDir?: string; cacheDir?: string } = {}): Promise<string> {
  const dir = path.join(work, name);
  await fs.mkdir(dir, { recursive: true });
  await fs.writeFile(
    path.join(dir, 'exp.yaml'),
    `name: ${name}
seed: 3
data:
  root: ../data
  unlabelled: { dir: sans_label }
${options.data ?? ''}runtime:
  backend: cpu
  cacheDir: ${options.cacheDir ?? './cache'}
  runsDir: ${options.runsDir ?? './runs'}
stages:
  - use: ${features}
    id: feats
  - use: ${path.join(plugins, 'threshold-classifier.mjs')}
    id: classify
    with:
      threshold: 0.4${options.classify ?? ''}
`,
  );
  return dir;
}

interface Cli {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  pid: number;
}

const children = new Set<ReturnType<typeof spawn>>();

function runCli(cwd: string, args: string[], options: { env?: Record<string, string>; watch?: (all: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<Cli> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd, env: { ...process.env, CI: 'true', ...options.env } });
    children.add(child);
    let out = '';
    const on = (b: Buffer): void => {
      out += b.toString();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    const timer = options.watch ? setInterval(() => options.watch?.(out, child), 50) : undefined;
    child.on('close', (code, signal) => {
      children.delete(child);
      clearInterval(timer);
      resolve({ code, signal, out, pid: child.pid as number });
    });
  });
}

/** The runner with chosen fs calls failing as the kernel would fail them (see inject-fs-fault.mjs). */
const injecting = (code: string, ops: string, match: string): Record<string, string> => ({
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${injector}`.trim(),
  FAULT_CODE: code,
  FAULT_OPS: ops,
  FAULT_MATCH: match,
});

async function runDirs(dir: string, name: string): Promise<string[]> {
  const parent = path.join(dir, 'runs', name);
  return existsSync(parent) ? (await fs.readdir(parent)).sort().map((d) => path.join(parent, d)) : [];
}

const summaryOf = async (runDir: string): Promise<{ status: string; exitCode: number; stages: { id: string; status: string; key: string }[] }> =>
  JSON.parse(await fs.readFile(path.join(runDir, 'summary.json'), 'utf8'));

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

beforeAll(async () => {
  expect(existsSync(cli), `build the runner first (npx nx run runner:build): ${cli}`).toBe(true);
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'runner-faults-'));
  await makeDataset(path.join(work, 'data'));
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  for (const m of mounts.reverse()) spawnSync('umount', [m]);
  await fs.rm(work, { recursive: true, force: true });
});

describe('the cache under faults', () => {
  it('a flipped byte in a cached file is detected on the next hit: logged, quarantined (kept), and the stage re-runs', async () => {
    const dir = await experiment('corrupt');
    const first = await runCli(dir, ['exp.yaml']);
    expect(first.code, first.out).toBe(0);
    const key = (await summaryOf((await runDirs(dir, 'corrupt'))[0]!)).stages[0]!.key;
    const parquet = path.join(dir, 'cache', 'stages', key, 'features', 'features.parquet');
    const bytes = await fs.readFile(parquet);
    bytes[Math.floor(bytes.length / 2)] = (bytes[Math.floor(bytes.length / 2)] as number) ^ 0x10;
    await fs.writeFile(parquet, bytes);

    const second = await runCli(dir, ['exp.yaml']);
    expect(second.code, second.out).toBe(0);
    // Before: "stage feats: cache hit" and the flipped bytes went on to the classifier.
    expect(second.out).toMatch(/stage feats: the cache entry \S+ is damaged — output "features" \(FeatureTable\) does not match the hash recorded when it was cached: features\.parquet has changed/);
    const moved = new RegExp(`moved to (\\S+${escape(path.join('cache', 'quarantine', key))}-[^ ]+) \\(look, then delete it\\)`).exec(second.out)?.[1];
    expect(moved, second.out).toBeDefined();
    expect(await fs.readFile(path.join(moved!, 'features', 'features.parquet'))).toEqual(bytes); // kept as found
    expect(second.out).toContain('stage feats: running');
    // Re-computed to the same bytes: classify's key is unchanged, so it stays a (verified) hit.
    const summary = await summaryOf((await runDirs(dir, 'corrupt'))[1]!);
    expect(summary.stages.map((s) => s.status)).toEqual(['ran', 'cache-hit']);
    expect(await fs.readFile(parquet)).not.toEqual(bytes);

    // `cache verify` agrees the cache is sound again; a new flip makes it exit 1, --repair quarantines it.
    expect((await runCli(dir, ['cache', 'verify', '--cache-dir', 'cache'])).code).toBe(0);
    const metrics = path.join(dir, 'cache', 'stages', summary.stages[1]!.key, 'metrics', 'metrics.json');
    await fs.appendFile(metrics, '\n');
    const verify = await runCli(dir, ['cache', 'verify', '--cache-dir', 'cache']);
    expect(verify.code, verify.out).toBe(1);
    expect(verify.out).toContain(`damaged ${summary.stages[1]!.key}: output "metrics" (Metrics)`);
    const repair = await runCli(dir, ['cache', 'verify', '--cache-dir', 'cache', '--repair']);
    expect(repair.code, repair.out).toBe(0);
    expect(repair.out).toMatch(/moved to \S+quarantine/);
    expect((await fs.readdir(path.join(dir, 'cache', 'quarantine'))).length).toBe(2);
  }, 120_000);

  it('a damaged manifest.json: the entry is quarantined with a message saying where, and the stage re-runs (with or without --force)', async () => {
    const dir = await experiment('manifest');
    expect((await runCli(dir, ['exp.yaml'])).code).toBe(0);
    const key = (await summaryOf((await runDirs(dir, 'manifest'))[0]!)).stages[0]!.key;
    const manifest = path.join(dir, 'cache', 'stages', key, 'manifest.json');
    const text = await fs.readFile(manifest, 'utf8');
    await fs.writeFile(manifest, text.slice(0, text.length / 2));

    // Before: the stage re-ran, then its commit failed ("could not be written") on this and every later run.
    const forced = await runCli(dir, ['exp.yaml', '--force', 'feats']);
    expect(forced.code, forced.out).toBe(0);
    expect(forced.out).toMatch(new RegExp(`the cache entry \\S+${escape(key)} is damaged — manifest\\.json is not valid JSON .*; moved to \\S+quarantine`));
    expect(forced.out).toContain('stage feats: running');

    await fs.writeFile(manifest, '{}');
    const plain = await runCli(dir, ['exp.yaml']);
    expect(plain.code, plain.out).toBe(0);
    expect(plain.out).toMatch(/is damaged — manifest\.json is for key undefined/);
    const third = await runCli(dir, ['exp.yaml']);
    expect(third.out).toContain('stage feats: cache hit');
    expect(third.out).not.toContain('damaged');
  }, 120_000);
});

describe('two runs sharing a cache', () => {
  it('the second waits for the stage the first is computing, then uses its result (two processes)', async () => {
    const dir = await experiment('shared', { classify: `\n      holdFile: ${path.join(work, 'shared-go')}` });
    const hold = path.join(work, 'shared-go');
    let second: Promise<Cli> | undefined;
    let secondOut = '';
    const first = runCli(dir, ['exp.yaml'], {
      watch: (all) => {
        // The first run holds classify's lock and waits for the hold file: start the second one.
        if (!second && all.includes('stage classify: running') && existsSync(`${hold}.waiting`)) {
          second = runCli(dir, ['exp.yaml'], {
            watch: (out) => {
              secondOut = out;
              // (Without the lock it runs classify too: release both, and let the assertions below say so.)
              if (out.includes('stage classify: waiting for another run') || out.includes('stage classify: running')) void fs.writeFile(hold, 'go');
            },
          });
        }
      },
    });
    const a = await first;
    expect(a.code, a.out).toBe(0);
    expect(second).toBeDefined();
    const b = await second!;
    expect(b.code, `${b.out}\n--- first ---\n${a.out}`).toBe(0);
    // Before: the second ran classify too, in the same checkpoint folder (and once died with ENOTEMPTY).
    expect(b.out).toContain('stage feats: cache hit');
    expect(b.out).toContain(`stage classify: waiting for another run (pid ${a.pid}) computing stage classify`);
    expect(b.out).toMatch(new RegExp(`stage classify: cache hit \\(\\w+\\), computed by the run it waited for \\(pid ${a.pid}\\)`));
    expect(b.out).not.toContain('stage classify: running');
    expect(secondOut).not.toBe('');
    const [ra, rb] = await runDirs(dir, 'shared');
    expect((await summaryOf(ra!)).stages.map((s) => s.status)).toEqual(['ran', 'ran']);
    expect((await summaryOf(rb!)).stages.map((s) => s.status)).toEqual(['cache-hit', 'cache-hit']);
    // Both released their locks; nothing left in tmp.
    expect(await fs.readdir(path.join(dir, 'cache', 'locks'))).toEqual([]);
    expect(await fs.readdir(path.join(dir, 'cache', 'tmp'))).toEqual([]);
  }, 120_000);

  it('a run killed with SIGKILL: the next one says which run died, removes its leftovers and takes the stage over', async () => {
    const hold = path.join(work, 'killed-go');
    const dir = await experiment('killed', { classify: `\n      holdFile: ${hold}` });
    const killed = await runCli(dir, ['exp.yaml'], {
      watch: (all, child) => {
        if (all.includes('stage classify: running') && existsSync(`${hold}.waiting`)) child.kill('SIGKILL');
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect((await fs.readdir(path.join(dir, 'cache', 'locks'))).length).toBe(1); // its lock is left behind
    await fs.writeFile(hold, 'go');
    const next = await runCli(dir, ['exp.yaml']);
    expect(next.code, next.out).toBe(0);
    // Before: "cache: removed 1 unfinished write(s) left by an interrupted run" — which run, and its lock, unsaid.
    expect(next.out).toMatch(
      new RegExp(`cache: an earlier run \\(pid ${killed.pid}\\) ended without cleaning up \\(killed or crashed\\); removed its 1 unfinished write\\(s\\) \\(work-classify\\) in \\S+ and its lock on stage classify`),
    );
    expect(next.out).toContain('stage classify: running');
    expect(await fs.readdir(path.join(dir, 'cache', 'tmp'))).toEqual([]);
    expect(await fs.readdir(path.join(dir, 'cache', 'locks'))).toEqual([]);
  }, 120_000);
});

describe('the disk under faults: one line naming the path and the fix, exit 2', () => {
  it('ENOSPC while copying a cached stage into the run folder (injected): the cached stage is not blamed', async () => {
    const dir = await experiment('enospc');
    expect((await runCli(dir, ['exp.yaml'])).code).toBe(0);
    const full = await runCli(dir, ['exp.yaml'], { env: injecting('ENOSPC', 'copyFile', `runs/enospc/.*/features\\.parquet$`) });
    // Before: "runner: unexpected error: Error: ENOSPC …" with a stack trace, exit 1.
    expect(full.code, full.out).toBe(2);
    expect(full.out).toMatch(
      /ERROR no space left on the device \(ENOSPC\) while copying stage feats's cached results into the run folder: \S+runs\/enospc\/[^/]+\/features\.parquet; make room there, or set runtime\.runsDir to a folder on a disk with space/,
    );
    expect(full.out).not.toMatch(/stage feats .*failed|unexpected error|\n\s+at /);
    const summary = await summaryOf((await runDirs(dir, 'enospc'))[1]!);
    expect(summary.status).toBe('environment-error');
    expect(summary.stages[0]!.status).toBe('cache-hit');
  }, 120_000);

  it.skipIf(!canMount)('ENOSPC for real: the runs folder on a full 64 KiB tmpfs', async () => {
    const dir = await experiment('tmpfs', { runsDir: './full/runs' });
    const mnt = path.join(dir, 'full');
    await fs.mkdir(mnt);
    mount(['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    mounts.push(mnt);
    // Fill it: the run folder's first bytes find no room.
    const filler = await fs.open(path.join(mnt, 'filler'), 'w');
    try {
      for (;;) await filler.write(Buffer.alloc(4096));
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      await filler.close().catch(() => undefined);
    }
    const res = await runCli(dir, ['exp.yaml']);
    expect(res.code, res.out).toBe(2);
    expect(res.out).toMatch(new RegExp(`no space left on the device \\(ENOSPC\\)[^\\n]*: ${escape(mnt)}/runs/tmpfs/[^\\n]*; make room there, or set runtime\\.runsDir`));
    expect(res.out).not.toMatch(/unexpected error|\n\s+at /);
  }, 120_000);

  it('a runs folder that cannot be made: under a file (ENOTDIR), and read-only (EROFS, injected)', async () => {
    const dir = await experiment('notdir', { runsDir: './a-file/runs' });
    await fs.writeFile(path.join(dir, 'a-file'), 'not a folder');
    const res = await runCli(dir, ['exp.yaml']);
    // Before: "runner: unexpected error: Error: ENOTDIR …" with a stack trace, exit 1.
    expect(res.code, res.out).toBe(2);
    expect(res.out).toContain(`cannot create the run folder ${path.join(dir, 'a-file', 'runs', 'notdir')}: ${path.join(dir, 'a-file')} is a file, not a folder; set runtime.runsDir to a writable folder`);
    expect(res.out).not.toMatch(/unexpected error|\n\s+at /);

    // A read-only mount: Node's recursive mkdir says ENOENT there (what users saw); the runner finds EROFS.
    const ro = await experiment('readonly', { runsDir: './ro/runs' });
    await fs.mkdir(path.join(ro, 'ro'));
    const injected = await runCli(ro, ['exp.yaml'], { env: injecting('EROFS', 'mkdir', `/readonly/ro/runs`) });
    expect(injected.code, injected.out).toBe(2);
    expect(injected.out).toContain(`cannot create the run folder ${path.join(ro, 'ro', 'runs', 'readonly')}: read-only file system (EROFS) in ${path.join(ro, 'ro')}; set runtime.runsDir to a writable folder`);

    // The same for the cache folder: named, with the setting to change.
    const rc = await experiment('rocache', { cacheDir: './ro/cache' });
    await fs.mkdir(path.join(rc, 'ro'));
    const cache = await runCli(rc, ['exp.yaml'], { env: injecting('EROFS', 'mkdir', `/rocache/ro/cache`) });
    expect(cache.code, cache.out).toBe(2);
    expect(cache.out).toMatch(
      new RegExp(`cannot create ${escape(path.join(rc, 'ro', 'cache'))}\\S* while writing the dataset index to the cache: read-only file system \\(EROFS\\) in ${escape(path.join(rc, 'ro'))}; set runtime\\.cacheDir to a writable folder`),
    );
    expect(cache.out).not.toMatch(/unexpected error|\n\s+at /);
  }, 120_000);

  it.skipIf(!canMount)('a read-only runs folder for real (a read-only bind mount)', async () => {
    const dir = await experiment('robind', { runsDir: './ro/runs' });
    const mnt = path.join(dir, 'ro');
    await fs.mkdir(mnt);
    mount(['--bind', mnt, mnt]);
    mounts.push(mnt);
    mount(['-o', 'remount,ro,bind', mnt]);
    const res = await runCli(dir, ['exp.yaml']);
    expect(res.code, res.out).toBe(2);
    expect(res.out).toContain(`cannot create the run folder ${path.join(mnt, 'runs', 'robind')}: read-only file system (EROFS) in ${mnt}; set runtime.runsDir to a writable folder`);
  }, 120_000);
});

describe('errors that used to mislead', () => {
  it('onBadFile: fail lists the bad files once and still writes data-report.json', async () => {
    const dir = await experiment('badfail', { data: '  onBadFile: fail\n' });
    const res = await runCli(dir, ['exp.yaml']);
    expect(res.code, res.out).toBe(2);
    // Before: the list was printed twice and the run folder had no data-report.json.
    expect(res.out.match(/empty\.jpg/g)).toHaveLength(1);
    expect(res.out.match(/truncated\.jpg/g)).toHaveLength(1);
    expect(res.out).toMatch(/2 bad file\(s\) under .* \(data\.onBadFile is 'fail'; 'skip' leaves them out; listed in \S+data-report\.json\)/);
    const [runDir] = await runDirs(dir, 'badfail');
    const report = JSON.stringify(JSON.parse(await fs.readFile(path.join(runDir!, 'data-report.json'), 'utf8')));
    expect(report).toContain('empty.jpg');
    expect(report).toContain('truncated.jpg');
    expect((await summaryOf(runDir!)).status).toBe('invalid-data');
  }, 60_000);

  it('use: clsuter gets "did you mean cluster"', async () => {
    const dir = path.join(work, 'typo');
    await fs.mkdir(dir, { recursive: true });
    const smoke = await fs.readFile(path.resolve(here, '../../../experiments/smoke.yaml'), 'utf8');
    await fs.writeFile(path.join(dir, 'exp.yaml'), smoke.replace('use: cluster', 'use: clsuter').replace('root: ./data', 'root: ../data'));
    const res = await runCli(dir, ['exp.yaml', '--dry-run']);
    expect(res.code, res.out).toBe(2);
    expect(res.out).toMatch(/exp\.yaml:\d+:\d+: stages\[1\]\.use: unknown stage plugin "clsuter" — did you mean cluster\?/);
  }, 60_000);
});

describe('--dry-run fails on what the run would fail on (exit 2)', () => {
  const smokeWith = async (name: string, edit: (yaml: string) => string, dataRoot = '../data'): Promise<string> => {
    const dir = path.join(work, name);
    await fs.mkdir(dir, { recursive: true });
    const smoke = await fs.readFile(path.resolve(here, '../../../experiments/smoke.yaml'), 'utf8');
    await fs.writeFile(path.join(dir, 'exp.yaml'), edit(smoke.replace('root: ./data', `root: ${dataRoot}`).replace('name: smoke', `name: ${name}`)));
    return dir;
  };

  it('a weights path that does not exist', async () => {
    const dir = await smokeWith('noweights', (y) => y.replace('weights: none', 'weights: ./weights/missing.safetensors'));
    const dry = await runCli(dir, ['exp.yaml', '--dry-run']);
    // Before: the dry run passed (exit 0); the run failed in extract.
    expect(dry.code, dry.out).toBe(2);
    expect(dry.out).toContain(`stage extract (use: extract): with.weights: ${path.join(dir, 'weights', 'missing.safetensors')} does not exist`);
    expect(dry.out).toMatch(/extract\s+miss/); // the plan is still shown
  }, 60_000);

  it('ssl with an empty unlabelled pool: the dry run says so, and the run stops before any stage runs', async () => {
    const data = path.join(work, 'data-nopool');
    await fs.cp(path.join(work, 'data', 'avec_labels'), path.join(data, 'avec_labels'), { recursive: true });
    await fs.mkdir(path.join(data, 'sans_label'));
    const dir = await smokeWith('nopool', (y) => y, '../data-nopool');
    const dry = await runCli(dir, ['exp.yaml', '--dry-run']);
    // Before: exit 0; the run then failed in ssl after extract, cluster and train had run.
    expect(dry.code, dry.out).toBe(2);
    expect(dry.out).toMatch(/stage ssl \(use: ssl\): the dataset under \S+ has no unlabelled image .*point data\.unlabelled\.dir at the unlabelled images, or remove the ssl stage/);
    const run = await runCli(dir, ['exp.yaml']);
    expect(run.code, run.out).toBe(2);
    expect(run.out).toContain('cannot run nopool:');
    expect(run.out).not.toContain('stage extract: running');
  }, 60_000);
});
