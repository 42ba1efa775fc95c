#!/usr/bin/env node
// stage-cluster step timings vs scikit-learn (Debian's python3-sklearn), in one run on one machine:
// PCA(50), t-SNE (2-d, on the PCA output), KMeans(2, nInit 10), DBSCAN(eps 0.75, minPts 5) and the
// silhouette of the KMeans labels, on the seeded Gaussian mixture of
// packages/stage-cluster/src/__fixtures__/gaussian-mixture.ts (d = 512) at n = 1,506 (the real data
// set's size), 5,000 and 20,000. Our t-SNE is exact (O(n²) per iteration); sklearn's default is
// Barnes-Hut; t-SNE is skipped above --tsne-max rows on both sides. Writes bench/results/cluster.json
// and prints a Markdown table.
//
//   npx tsc -b packages/stage-cluster && node bench/cluster/run.mjs [--sizes 1506,5000,20000] [--tsne-max 5000] [--sklearn-threads 1] [--no-sklearn]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { createRng, silentLogger } from '@neuro-ssl/core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const sizes = arg('sizes', '1506,5000,20000').split(',').map(Number);
const tsneMax = Number(arg('tsne-max', '5000'));
const withSklearn = !process.argv.includes('--no-sklearn');
// sklearn's BLAS and OpenMP threads. Default 1: our stage runs on one thread, and on a loaded 2-core
// machine libgomp's spinning threads made sklearn's Barnes-Hut t-SNE 3-5× slower than one thread.
const sklearnThreads = arg('sklearn-threads', '1');
const P = { components: 50, eps: 0.75, minPts: 5, perplexity: 30, seed: 42 };
const work = path.join(root, '.neuro-ssl/bench/cluster');
mkdirSync(work, { recursive: true });

// The generator lives with the test fixtures (excluded from the package build): transpile it here.
const generatorTs = path.join(root, 'packages/stage-cluster/src/__fixtures__/gaussian-mixture.ts');
const generatorJs = path.join(work, 'gaussian-mixture.mjs');
writeFileSync(generatorJs, ts.transpileModule(readFileSync(generatorTs, 'utf8'), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText);
const { gaussianMixture } = await import(pathToFileURL(generatorJs).href);

// The built package (npx tsc -b packages/stage-cluster), by path: its index may not export everything.
const dist = path.join(root, 'packages/stage-cluster/dist');
const need = ['reducers/registry.js', 'clusterers/registry.js', 'scores/index.js'];
for (const f of need) if (!existsSync(path.join(dist, f))) throw new Error(`${path.join(dist, f)} missing: run npx tsc -b packages/stage-cluster`);
const { getReducer } = await import(pathToFileURL(path.join(dist, 'reducers/registry.js')).href);
const { getClusterer } = await import(pathToFileURL(path.join(dist, 'clusterers/registry.js')).href);
const { silhouette } = await import(pathToFileURL(path.join(dist, 'scores/index.js')).href);

const ctx = () => ({ rng: createRng(P.seed), logger: silentLogger });

function writeSafetensorsX(file, x) {
  let text = JSON.stringify({ x: { dtype: 'F32', shape: [x.rows, x.cols], data_offsets: [0, x.data.byteLength] } });
  text += ' '.repeat((8 - (Buffer.byteLength(text) % 8)) % 8);
  const head = Buffer.alloc(8);
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(text)));
  writeFileSync(file, Buffer.concat([head, Buffer.from(text), Buffer.from(x.data.buffer, x.data.byteOffset, x.data.byteLength)]));
}

async function ours(x) {
  const seconds = {};
  const notes = {};
  const timed = async (name, fn) => {
    const t0 = performance.now();
    const out = await fn();
    seconds[name] = (performance.now() - t0) / 1000;
    process.stderr.write(`ours    n=${x.rows} ${name}: ${seconds[name].toFixed(3)} s\n`);
    return out;
  };
  const { embedding: z } = await timed('pca', () => getReducer('pca').reduce(x, { components: P.components, whiten: false }, ctx()));
  if (x.rows <= tsneMax) {
    try {
      await timed('tsne', () => getReducer('tsne').reduce(z, { perplexity: P.perplexity, iterations: 1000, learningRate: 'auto', earlyExaggeration: 12, init: 'pca' }, ctx()));
    } catch (err) {
      notes.tsne = `failed: ${String(err.message ?? err).split('\n')[0]}`;
    }
  } else notes.tsne = `skipped: n = ${x.rows} > --tsne-max ${tsneMax} (kept out to bound the bench's time; both sides run Barnes-Hut t-SNE)`;
  const { labels } = await timed('kmeans', () => getClusterer('kmeans').cluster(z, { k: 2, nInit: 10 }, ctx()));
  await timed('dbscan', () => getClusterer('dbscan').cluster(z, { eps: P.eps, minPts: P.minPts, metric: 'euclidean' }, ctx()));
  await timed('silhouette', () => silhouette(z, labels));
  return { seconds, notes };
}

// Warm-up (JIT) on a small matrix, not timed.
{
  const { x } = gaussianMixture({ n: 200, d: 512 });
  const saved = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true;
  try {
    await ours(x);
  } finally {
    process.stderr.write = saved;
  }
}

