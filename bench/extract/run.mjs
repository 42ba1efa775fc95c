#!/usr/bin/env node
// Feature-extraction throughput of every inference engine side by side, in one run on one machine:
//   onnx1, onnx2   ONNX Runtime (onnxruntime-node, cpu provider) on our exported graph, 1 and 2 threads —
//                  what extract uses where it is installed (core's createInferenceEngine);
//   wasm           TF.js wasm with BatchNorm folded — extract's fallback (1 thread: no wasm threads here);
//   webgpu         TF.js webgpu on Dawn, where an adapter exists; on a software adapter (Mesa lavapipe)
//                  it is timed in the first round only, and its numbers check correctness, not speed;
//   torch1, torch2 PyTorch CPU (Debian's python3-torch, torch_bench.py), 1 and 2 threads — the
//                  yardstick; OMP_WAIT_POLICY=PASSIVE for 2 threads so that idle OpenMP workers sleep
//                  instead of spinning on a loaded machine.
// Forward pass only, batch 16, 224×224, the same seeded random weights for our engines (random weights
// for PyTorch: speed does not depend on the values), warm-up excluded, images/s from the median batch
// time. Engines are interleaved round by round, in an order that rotates each round, so that load from
// other processes hits them alike; the 1-minute load average before and after each round is recorded.
// Parity: each of our engines' outputs against wasm's on the same input, max |a − b| / max |b|.
//
// Writes bench/results/extract-engines.json (--out; rewritten after every round, so a run cut short
// keeps what it measured) and prints a Markdown table of medians with the ratios issue 14's targets
// name: the fastest engine at t threads against PyTorch at t threads.
//
//   npm run build && npm run bench:extract -- [--rounds 3] [--iters 3] [--batch 16]
//     [--models resnet18,resnet34,efficientnet_b0,mobilenet_v2] [--engines onnx1,onnx2,wasm,webgpu,torch1,torch2]
//     [--webgpu-rounds N] [--webgpu-iters N] [--out bench/results/extract-engines.json]
//   node bench/extract/run.mjs --table bench/results/extract-engines.json   # the table of a saved run, measuring nothing
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, silentLogger } from '@neuro-ssl/core';
import { createOnnxSession, foldForInference, getBackbone, layersModelToOnnx, seededInit } from '@neuro-ssl/core/models';
import { describeAdapter, isSoftwareAdapter, loadTensorflow } from '@neuro-ssl/core/tf';
import { formatSummary, median, summarise } from './summary.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const list = (name, fallback) => arg(name, fallback).split(',').filter(Boolean);
if (arg('table')) {
  const saved = JSON.parse(readFileSync(arg('table'), 'utf8'));
  console.log(formatSummary({ ...saved, ...summarise(saved) }));
  process.exit(0);
}
const rounds = Number(arg('rounds', '3'));
const iters = Number(arg('iters', '3'));
const batch = Number(arg('batch', '16'));
const size = 224;
const models = list('models', 'resnet18,resnet34,efficientnet_b0,mobilenet_v2');
const wanted = list('engines', 'onnx1,onnx2,wasm,webgpu,torch1,torch2');
const out = path.resolve(arg('out', path.join(here, '..', 'results', 'extract-engines.json')));
const widths = { mobilenet_v2: 0.35 }; // torch_bench.py builds mobilenet_v2 at width_mult 0.35 too
const python = '/usr/bin/python3';
const started = Date.now();
const log = (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${line}\n`);
const r4 = (x) => (typeof x === 'number' ? Number(x.toPrecision(4)) : x);
const load1 = () => r4(os.loadavg()[0]);
const git = (args) => {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
};

function relativeError(a, b) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return a.length === b.length ? diff / (scale || 1) : null;
}

/** Warm-up pass (untimed), then `n` timed passes; images/s from the median batch time. */
async function time(pass, n) {
  const first = await pass();
  const seconds = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await pass();
    seconds.push((performance.now() - t0) / 1000);
  }
  return { imagesPerSecond: r4(batch / median(seconds)), batchSeconds: seconds.map(r4), output: first };
}

// ---- which engines are present --------------------------------------------------------------------
const engineInfo = {};
const skipped = {};
const wasm = await loadTensorflow({ backend: 'wasm' });
const tf = wasm.tf;
engineInfo.wasm = { label: 'TF.js wasm', threads: 1, description: `${wasm.description}, BatchNorm folded` };

let webgpu;
if (wanted.includes('webgpu')) {
  try {
    webgpu = await loadTensorflow({ backend: 'webgpu' });
    const software = webgpu.adapter ? isSoftwareAdapter(webgpu.adapter) : false;
    engineInfo.webgpu = {
      label: software ? 'TF.js webgpu (software)' : 'TF.js webgpu',
      threads: null,
      description: webgpu.description,
      adapter: webgpu.adapter ? describeAdapter(webgpu.adapter) : null,
      software,
      note: software ? 'a CPU Vulkan driver, not a GPU: correctness only, not a speed measurement; left out of the ratios' : undefined,
    };
    await loadTensorflow({ backend: 'wasm' });
  } catch (err) {
    skipped.webgpu = String(err?.message ?? err).split('\n')[0];
    log(`webgpu skipped: ${skipped.webgpu}`);
  }
}
const webgpuSoftware = engineInfo.webgpu?.software === true;
const webgpuRounds = Number(arg('webgpu-rounds', String(webgpuSoftware ? 1 : rounds)));
const webgpuIters = Number(arg('webgpu-iters', String(webgpuSoftware ? 1 : iters)));

let ortVersion = null;
for (const t of [1, 2]) {
  if (!wanted.includes(`onnx${t}`)) continue;
  engineInfo[`onnx${t}`] = { label: `ONNX Runtime ${t} thr`, threads: t, description: `onnxruntime-node (cpu provider), intraOpNumThreads ${t}` };
}

let torchVersion = null;
for (const t of [1, 2]) {
  if (!wanted.includes(`torch${t}`)) continue;
  if (!existsSync(python)) {
    skipped[`torch${t}`] = `${python} not found (apt-get install python3-torch python3-torchvision)`;
    continue;
  }
  engineInfo[`torch${t}`] = { label: `PyTorch ${t} thr`, threads: t, env: t > 1 ? { OMP_WAIT_POLICY: 'PASSIVE' } : {} };
}

function torchPass(name, threads) {
  const env = { ...process.env, ...engineInfo[`torch${threads}`].env };
  const args = [path.join(here, 'torch_bench.py'), '--models', name, '--batch', String(batch), '--size', String(size), '--iters', String(iters), '--threads', String(threads)];
  try {
    const line = JSON.parse(execFileSync(python, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env }).trim().split('\n').at(-1));
    torchVersion ??= `torch ${line.torch_version}, torchvision ${line.torchvision_version}, python ${line.python}`;
    if (line.threads !== threads) throw new Error(`torch ran ${line.threads} threads, asked for ${threads}`);
    return { imagesPerSecond: r4(line.images_per_s), medianBatchSeconds: line.median_batch_s };
  } catch (err) {
    const message = String(err?.stderr || err?.message || err).trim().split('\n').at(-1);
    log(`torch${threads} ${name} failed: ${message}`);
    return { error: message };
  }
}

const engines = wanted.filter((e) => engineInfo[e]);
const machine = {
  cpus: os.cpus().length,
  cpuModel: os.cpus()[0]?.model,
  totalMemGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  node: process.version,
  loadavgAtStart: os.loadavg().map(r4),
};
const record = {
  what:
    'Forward pass, batch 16 at 224×224, images/s from the median batch time of `iters` timed passes after one warm-up pass; ' +
    'engines interleaved round by round (order rotating), 1-minute load average before/after each round. ' +
    'Parity: max |a − b| / max |b| of each engine’s first output against wasm’s (same seeded weights, same input).',
  command: `npm run bench:extract -- ${argv.join(' ')}`.trim(),
  date: new Date().toISOString(),
  commit: git(['rev-parse', 'HEAD']),
  uncommittedFiles: git(['status', '--short'])?.split('\n').filter(Boolean).length ?? null,
  machine,
  settings: { rounds, iters, batch, size, models, webgpuRounds, webgpuIters },
  engines: Object.fromEntries(engines.map((e) => [e, engineInfo[e]])),
  skipped,
  versions: {},
  rounds: [],
  parity: [],
  medians: [],
  targets: [],
};

function save() {
  Object.assign(record, summarise(record));
  record.versions = { onnxruntime: ortVersion, torch: torchVersion };
  record.totalWallS = Math.round((Date.now() - started) / 1000);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
}

// ---- the rounds -----------------------------------------------------------------------------------
const input = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => Math.sin(i * 0.61));
const shape = [batch, size, size, 3];

/** The backbone as extract runs it on TF.js: seeded weights, BatchNorm folded, built on the active backend. */
function buildFolded(name) {
  const built = getBackbone(name).build(tf, { imageSize: size, width: widths[name] ?? 1 });
  seededInit(tf, built, createRng(1));
  const model = foldForInference(tf, built, silentLogger);
  if (model !== built) built.dispose();
  return model;
}

function tfjsPass(model) {
  return async () => {
    const y = tf.tidy(() => model.predict(tf.tensor4d(input, shape)));
    const values = await y.data();
    y.dispose();
    return values;
  };
}

for (const name of models) {
  log(`${name}: building`);
  await loadTensorflow({ backend: 'wasm' });
  const wasmModel = buildFolded(name);
  const passes = { wasm: tfjsPass(wasmModel) };
  const sessions = [];
  for (const t of [1, 2]) {
    if (!engineInfo[`onnx${t}`]) continue;
    const session = await createOnnxSession(layersModelToOnnx(wasmModel), { threads: t, providers: ['cpu'] });
    ortVersion = session.version;
    sessions.push(session);
    passes[`onnx${t}`] = () => session.run(input, shape);
  }
  let webgpuModel;
  if (engineInfo.webgpu) {
    await loadTensorflow({ backend: 'webgpu' });
    webgpuModel = buildFolded(name);
    passes.webgpu = tfjsPass(webgpuModel);
  }
  const backendOf = { wasm: 'wasm', webgpu: 'webgpu' };
  let reference;
  const parity = { model: name };

  for (let r = 0; r < rounds; r++) {
    const order = engines.slice(r % engines.length).concat(engines.slice(0, r % engines.length));
    const row = { model: name, round: r + 1, order: [], loadBefore: load1(), results: {} };
    for (const e of order) {
      if (e === 'webgpu' && r >= webgpuRounds) continue;
      row.order.push(e);
      if (e.startsWith('torch')) {
        row.results[e] = torchPass(name, engineInfo[e].threads);
      } else {
        if (backendOf[e]) await loadTensorflow({ backend: backendOf[e] });
        const { output, ...timing } = await time(passes[e], e === 'webgpu' ? webgpuIters : iters);
        row.results[e] = timing;
        if (e === 'wasm') reference ??= output;
        else parity[e] ??= output;
      }
      log(`${name} round ${r + 1} ${e.padEnd(6)} ${row.results[e].imagesPerSecond ?? row.results[e].error} img/s`);
    }
    row.loadAfter = load1();
    record.rounds.push(row);
    save();
  }
  if (reference) {
    const p = { model: name };
    for (const e of Object.keys(parity)) if (e !== 'model') p[e] = r4(relativeError(parity[e], reference));
    record.parity.push(p);
  }
  for (const s of sessions) await s.dispose();
  wasmModel.dispose();
  webgpuModel?.dispose();
  await loadTensorflow({ backend: 'wasm' });
  save();
}
record.machine.loadavgAtEnd = os.loadavg().map(r4);
save();

// ---- the table ------------------------------------------------------------------------------------
console.log(formatSummary(record));
console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
