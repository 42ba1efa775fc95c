#!/usr/bin/env node
// End-to-end time of one experiment with an empty stage cache: copies the experiment YAML into a fresh
// private folder (so its cacheDir and runsDir, relative to the YAML, are empty and nobody else's), runs
// the project's runner on it, and appends the wall time, the per-stage times (the run folder's
// summary.json) and the machine load to a results JSON. `--root` runs another checkout's build (e.g. a
// git worktree of an older commit, built) with the same measurement, for before/after.
//
//   npm run build && node bench/e2e/run.mjs --experiment experiments/exp02-mobilenet.yaml [--label after]
//     [--root /path/to/checkout] [--out bench/results/e2e-exp02.json] [--keep]
//
// The YAML is copied byte for byte to <tmp>/neuro-ssl-e2e-XXXX/project/experiments/, and
// <tmp>/neuro-ssl-e2e-XXXX/shared links to the checkout's sibling shared/ folder: the experiments'
// `../../shared/...` data and weights paths resolve as they do in the checkout. The folder is deleted
// afterwards unless --keep.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const fail = (message) => {
  process.stderr.write(`bench/e2e: ${message}\n`);
  process.exit(2);
};
const experimentArg = arg('experiment');
if (!experimentArg) fail('--experiment <file.yaml> is required (relative to --root, e.g. experiments/exp02-mobilenet.yaml)');
const root = path.resolve(arg('root', path.join(here, '..', '..')));
const label = arg('label', 'after');
const out = path.resolve(arg('out', path.join(here, '..', 'results', `e2e-${path.basename(experimentArg, '.yaml').split('-')[0]}.json`)));
const keep = argv.includes('--keep');
const experiment = path.resolve(root, experimentArg);
const cli = path.join(root, 'packages', 'runner', 'dist', 'cli.js');
if (!existsSync(experiment)) fail(`experiment ${experiment} not found`);
if (!existsSync(cli)) fail(`${cli} not found: build that checkout first (npx nx run-many -t build)`);
const shared = path.join(root, '..', 'shared');
if (!existsSync(shared)) fail(`${shared} not found: the experiments read ../../shared (link it: ln -sfn /path/to/shared ${shared})`);

const git = (args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};
const r2 = (x) => Math.round(x * 100) / 100;

// ---- a private copy whose relative paths resolve as in the checkout -------------------------------
const work = mkdtempSync(path.join(os.tmpdir(), 'neuro-ssl-e2e-'));
symlinkSync(realpathSync(shared), path.join(work, 'shared'));
const project = path.join(work, 'project');
mkdirSync(path.join(project, 'experiments'), { recursive: true });
const yamlCopy = path.join(project, 'experiments', path.basename(experiment));
copyFileSync(experiment, yamlCopy);
const config = parse(readFileSync(yamlCopy, 'utf8'));
const cacheDir = path.resolve(path.dirname(yamlCopy), config?.runtime?.cacheDir ?? '.neuro-ssl/cache');
const runsDir = path.resolve(path.dirname(yamlCopy), config?.runtime?.runsDir ?? 'runs');
for (const [field, dir] of [['runtime.cacheDir', cacheDir], ['runtime.runsDir', runsDir]]) {
  if (!dir.startsWith(work + path.sep)) rmSync(work, { recursive: true, force: true });
  if (!dir.startsWith(work + path.sep)) fail(`${experimentArg}: ${field} resolves to ${dir}, outside the private folder ${work}: make it relative`);
  if (existsSync(dir) && readdirSync(dir).length) fail(`${dir} is not empty`);
}

