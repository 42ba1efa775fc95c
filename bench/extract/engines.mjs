#!/usr/bin/env node
// Forward-pass throughput of every inference engine side by side, interleaved round by round so that
// a loaded machine slows them alike: ONNX Runtime (our exported graph, 1 and 2 threads), TF.js wasm
// (BatchNorm folded, as extract runs it) and PyTorch CPU (Debian's torch, 1 and 2 threads, the
// reference). Batch 16, 224×224, random input and seeded random weights, warm-up excluded.
// Writes bench/results/extract-engines.json and prints a Markdown table with the median of the rounds.
//
//   npm run build && node bench/extract/engines.mjs [--rounds 3] [--iters 3] [--models mobilenet_v2,resnet18]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, silentLogger } from '@neuro-ssl/core';
import { createOnnxSession, foldForInference, getBackbone, layersModelToOnnx, seededInit } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '3'));
const iters = Number(arg('iters', '3'));
const batch = Number(arg('batch', '16'));
const size = 224;
const models = arg('models', 'mobilenet_v2,resnet18,efficientnet_b0,resnet34').split(',');
const widths = { mobilenet_v2: 0.35 };
// torch_bench.py builds mobilenet_v2 at width 0.35 already.

const { tf } = await loadTensorflow({ backend: 'wasm' });
const input = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => Math.sin(i * 0.61));
const shape = [batch, size, size, 3];

async function time(run) {
  await run(); // warm-up
  const t0 = performance.now();
  for (let i = 0; i < iters; i++) await run();
  return (iters * batch) / ((performance.now() - t0) / 1000);
}

function torchRound(name, threads) {
  try {
    const out = execFileSync('/usr/bin/python3', [path.join(here, 'torch_bench.py'), '--models', name, '--batch', String(batch), '--size', String(size), '--iters', String(iters), '--threads', String(threads)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' },
    });
    return JSON.parse(out.trim().split('\n').at(-1)).images_per_s;
  } catch {
    return null;
  }
}

const results = [];
for (const name of models) {
  const def = getBackbone(name);
  const built = def.build(tf, { imageSize: size, width: widths[name] ?? 1 });
  seededInit(tf, built, createRng(1));
  const model = foldForInference(tf, built, silentLogger);
  const onnx = layersModelToOnnx(model);
  const sessions = { 1: await createOnnxSession(onnx, { threads: 1 }), 2: await createOnnxSession(onnx, { threads: 2 }) };
  const wasm = async () => {
    const y = tf.tidy(() => model.predict(tf.tensor4d(input, shape)));
    await y.data();
    y.dispose();
  };
  for (let r = 0; r < rounds; r++) {
    const row = { model: name, round: r + 1 };
    row.onnx1 = await time(() => sessions[1].run(input, shape));
    row.onnx2 = await time(() => sessions[2].run(input, shape));
    row.wasm = await time(wasm);
    if (existsSync('/usr/bin/python3')) {
      row.torch1 = torchRound(name, 1);
      row.torch2 = torchRound(name, 2);
    }
    results.push(row);
    process.stderr.write(`${JSON.stringify(row)}\n`);
  }
  await sessions[1].dispose();
  await sessions[2].dispose();
  model.dispose();
  if (built !== model) built.dispose();
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number').sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg(), node: process.version, date: new Date().toISOString() };
mkdirSync(path.join(here, '..', 'results'), { recursive: true });
const file = path.join(here, '..', 'results', 'extract-engines.json');
writeFileSync(file, `${JSON.stringify({ command: `node bench/extract/engines.mjs ${process.argv.slice(2).join(' ')}`.trim(), machine, rounds: results }, null, 2)}\n`);
const cols = ['onnx1', 'onnx2', 'wasm', 'torch1', 'torch2'];
const lines = ['| model | ONNX Runtime 1 thr | ONNX Runtime 2 thr | TF.js wasm | PyTorch 1 thr | PyTorch 2 thr | ORT/PyTorch (1 thr) | ORT/PyTorch (2 thr) | ORT 2 thr / wasm |', '|---|---|---|---|---|---|---|---|---|'];
for (const name of models) {
  const m = Object.fromEntries(cols.map((c) => [c, median(results.filter((r) => r.model === name).map((r) => r[c]))]));
  const f = (x) => (x === null ? '—' : x.toPrecision(3));
  const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '—');
  lines.push(`| ${name}${widths[name] ? ` (α ${widths[name]})` : ''} | ${cols.map((c) => f(m[c])).join(' | ')} | ${ratio(m.onnx1, m.torch1)} | ${ratio(m.onnx2, m.torch2)} | ${ratio(m.onnx2, m.wasm)} |`);
}
console.log(lines.join('\n'));
console.log(`\nimg/s, median of ${rounds} interleaved rounds; written to ${path.relative(process.cwd(), file)}`);