const loadBefore = os.loadavg();
const rows = [];
for (const n of sizes) {
  const { x } = gaussianMixture({ n, d: 512 });
  const file = path.join(work, `mixture-${n}x512.safetensors`);
  writeSafetensorsX(file, x);
  const row = { n, d: 512, ours: await ours(x), sklearn: null, loadAverage: os.loadavg() };
  if (withSklearn) {
    try {
      const out = execFileSync('/usr/bin/python3', [path.join(here, 'sklearn_bench.py'), '--input', file, '--components', String(P.components), '--eps', String(P.eps), '--min-samples', String(P.minPts), '--tsne-max', String(tsneMax), '--seed', String(P.seed)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: sklearnThreads, OPENBLAS_NUM_THREADS: sklearnThreads },
      });
      row.sklearn = JSON.parse(out.trim().split('\n').pop());
    } catch (err) {
      process.stderr.write(`sklearn reference unavailable: ${err.message.split('\n')[0]}\n`);
    }
  }
  rows.push(row);
}
const loadAfter = os.loadavg();

const steps = ['pca', 'tsne', 'kmeans', 'dbscan', 'silhouette'];
const total = (s) => steps.reduce((a, k) => a + (s?.[k] ?? 0), 0);
const fmt = (v) => (v === undefined ? '—' : v < 0.1 ? v.toFixed(3) : v.toFixed(2));
const lines = ['| n | step | ours s | sklearn s | ours / sklearn |', '|---|---|---|---|---|'];
const summary = [];
for (const r of rows) {
  const sk = r.sklearn?.seconds;
  for (const k of steps) {
    const a = r.ours.seconds[k];
    const b = sk?.[k];
    const label = k === 'tsne' ? 't-SNE (Barnes-Hut, both)' : k === 'pca' ? `PCA(50) (sklearn ${r.sklearn?.notes?.pcaSolver ?? '?'}; full: ${fmt(sk?.pca_full)} s)` : k === 'kmeans' ? 'KMeans(2, nInit 10)' : k === 'dbscan' ? 'DBSCAN(0.75, 5)' : 'silhouette';
    const skipped = r.ours.notes[k] ?? r.sklearn?.notes?.[k];
    lines.push(`| ${r.n} | ${label} | ${a === undefined ? (skipped ? 'skipped' : '—') : fmt(a)} | ${b === undefined ? (skipped ? 'skipped' : '—') : fmt(b)} | ${a !== undefined && b ? (a / b).toFixed(2) : '—'} |`);
  }
  const both = steps.filter((k) => r.ours.seconds[k] !== undefined && sk?.[k] !== undefined);
  const oursTotal = both.reduce((a, k) => a + r.ours.seconds[k], 0);
  const skTotal = both.reduce((a, k) => a + sk[k], 0);
  const dominant = steps.filter((k) => r.ours.seconds[k] !== undefined).sort((p, q) => r.ours.seconds[q] - r.ours.seconds[p])[0];
  r.summary = { stepsCompared: both, oursTotal, sklearnTotal: skTotal || null, ratio: skTotal ? oursTotal / skTotal : null, dominantStep: dominant, oursAllSteps: total(r.ours.seconds) };
  lines.push(`| ${r.n} | **total (${both.join(', ')})** | **${fmt(oursTotal)}** | **${skTotal ? fmt(skTotal) : '—'}** | **${skTotal ? (oursTotal / skTotal).toFixed(2) : '—'}** |`);
  summary.push(r.summary);
}
const first = rows.find((r) => r.n === 1506)?.summary;
const verdict = first?.ratio
  ? `n = 1,506: ours ${first.oursTotal.toFixed(2)} s vs sklearn ${first.sklearnTotal.toFixed(2)} s = ${first.ratio.toFixed(2)}× — ${first.ratio <= 1.5 ? 'within' : 'NOT within'} the 1.5× target; our slowest step: ${first.dominantStep}.`
  : 'n = 1,506 not compared (no sklearn or not run).';
const skipNotes = rows.flatMap((r) => Object.entries({ ...r.ours.notes }).map(([k, v]) => `n = ${r.n} ${k} (ours): ${v}`).concat(Object.entries(r.sklearn?.notes ?? {}).filter(([k]) => k === 'tsne').map(([k, v]) => `n = ${r.n} ${k} (sklearn): ${v}`)));

function r0(rs) {
  const r = rs.find((x) => x.sklearn);
  return r ? r.sklearn.sklearn : '(not run)';
}
const command = `node bench/cluster/run.mjs ${process.argv.slice(2).join(' ')}`.trim();
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, date: new Date().toISOString(), loadAverageBefore: loadBefore, loadAverageAfter: loadAfter };
mkdirSync(path.join(here, '..', 'results'), { recursive: true });
const file = path.join(here, '..', 'results', 'cluster.json');
writeFileSync(file, `${JSON.stringify({ command, machine, params: { ...P, tsneMax, sklearnThreads: Number(sklearnThreads), oursThreads: 1, d: 512, data: 'gaussianMixture (packages/stage-cluster/src/__fixtures__/gaussian-mixture.ts)' }, verdict, notes: skipNotes, rows }, null, 2)}\n`);

console.log(lines.join('\n'));
console.log(`\n${verdict}`);
for (const s of skipNotes) console.log(`- ${s}`);
console.log(`\nsklearn ${r0(rows)} with OMP_NUM_THREADS=OPENBLAS_NUM_THREADS=${sklearnThreads}; ours single-threaded (Node).`);
console.log(`load average (1, 5, 15 min) before ${loadBefore.map((v) => v.toFixed(2)).join(', ')}, after ${loadAfter.map((v) => v.toFixed(2)).join(', ')} on ${os.cpus().length} CPUs`);
console.log(`command: ${command}\nwritten to ${path.relative(process.cwd(), file)}`);