// ---- the run --------------------------------------------------------------------------------------
// What is built, read before the run: others may commit while it runs.
const commit = git(['rev-parse', 'HEAD']);
const uncommittedFiles = git(['status', '--short'])?.split('\n').filter(Boolean).length ?? null;
const logFile = path.join(work, 'runner.out');
const logStream = createWriteStream(logFile);
const loadBefore = os.loadavg().map(r2);
const samples = [];
const sampler = setInterval(() => samples.push(os.loadavg()[0]), 10_000);
const date = new Date().toISOString();
process.stderr.write(`bench/e2e: ${label}: ${root} (${git(['rev-parse', '--short', 'HEAD']) ?? '?'}) runs ${experimentArg} in ${work}\n`);
const t0 = performance.now();
const exitCode = await new Promise((resolve) => {
  const child = spawn(process.execPath, [cli, 'run', yamlCopy], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipe(logStream, { end: false });
    stream.pipe(process.stderr, { end: false });
  }
  child.on('close', (code) => resolve(code));
});
const wallS = r2((performance.now() - t0) / 1000);
clearInterval(sampler);
logStream.end();
const loadAfter = os.loadavg().map(r2);

// ---- what the run folder says ---------------------------------------------------------------------
const runFolders = existsSync(runsDir)
  ? readdirSync(runsDir, { recursive: true })
      .filter((f) => String(f).endsWith('summary.json'))
      .map((f) => path.join(runsDir, String(f)))
  : [];
if (runFolders.length !== 1) fail(`expected one summary.json under ${runsDir}, found ${runFolders.length} (runner exit code ${exitCode}; output in ${logFile})`);
const summary = JSON.parse(readFileSync(runFolders[0], 'utf8'));
const runLog = readFileSync(path.join(path.dirname(runFolders[0]), 'run.log'), 'utf8');
const stages = summary.stages.map((s) => ({ id: s.id, status: s.status, seconds: r2(s.durationMs / 1000) }));
const stageSum = stages.reduce((a, s) => a + s.seconds, 0);
// One-line facts from run.log: the scan, which engine extract ran on and its rate, the TF.js backend.
const grab = (re) => runLog.split('\n').find((l) => re.test(l))?.replace(/^\S+\s+\w+\s+/, '') ?? null;
const facts = {
  scan: grab(/scan done/),
  tensorflowBackend: grab(/tensorflow backend: /)?.split(';')[0] ?? null,
  extractEngine: grab(/\[extract\] extracting/),
  extractDone: grab(/extract done/),
};

const entry = {
  label,
  date,
  command: `node bench/e2e/run.mjs --experiment ${experimentArg} --label ${label}${arg('root') ? ` --root ${root}` : ''}`,
  root,
  commit,
  uncommittedFiles,
  experiment: experimentArg,
  exitCode,
  status: summary.status,
  wallS,
  runnerDurationS: r2(summary.durationMs / 1000),
  stages,
  outsideStagesS: r2(wallS - stageSum),
  facts,
  load: { before: loadBefore, after: loadAfter, mean1MinDuringRun: samples.length ? r2(samples.reduce((a, b) => a + b, 0) / samples.length) : null, samples: samples.length },
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
};
const record = existsSync(out)
  ? JSON.parse(readFileSync(out, 'utf8'))
  : {
      what:
        'End-to-end wall time of one experiment with an empty stage cache (a private copy of the YAML in a fresh folder), ' +
        'per-stage times from the run folder’s summary.json, and the 1-minute load average before/after and sampled every 10 s. ' +
        'Each entry is one run; `label` says which build (e.g. before = the commit before ONNX Runtime, after = the current tree).',
      runs: [],
    };
record.runs.push(entry);
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
if (!keep) rmSync(work, { recursive: true, force: true });

const line = stages.map((s) => `${s.id} ${s.seconds.toFixed(1)} s`).join(', ');
console.log(`${label}: ${summary.status}, ${Math.floor(wallS / 60)} min ${(wallS % 60).toFixed(0)} s wall (${line}; outside stages ${entry.outsideStagesS.toFixed(1)} s); load ${loadBefore[0]} → ${loadAfter[0]}, mean ${entry.load.mean1MinDuringRun}`);
console.log(`appended to ${path.relative(process.cwd(), out)}${keep ? `; kept ${work}` : ''}`);
process.exit(exitCode === 0 ? 0 : 1);
