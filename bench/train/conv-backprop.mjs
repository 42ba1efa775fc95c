#!/usr/bin/env node
// One training step (forward + backward + Adam update) of a backbone + 1-unit dense head, on the wasm
// backend with our composed training kernels (packages/core/src/tf/wasm-training-kernels.ts) vs the
// pure-JavaScript cpu backend. Decides which backend `auto` should train conv nets on when no native
// tfjs-node backend is installed. Writes bench/results/train-step.json and prints a table.
//
// The pure-JS cpu backend is so slow (a ResNet-18 step at 64×64, batch 2, took ~3 min on the 2-core
// dev box) that it runs a smaller batch and, by default, a smaller image (--cpu-batch 1, --cpu-size 64)
// and ONE step with no warm-up; its time is scaled linearly to the wasm batch and pixel count (conv
// cost is linear in batch × pixels, so this is an estimate, not a measurement). Both the measured and
// the scaled numbers are recorded.
//
//   npx tsc -b packages/core && node bench/train/conv-backprop.mjs [--models resnet18,mobilenet_v2] [--size 224]
//       [--batch 16] [--cpu-batch 1] [--cpu-size 64] [--steps 1] [--cpu-steps 0] [--backends wasm,cpu]
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const dist = (p) => pathToFileURL(path.join(root, 'packages/core/dist', p)).href;
const { loadTensorflow } = await import(dist('tf/runtime.js'));
const { registerWasmTrainingKernels } = await import(dist('tf/wasm-training-kernels.js'));
const { getBackbone } = await import(dist('models/registry.js'));
const { createRng } = await import(dist('util/rng.js'));

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const models = arg('models', 'resnet18,mobilenet_v2').split(',');
const imageSize = Number(arg('size', '224'));
const batch = Number(arg('batch', '16'));
const cpuBatch = Number(arg('cpu-batch', '1'));
const cpuSize = Number(arg('cpu-size', '64'));
const steps = Number(arg('steps', '1'));
const cpuSteps = Number(arg('cpu-steps', '0'));
const backends = arg('backends', 'wasm,cpu').split(',');
const WIDTH = { resnet18: 1, mobilenet_v2: 0.35 };

const wasmHandle = backends.includes('wasm') ? await loadTensorflow({ backend: 'wasm' }) : undefined;
if (wasmHandle) registerWasmTrainingKernels(wasmHandle.tf);
const cpuHandle = backends.includes('cpu') ? await loadTensorflow({ backend: 'cpu' }) : undefined;
const tf = (wasmHandle ?? cpuHandle).tf;

/** Seeded uniform [-1, 1) values (core's Rng). */
function rand(n, seed) {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

/** Median and all per-step times (ms) of `timed` steps after one warm-up step. */
async function timeSteps(backend, modelName, n, timed, imageSize) {
  await tf.setBackend(backend);
  const width = WIDTH[modelName] ?? 1;
  const backbone = getBackbone(modelName).build(tf, { imageSize, width });
  const head = tf.layers.dense({ units: 1 }).apply(backbone.outputs[0]);
  const model = tf.model({ inputs: backbone.inputs, outputs: head });
  const x = tf.tensor4d(rand(n * imageSize * imageSize * 3, 1), [n, imageSize, imageSize, 3]);
  const y = tf.tensor2d(Array.from({ length: n }, (_, i) => i % 2), [n, 1]);
  const opt = tf.train.adam(1e-4);
  const step = () => {
    const loss = opt.minimize(() => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true })), true);
    const v = loss.dataSync()[0];
    loss.dispose();
    return v;
  };
  const times = [];
  const losses = [];
  for (let i = 0; i <= timed; i++) {
    const t0 = performance.now();
    losses.push(step());
    const ms = performance.now() - t0;
    if (i > 0 || timed === 0) times.push(ms);
    console.error(`  ${backend} ${modelName} batch ${n} step ${i}${i === 0 ? ' (warm-up)' : ''}: ${(ms / 1000).toFixed(2)} s, loss ${losses.at(-1).toFixed(4)}`);
  }
  tf.dispose([x, y]);
  opt.dispose();
  model.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  return { batch: n, imageSize, warmUpIncluded: timed === 0, stepsTimed: Math.max(1, timed), stepMs: times.map((t) => Math.round(t)), medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]), losses };
}

const results = [];
for (const modelName of models) {
  const row = { model: modelName, width: WIDTH[modelName] ?? 1, imageSize };
  if (wasmHandle) row.wasm = await timeSteps('wasm', modelName, batch, steps, imageSize);
  if (cpuHandle) {
    row.cpu = await timeSteps('cpu', modelName, cpuBatch, cpuSteps, cpuSize);
    row.cpu.scaledTo = { batch, imageSize };
    row.cpu.scaledMedianMs = Math.round((row.cpu.medianMs * batch * imageSize * imageSize) / (cpuBatch * cpuSize * cpuSize));
  }
  if (row.wasm && row.cpu) {
    row.speedupWasmOverCpu = Number((row.cpu.scaledMedianMs / row.wasm.medianMs).toFixed(2));
    row.faster = row.wasm.medianMs < row.cpu.scaledMedianMs ? 'wasm' : 'cpu';
  }
  results.push(row);
}

const out = {
  what: 'one training step (forward + backward + Adam) of backbone + 1-unit dense head, sigmoid cross-entropy, random input',
  note: `cpu runs batch ${cpuBatch} at ${cpuSize}x${cpuSize} and its time is scaled linearly in batch x pixels to batch ${batch} at ${imageSize}x${imageSize} (an estimate); wasm uses our composed Conv2DBackpropFilter / depthwise backprop kernels`,
  wasm: wasmHandle?.description,
  cpu: cpuHandle?.description,
  node: process.version,
  machine: `${os.cpus()[0]?.model ?? '?'} × ${os.cpus().length}, load ${os.loadavg()[0].toFixed(2)}`,
  date: new Date().toISOString(),
  results,
};
if (!process.argv.includes('--no-write')) {
  mkdirSync(path.join(root, 'bench/results'), { recursive: true });
  writeFileSync(path.join(root, 'bench/results/train-step.json'), JSON.stringify(out, null, 2) + '\n');
}
console.log(`| model | wasm batch ${batch} @${imageSize} (s/step) | cpu batch ${cpuBatch} @${cpuSize} (s/step) | cpu scaled to batch ${batch} @${imageSize} | faster |`);
console.log('|---|---|---|---|---|');
for (const r of results) {
  const s = (ms) => (ms === undefined ? '–' : (ms / 1000).toFixed(2));
  console.log(`| ${r.model} (width ${r.width}) | ${s(r.wasm?.medianMs)} | ${s(r.cpu?.medianMs)} | ${s(r.cpu?.scaledMedianMs)} | ${r.faster ?? '–'}${r.speedupWasmOverCpu ? ` (${r.speedupWasmOverCpu}×)` : ''} |`);
}
