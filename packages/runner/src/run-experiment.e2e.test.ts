// End to end: a synthetic dataset with bad files, the runner CLI as a user runs it (the installed
// `runner` bin), a test plugin loaded by path. Checks the run folder, cache hits on the second run
// (replayed metric lines, the same report), code-keyed caching, and resume after SIGKILL/SIGTERM.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataset } from './__fixtures__/make-dataset.js';

const here = path.dirname(fileURLToPath(import.meta.url));
// What `npm ci` links and `npx runner` runs: node_modules/.bin/runner → packages/runner/bin/runner.js.
const bin = path.resolve(here, '../../../node_modules/.bin/runner');
const cli = path.resolve(here, '../dist/cli.js');
const plugins = path.join(here, '__fixtures__', 'plugins');
const examplePlugins = path.resolve(here, '../../../examples/plugins');

let work: string;

function yaml(name: string, extra = ''): string {
  return `name: ${name}
seed: 7
data:
  root: ./data
  unlabelled: { dir: sans_label }
  duplicates: { threshold: 4 }
runtime:
  backend: cpu
  cacheDir: ./cache
  runsDir: ./runs
stages:
  - use: ${path.join(examplePlugins, 'intensity-features.mjs')}
    id: feats
    with: { scale: 2 }
  - use: ${path.join(plugins, 'threshold-classifier.mjs')}
    id: classify
    with:
      threshold: 0.4${extra}
`;
}

interface Cli {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
}

const children = new Set<ReturnType<typeof spawn>>();

/** Runs the CLI; `watch` is polled every 50 ms with the output so far and may signal the child. */
function runCli(args: string[], watch?: (all: string, child: ReturnType<typeof spawn>) => void): Promise<Cli> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: work, env: { ...process.env, CI: 'true' } });
    children.add(child);
    let out = '';
    const on = (b: Buffer): void => {
      out += b.toString();
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    const timer = watch ? setInterval(() => watch(out, child), 50) : undefined;
    child.on('close', (code, signal) => {
      children.delete(child);
      clearInterval(timer);
      resolve({ code, signal, out });
    });
  });
}

async function runDirs(name: string): Promise<string[]> {
  const dir = path.join(work, 'runs', name);
  return existsSync(dir) ? (await fs.readdir(dir)).sort().map((d) => path.join(dir, d)) : [];
}

beforeAll(async () => {
  expect(existsSync(cli), `build the runner first (npx nx run runner:build): ${cli}`).toBe(true);
  expect(existsSync(bin), `npm ci links the runner bin: ${bin}`).toBe(true);
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'runner-e2e-'));
  await makeDataset(path.join(work, 'data'));
}, 60_000);

afterAll(async () => {
  // A test that failed half-way must not leave a runner waiting forever.
  for (const child of children) child.kill('SIGKILL');
  await fs.rm(work, { recursive: true, force: true });
});

describe('runner end to end', () => {
  it('runs, writes the run folder, and re-uses the cache on the second run', async () => {
    await fs.writeFile(path.join(work, 'exp.yaml'), yaml('e2e'));
    const first = await runCli(['exp.yaml']);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('stage feats: running');
    expect(first.out).toContain('stage classify: running');
    expect(first.out).toMatch(/2 bad files? skipped|bad files?/);

    const [dir] = await runDirs('e2e');
    expect(dir).toBeDefined();
    const files = (await fs.readdir(dir!)).sort();
    expect(files).toEqual(
      [
        'artifacts.json',
        'classify-metrics.json',
        'config.resolved.yaml',
        'data-report.json',
        'features.parquet',
        'figures',
        'metrics.jsonl',
        'report.html',
        'run.log',
        'summary.json',
      ].sort(),
    );
    const summary = JSON.parse(await fs.readFile(path.join(dir!, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('ok');
    expect(summary.format).toBe('neuro-ssl-run/1');
    expect(summary.seed).toBe(7);
    // Provenance: which code, Node, backend, machine and inputs made this run.
    const { provenance } = summary;
    expect(provenance.git?.commit ?? null).toSatisfy((c: string | null) => c === null || /^[0-9a-f]{40}$/.test(c));
    expect(provenance.packages['@neuro-ssl/core']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(provenance.node).toBe(process.version);
    expect(provenance.backend).toEqual({ requested: 'cpu', used: null }); // these plugins never load TensorFlow
    expect(provenance.cpu.cores).toBe(os.cpus().length);
    expect(provenance.inputs.files).toBe(13);
    expect(provenance.inputs.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.stages[1].metrics.metrics).toMatchObject({ n: 8, accuracy: 1 });
    expect(JSON.parse(await fs.readFile(path.join(dir!, 'classify-metrics.json'), 'utf8')).values.accuracy).toBe(1);
    expect(summary.stages.map((s: { status: string }) => s.status)).toEqual(['ran', 'ran']);
    expect(summary.stages[1].headlines).toEqual(['accuracy 8/8']);
    const report = JSON.parse(await fs.readFile(path.join(dir!, 'data-report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('empty.jpg');
    expect(JSON.stringify(report)).toContain('truncated.jpg');

    // 8 labelled + 3 unlabelled jpg + png-named.jpg + rgba.png = 13 good images; 2 bad ones dropped
    const artifacts = JSON.parse(await fs.readFile(path.join(dir!, 'artifacts.json'), 'utf8'));
    expect(Object.keys(artifacts).sort()).toEqual(['classify.metrics', 'classify.plot', 'dataset', 'feats.features']);
    const metrics = JSON.parse(await fs.readFile(path.join(artifacts['classify.metrics'].path, 'metrics.json'), 'utf8'));
    expect(metrics.values.n).toBe(8);
    // bright "tumour" heads (shade ≥150, ×2 scale) vs dark normal ones: the threshold separates them
    expect(metrics.values.accuracy).toBe(1);

    const resolved = await fs.readFile(path.join(dir!, 'config.resolved.yaml'), 'utf8');
    expect(resolved).toContain('fail: false'); // plugin default filled in
    expect(resolved).toContain('onBadFile: skip'); // core default filled in
    const jsonl = (await fs.readFile(path.join(dir!, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl.map((r) => r.stage)).toEqual(['feats', 'classify']);
    expect(jsonl[1].accuracy).toBe(1);
    expect((await fs.readdir(path.join(dir!, 'figures'))).sort()).toEqual(['index.json', 'threshold.png']);
    expect(JSON.parse(await fs.readFile(path.join(dir!, 'figures', 'index.json'), 'utf8'))).toEqual([
      { stage: 'classify', output: 'plot', file: 'threshold.png', format: 'png', title: expect.any(String) as unknown as string },
    ]);
    const html = await fs.readFile(path.join(dir!, 'report.html'), 'utf8');
    expect(html).toContain('accuracy 8/8');
    expect(html).toContain('data:image/png;base64,');
    expect(await fs.readFile(path.join(dir!, 'run.log'), 'utf8')).toContain('stage classify: done');

    const second = await runCli(['exp.yaml']);
    expect(second.code, second.out).toBe(0);
    expect(second.out).toContain('stage feats: cache hit');
    expect(second.out).toContain('stage classify: cache hit');
    const dirs = await runDirs('e2e');
    expect(dirs).toHaveLength(2); // a new folder, the first one untouched
    const s2 = JSON.parse(await fs.readFile(path.join(dirs[1]!, 'summary.json'), 'utf8'));
    expect(s2.stages.map((s: { status: string }) => s.status)).toEqual(['cache-hit', 'cache-hit']);
    expect(s2.stages[1].headlines).toEqual(['accuracy 8/8']); // a cache hit reports the stage's result again
    expect(second.out).toContain('stage classify (cached): accuracy 8/8');
    expect(JSON.parse(await fs.readFile(path.join(dirs[1]!, 'artifacts.json'), 'utf8'))).toEqual(artifacts);
    // The second run folder stands alone: the same metric lines, replayed from the cache and marked so.
    const jsonl2 = (await fs.readFile(path.join(dirs[1]!, 'metrics.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl2).toEqual(jsonl.map((line) => ({ ...line, cached: true })));
    expect(s2.stages[1].metrics).toEqual(summary.stages[1].metrics);
    // The cached stage's own run time (without the first run's export), kept with the entry.
    expect(s2.stages[1].originalDurationMs).toBeGreaterThanOrEqual(0);
    expect(s2.stages[1].originalDurationMs).toBeLessThanOrEqual(summary.stages[1].durationMs);
    const html2 = await fs.readFile(path.join(dirs[1]!, 'report.html'), 'utf8');
    expect(html2).toContain('accuracy 8/8');
    expect(html2.match(/data:image\/png;base64,[A-Za-z0-9+/=]+/g)).toEqual(html.match(/data:image\/png;base64,[A-Za-z0-9+/=]+/g));

    const dry = await runCli(['exp.yaml', '--dry-run', '--force', 'classify']);
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toMatch(/feats\s+hit/);
    expect(dry.out).toMatch(/classify\s+run\s+\(forced\)/);
    expect(await runDirs('e2e')).toHaveLength(2); // a dry run writes no run folder

    const forced = await runCli(['exp.yaml', '--force', 'classify']);
    expect(forced.out).toContain('stage feats: cache hit');
    expect(forced.out).toContain('stage classify: running');

    // A config change upstream invalidates downstream.
    await fs.writeFile(path.join(work, 'exp.yaml'), yaml('e2e').replace('scale: 2', 'scale: 3'));
    const changed = await runCli(['exp.yaml', '--dry-run']);
    expect(changed.out).toMatch(/feats\s+miss/);
    expect(changed.out).toMatch(/classify\s+run\s+\(an upstream stage runs first\)/);

    // And a change of a plugin's code, even with the same name and version.
    // A copy outside the repo, beside a link to the repo's node_modules so that its `import sharp` resolves.
    await fs.mkdir(path.join(work, 'own-plugins'), { recursive: true });
    await fs.symlink(path.resolve(here, '../../../node_modules'), path.join(work, 'own-plugins', 'node_modules'));
    const pluginCopy = path.join(work, 'own-plugins', 'classifier-copy.mjs');
    const source = await fs.readFile(path.join(plugins, 'threshold-classifier.mjs'), 'utf8');
    await fs.writeFile(pluginCopy, source);
    const copied = yaml('e2e').replace(path.join(plugins, 'threshold-classifier.mjs'), pluginCopy);
    await fs.writeFile(path.join(work, 'exp.yaml'), copied);
    expect((await runCli(['exp.yaml'])).code).toBe(0);
    expect((await runCli(['exp.yaml', '--dry-run'])).out).toMatch(/classify\s+hit/);
    await fs.writeFile(pluginCopy, `${source}\n// an edit that changes no version\n`);
    const edited = await runCli(['exp.yaml', '--dry-run']);
    expect(edited.out).toMatch(/feats\s+hit/);
    expect(edited.out).toMatch(/classify\s+miss/);

    // So does a change of the data block that the dataset scan does not see (stages read preprocessing).
    await fs.writeFile(path.join(work, 'exp.yaml'), yaml('e2e').replace('  duplicates: { threshold: 4 }', '  duplicates: { threshold: 4 }\n  preprocess: { imageSize: 96 }'));
    const preprocessed = await runCli(['exp.yaml', '--dry-run']);
    expect(preprocessed.out).toMatch(/feats\s+miss/);
  }, 120_000);

  it('exit 2 with file:line:column on an invalid plugin config; exit 1 naming a failed stage', async () => {
    await fs.writeFile(path.join(work, 'bad.yaml'), yaml('bad').replace('scale: 2', 'scale: two'));
    const bad = await runCli(['bad.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/bad\.yaml:\d+:\d+: stages\[0\]\.with\.scale/);
    expect(await runDirs('bad')).toHaveLength(0);

    await fs.writeFile(path.join(work, 'fail.yaml'), yaml('fail', '\n      fail: true'));
    const failed = await runCli(['fail.yaml']);
    expect(failed.code).toBe(1);
    expect(failed.out).toMatch(/stage classify \(threshold-classifier\) failed: .*asked to fail/);
    const [dir] = await runDirs('fail');
    const summary = JSON.parse(await fs.readFile(path.join(dir!, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('failed');
    // The report is written after a failure too, showing what ran and the error.
    const failedReport = await fs.readFile(path.join(dir!, 'report.html'), 'utf8');
    expect(failedReport).toContain('asked to fail');
    // feats has the same config, seed and data as in the first test: a cache hit across experiments
    expect(summary.stages.map((s: { status: string }) => s.status)).toEqual(['cache-hit', 'failed']);
  }, 120_000);

  it('exit 2 on a label map that does not match the folders, suggesting the near match', async () => {
    await fs.writeFile(path.join(work, 'labels.yaml'), yaml('labels').replace('  unlabelled:', '  labelled: { classes: { cancer: 1, Normal: 0 } }\n  unlabelled:'));
    const res = await runCli(['labels.yaml']);
    expect(res.code, res.out).toBe(2);
    expect(res.out).toMatch(/class "cancer".*did you mean "Cancer"/s);
    const [dir] = await runDirs('labels');
    expect(JSON.parse(await fs.readFile(path.join(dir!, 'summary.json'), 'utf8')).status).toBe('invalid-data');
  }, 60_000);

  it('experiments/smoke.yaml: extract → cluster → train → ssl by short name, weights none, tables, models, figures and the verdict in the run folder', async () => {
    const smoke = await fs.readFile(path.resolve(here, '../../../experiments/smoke.yaml'), 'utf8');
    await fs.writeFile(path.join(work, 'smoke.yaml'), smoke);
    const first = await runCli(['smoke.yaml']);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/weights: none .*no ImageNet knowledge/);
    expect(first.out).toMatch(/tensorflow backend: cpu/);
    const [dir] = await runDirs('smoke');
    const artifacts = JSON.parse(await fs.readFile(path.join(dir!, 'artifacts.json'), 'utf8'));
    expect(artifacts['extract.features'].kind).toBe('FeatureTable');
    const parquet = await fs.readFile(path.join(dir!, 'features.parquet'));
    expect(parquet.subarray(0, 4).toString()).toBe('PAR1');
    // the cluster stage (by short name too) consumed the features: report, table and figures
    expect(artifacts['cluster.report'].kind).toBe('ClusterReport');
    expect((await fs.readFile(path.join(dir!, 'clusters.parquet'))).subarray(0, 4).toString()).toBe('PAR1');
    const figures = (await fs.readdir(path.join(dir!, 'figures'))).sort();
    expect(figures).toContain('pca-kmeans.png');
    expect(figures).toContain('tsne-by-class.svg');
    expect(first.out).toMatch(/pca × kmeans: \d+ clusters, \d+ noise, ARI/);
    // train and ssl, by short name: Models exported to the run folder, the verdict in summary.json
    expect(artifacts['train.model'].kind).toBe('Model');
    expect(artifacts['ssl.pseudoLabels'].kind).toBe('PseudoLabels');
    for (const m of ['train-model', 'ssl-model']) expect(existsSync(path.join(dir!, m, 'model', 'model.json')), m).toBe(true);
    expect(figures).toEqual(expect.arrayContaining(['train-loss.png', 'train-reliability.svg', 'ssl-confidence.png']));
    const summary = JSON.parse(await fs.readFile(path.join(dir!, 'summary.json'), 'utf8'));
    const headlines = Object.fromEntries(summary.stages.map((st: { id: string; headlines?: string[] }) => [st.id, st.headlines ?? []]));
    expect(headlines.train[0]).toMatch(/^best epoch \d+: validation \(2 images\) F2 /);
    expect(headlines.ssl[0]).toMatch(/^verdict: SSL (did not beat|beat) the supervised baseline/);
    const second = await runCli(['smoke.yaml']);
    expect(second.out).toContain('stage extract: cache hit');
    expect(second.out).toContain('stage cluster: cache hit');
    expect(second.out).toContain('stage ssl (cached): verdict:');

    // The benchmark labels of the pool reach ssl alone (a PoolLabels input): adding or editing the
    // labels file re-runs ssl, while extract, cluster and train stay cache hits.
    const labelsCsv = (u0: string): string => `filename,label\nu0.jpg,${u0}\nu1.jpg,Normal\nu2.jpg,Cancer\nrgba.png,Cancer\n`;
    await fs.writeFile(path.join(work, 'pool-labels.csv'), labelsCsv('Cancer'));
    const withLabels = smoke.replace('  unlabelled: { dir: sans_label }', '  unlabelled: { dir: sans_label, labelsFile: pool-labels.csv }');
    expect(withLabels).not.toBe(smoke);
    await fs.writeFile(path.join(work, 'smoke.yaml'), withLabels);
    const planOf = async (): Promise<string> => (await runCli(['smoke.yaml', '--dry-run'])).out;
    const added = await planOf();
    for (const stage of ['extract', 'cluster', 'train']) expect(added).toMatch(new RegExp(`${stage}\\s+hit`));
    expect(added).toMatch(/ssl\s+miss/);
    const benchmark = await runCli(['smoke.yaml']);
    expect(benchmark.code, benchmark.out).toBe(0);
    expect(benchmark.out).toMatch(/benchmark mode: true labels for 4 of \d+ unlabelled images/);
    await fs.writeFile(path.join(work, 'pool-labels.csv'), labelsCsv('Normal'));
    const edited = await planOf();
    for (const stage of ['extract', 'cluster', 'train']) expect(edited).toMatch(new RegExp(`${stage}\\s+hit`));
    expect(edited).toMatch(/ssl\s+miss/);
  }, 300_000);

  it('inspect-data prints the summary and writes the sample grid and data report', async () => {
    const res = await runCli(['inspect-data', 'exp.yaml', '--out', 'inspect', '--per-class', '2']);
    expect(res.code, res.out).toBe(0);
    expect(res.out).toMatch(/Cancer\D+4/);
    expect(res.out).toContain('truncated.jpg');
    const sharp = (await import('sharp')).default;
    const meta = await sharp(path.join(work, 'inspect', 'samples.png')).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBeGreaterThan(100);
    const report = JSON.parse(await fs.readFile(path.join(work, 'inspect', 'data-report.json'), 'utf8'));
    expect(JSON.stringify(report)).toContain('empty.jpg');
  }, 120_000);

  it('--only and --from select what runs', async () => {
    await fs.writeFile(path.join(work, 'sel.yaml'), yaml('sel').replace('scale: 2', 'scale: 4'));
    const notCached = await runCli(['sel.yaml', '--only', 'classify']);
    expect(notCached.code).toBe(2);
    expect(notCached.out).toContain('--only classify: stage feats has no cached outputs; run without --only first');

    const onlyFeats = await runCli(['sel.yaml', '--only', 'feats']);
    expect(onlyFeats.code, onlyFeats.out).toBe(0);
    const d1 = (await runDirs('sel')).at(-1);
    const s1 = JSON.parse(await fs.readFile(path.join(d1!, 'summary.json'), 'utf8'));
    expect(s1.stages.map((s: { status: string }) => s.status)).toEqual(['ran', 'skipped']);

    const from = await runCli(['sel.yaml', '--from', 'feats']);
    expect(from.out).toContain('stage feats: running intensity-features@1.0.0 (forced)');
    expect(from.out).toContain('stage classify: running');
    const rerunOnly = await runCli(['sel.yaml', '--only', 'classify', '--force', 'classify']);
    expect(rerunOnly.out).toContain('stage feats: cache hit');
    expect(rerunOnly.out).toContain('stage classify: running threshold-classifier@1.0.0 (forced)');

    const unknown = await runCli(['sel.yaml', '--from', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('no stage "nope" (stages: feats, classify)');
  }, 120_000);

  it('resumes after the last completed stage when killed with SIGKILL', async () => {
    const hold = path.join(work, 'release');
    await fs.writeFile(path.join(work, 'kill.yaml'), yaml('kill', `\n      holdFile: ${hold}`).replace('scale: 2', 'scale: 5'));
    const killed = await runCli(['kill.yaml'], (all, child) => {
      if (all.includes('stage classify: running') && existsSync(`${hold}.waiting`)) child.kill('SIGKILL');
    });
    expect(killed.signal).toBe('SIGKILL');
    // No half-written artifact: every cache entry has its manifest.
    const stages = await fs.readdir(path.join(work, 'cache', 'stages'));
    for (const s of stages) expect(existsSync(path.join(work, 'cache', 'stages', s, 'manifest.json'))).toBe(true);

    await fs.writeFile(hold, 'go');
    const resumed = await runCli(['kill.yaml']);
    expect(resumed.code, resumed.out).toBe(0);
    expect(resumed.out).toContain('stage feats: cache hit');
    expect(resumed.out).toContain('stage classify: running');
  }, 120_000);

  it.each([
    ['SIGINT', 6],
    ['SIGTERM', 7],
  ] as const)('stops cleanly on %s at a safe point, caching nothing for the interrupted stage', async (sig, scale) => {
    const hold = path.join(work, `never-${sig}`);
    const name = `int-${sig.toLowerCase()}`;
    await fs.writeFile(path.join(work, 'int.yaml'), yaml(name, `\n      holdFile: ${hold}`).replace('scale: 2', `scale: ${scale}`));
    let sent = false;
    const interrupted = await runCli(['int.yaml'], (all, child) => {
      if (!sent && all.includes('stage classify: running') && existsSync(`${hold}.waiting`)) {
        sent = true;
        child.kill(sig);
      }
    });
    expect(interrupted.code, interrupted.out).toBe(130);
    const [dir] = await runDirs(name);
    expect(existsSync(path.join(dir!, 'report.html'))).toBe(true);
    const summary = JSON.parse(await fs.readFile(path.join(dir!, 'summary.json'), 'utf8'));
    expect(summary.status).toBe('interrupted');
    expect(summary.stages.map((s: { status: string }) => s.status)).toEqual(['ran', 'interrupted']);
    const dry = await runCli(['int.yaml', '--dry-run']);
    expect(dry.out).toMatch(/feats\s+hit/);
    expect(dry.out).toMatch(/classify\s+miss/);
  }, 120_000);
});
