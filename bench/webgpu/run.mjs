#!/usr/bin/env node
// WebGPU (TF.js's webgpu backend on Dawn) against wasm and cpu, in one process on one machine:
//  - forward pass of MobileNetV2-0.35 at 224×224 (seeded random weights, random input), images/s at
//    each --batches size, warm-up (shader compilation on webgpu) timed separately;
//  - one training step of the train stage's classifier, ResNet18 (seededInit) + linear head at 224×224,
//    batch 16, BCE-with-logits (pos_weight 3) + Adam lr 1e-4 in training mode — the step core's `fit`
//    takes (optimizer.minimize over the trainable weights), finetune mode (every layer trains);
//  - parity: the forward outputs and the first step's loss of each backend against the reference
//    (cpu for the forward pass, wasm for the step), as max |a − b| / max |b|;
//  - the WebGPU adapter Dawn chose (vendor, architecture, fallback or not), or why there is none.
// Writes bench/results/webgpu.json (--out) and prints a Markdown table.
//
//   npx tsc -b packages/core && node bench/webgpu/run.mjs [--backends webgpu,wasm,cpu] [--batches 16,64]
//     [--iters 3] [--cpu-batch 2] [--train-backends webgpu,wasm] [--train-batch 16] [--train-size 224]
//     [--train-warmup 1] [--train-steps 2] [--train-steps-webgpu N] [--max-seconds 1500] [--out bench/results/webgpu.json]
//     [--gpu-name NAME]
//
// The pure-JS cpu backend runs the forward pass at --cpu-batch images and no training step by default
// (an estimated hours per ResNet18 step: bench/results/train.json). Measurements that would pass
// --max-seconds are skipped and listed under `skipped`. The JSON is rewritten after every measurement,
// so a run cut short keeps what it measured.
// On a software adapter (Mesa's lavapipe) the webgpu numbers check correctness only: it is slower than
// wasm, and `runtime.backend: auto` never picks it.
//
// It hands the loader an importer with literal specifiers, so that a bundler can make it self-contained
// (.gpu-bench/, for a machine without npm: README "GPU through WebGPU").
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createRng } from '@neuro-ssl/core';
import { attachHead, bceWithLogits, buildBackbone, initHead, setTrainable } from '@neuro-ssl/core/learn';
import { getBackbone, seededInit } from '@neuro-ssl/core/models';
import { createTensorflowLoader, findVulkanLoader, missingKernels, probeWebGpu, vulkanDrivers } from '@neuro-ssl/core/tf';

const here = path.dirname(fileURLToPath(import.meta.url));
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const list = (name, fallback) => arg(name, fallback).split(',').filter(Boolean);
const backends = list('backends', 'webgpu,wasm,cpu');
const batches = list('batches', '16').map(Number);
const iters = Number(arg('iters', '3'));
const cpuBatch = Number(arg('cpu-batch', '2'));
const trainBackends = list('train-backends', 'webgpu,wasm').filter((b) => backends.includes(b));
const trainBatch = Number(arg('train-batch', '16'));
const trainSize = Number(arg('train-size', '224'));
const trainWarmup = Number(arg('train-warmup', '1'));
const trainSteps = Number(arg('train-steps', '2'));
const stepsFor = (backend) => Number(arg(`train-steps-${backend}`, String(trainSteps)));
const maxSeconds = Number(arg('max-seconds', '1500'));
const out = path.resolve(arg('out', path.join(here, '..', 'results', 'webgpu.json')));
const size = 224;
const started = Date.now();
const deadline = started + maxSeconds * 1000;
const log = (line) => process.stderr.write(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}\n`);
const round = (x, d = 4) => (x === undefined || x === null ? x : Number(x.toPrecision(d)));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : undefined;
};

// Literal specifiers: a bundler follows them (and keeps each module's evaluation lazy — the webgpu
// backend must be imported after Dawn's navigator.gpu is installed). `webgpu` (native) stays external.
const MODULES = {
  '@tensorflow/tfjs': () => import('@tensorflow/tfjs'),
  '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-webgpu': () => import('@tensorflow/tfjs-backend-webgpu'),
  webgpu: () => import('webgpu'),
};
const importer = (specifier) => (MODULES[specifier] ? MODULES[specifier]() : import(specifier));
const load = createTensorflowLoader(importer);
const logger = createLogger({ level: 'info', sinks: [(level, line) => log(`${level}: ${line}`)] });

function relativeError(a, b) {
  let diff = 0;
  let scale = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

function gpuName() {
  if (arg('gpu-name')) return arg('gpu-name');
  try {
    return execFileSync('nvidia-smi', ['--query-gpu=name,driver_version', '--format=csv,noheader'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function rand(n, seed) {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

const skipped = [];
const forward = [];
const training = [];
const reference = {}; // backend → { forward: Float32Array (first 2 images), loss }
const backendInfo = {};
let partialTraining; // the step in progress, saved in case the run is cut short

const gpu = gpuName();
const probe = await probeWebGpu({ importer });
log(probe.available ? `webgpu adapter: ${JSON.stringify(probe.adapter)}` : `webgpu: ${probe.reason}`);

for (const backend of backends) {
  let handle;
  try {
    handle = await load({ backend, logger });
  } catch (err) {
    backendInfo[backend] = { available: false, error: err.message.split('\n')[0] };
    log(`${backend}: not available — ${backendInfo[backend].error}`);
    continue;
  }
  const { tf, description } = handle;
  backendInfo[backend] = { available: true, description, missingTrainingKernels: missingKernels(handle), ...(handle.adapter ? { adapter: handle.adapter } : {}) };

  // MobileNetV2-0.35 forward pass.
  const model = getBackbone('mobilenet_v2').build(tf, { imageSize: size, width: 0.35 });
  seededInit(tf, model, createRng(1));
  const input = rand(Math.max(...batches) * size * size * 3, 7);
  const run = async (n) => {
    const t0 = performance.now();
    const x = tf.tensor4d(input.subarray(0, n * size * size * 3), [n, size, size, 3]);
    const y = model.predict(x);
    const values = await y.data();
    tf.dispose([x, y]);
    return { ms: performance.now() - t0, values };
  };
  for (const requested of batches) {
    const batch = backend === 'cpu' ? Math.min(requested, cpuBatch) : requested;
    if (forward.some((r) => r.backend === backend && r.batch === batch)) continue;
    const warm = await run(batch); // shader compilation (webgpu), weight upload, wasm/cpu first-use costs
    if (!reference[backend]) reference[backend] = { forward: warm.values.slice(0, 2 * (warm.values.length / batch)) };
    const times = [];
    for (let i = 0; i < (backend === 'cpu' ? 1 : iters); i++) {
      if (i > 0 && Date.now() + times[0] > deadline) {
        skipped.push(`${backend} forward batch ${batch}: timed ${i} pass(es), another would pass --max-seconds`);
        break;
      }
      times.push((await run(batch)).ms);
    }
    const r = { backend, model: 'mobilenet_v2', width: 0.35, size, batch, iterations: times.length, warmupS: round(warm.ms / 1000), imagesPerSecond: round((batch * 1000) / median(times)) };
    forward.push(r);
    log(`${backend.padEnd(6)} MobileNetV2-0.35 batch ${batch}: ${r.imagesPerSecond} img/s (warm-up ${r.warmupS} s)`);
    save();
  }
  model.dispose();

  // ResNet18 + head, one training step.
  if (trainBackends.includes(backend)) {
    const spec = { backbone: 'resnet18', width: 1, imageSize: trainSize, head: { type: 'linear', hidden: 0, dropout: 0 } };
    const clf = attachHead(tf, (() => {
      const b = buildBackbone(tf, spec);
      seededInit(tf, b, createRng(1));
      return b;
    })(), spec);
    initHead(tf, clf, createRng(2));
    setTrainable(clf, 'resnet18', 'finetune');
    const trainable = clf.trainableWeights.map((w) => w.read());
    const optimizer = tf.train.adam(1e-4);
    const data = rand(trainBatch * trainSize * trainSize * 3, 11);
    const targets = Float32Array.from({ length: trainBatch }, (_, i) => i % 2);
    const step = async () => {
      const t0 = performance.now();
      const cost = optimizer.minimize(
        () =>
          tf.tidy(() => {
            const logits = clf.apply(tf.tensor4d(data, [trainBatch, trainSize, trainSize, 3]), { training: true });
            return bceWithLogits(tf, logits, tf.tensor1d(targets), { posWeight: 3 });
          }),
        true,
        trainable,
      );
      const loss = (await cost.data())[0];
      cost.dispose();
      return { ms: performance.now() - t0, loss };
    };
    const times = [];
    const warmups = [];
    let firstLoss;
    for (let i = 0; i < trainWarmup + stepsFor(backend); i++) {
      const last = times.at(-1) ?? warmups.at(-1);
      if (i > 0 && last !== undefined && Date.now() + last > deadline) {
        skipped.push(`${backend} ResNet18 training: ${warmups.length} warm-up + ${times.length} timed step(s), another would pass --max-seconds`);
        break;
      }
      const s = await step();
      firstLoss ??= s.loss;
      (i < trainWarmup ? warmups : times).push(s.ms);
      log(`${backend.padEnd(6)} ResNet18 step ${i}${i < trainWarmup ? ' (warm-up)' : ''}: ${(s.ms / 1000).toFixed(2)} s, loss ${s.loss.toFixed(5)}`);
      partialTraining = { backend, stepS: times.map((ms) => round(ms / 1000)), warmupS: warmups.map((ms) => round(ms / 1000)), firstLoss };
      save();
    }
    partialTraining = undefined;
    reference[backend] = { ...reference[backend], loss: firstLoss };
    training.push({
      backend,
      model: 'resnet18 + linear head',
      mode: 'finetune',
      size: trainSize,
      batch: trainBatch,
      optimizer: 'adam 1e-4',
      warmupS: warmups.map((ms) => round(ms / 1000)),
      stepS: times.map((ms) => round(ms / 1000)),
      medianStepS: round(median(times) / 1000),
      firstLoss: round(firstLoss, 7),
    });
    optimizer.dispose();
    clf.dispose();
  }
  backendInfo[backend].tensorsLeft = tf.memory().numTensors;
}

function save() {
  // Parity against the references present.
  const parity = {};
  const fwdRef = reference.cpu?.forward ? 'cpu' : reference.wasm?.forward ? 'wasm' : undefined;
  for (const b of Object.keys(reference)) {
    const p = {};
    if (fwdRef && b !== fwdRef && reference[b].forward) p[`forwardVs${fwdRef}`] = round(relativeError(reference[b].forward, reference[fwdRef].forward), 3);
    if (reference.wasm?.loss !== undefined && b !== 'wasm' && reference[b].loss !== undefined) {
      p.firstLossVsWasm = round(Math.abs(reference[b].loss - reference.wasm.loss) / Math.abs(reference.wasm.loss), 3);
    }
    if (Object.keys(p).length) parity[b] = p;
  }

  const result = {
    what:
      'MobileNetV2-0.35 forward pass at 224×224 (seeded random weights, random input; warm-up excluded, median of the timed passes) ' +
      'and one training step of ResNet18 (seededInit) + linear head at train-size, batch train-batch, BCE-with-logits pos_weight 3 + Adam 1e-4, ' +
      'finetune (optimizer.minimize as core fit does), on TF.js webgpu (Dawn) / wasm / cpu in one process. Parity: max |a − b| / max |b| of the ' +
      "first 2 images' outputs against cpu (forward) and of the first step's loss against wasm.",
    command: `node bench/webgpu/run.mjs ${argv.join(' ')}`.trim(),
    date: new Date().toISOString(),
    totalWallS: round((Date.now() - started) / 1000),
    machine: {
      platform: os.platform(),
      release: os.release(),
      arch: os.arch(),
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      totalMemGiB: round(os.totalmem() / 2 ** 30, 3),
      gpu,
    },
    node: process.version,
    webgpu: {
      package: 'webgpu@0.6.2 (Dawn), @tensorflow/tfjs-backend-webgpu@4.22.0',
      vulkanLoader: findVulkanLoader(),
      vulkanDrivers: vulkanDrivers(),
      dawnSawAdapter: probe.available,
      adapter: probe.available ? probe.adapter : null,
      problem: probe.available ? null : probe.reason,
    },
    backends: backendInfo,
    forward,
    training: partialTraining ? [...training, { ...partialTraining, incomplete: true }] : training,
    parity,
    skipped,
  };
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  return { parity };
}

const { parity } = save();

const cols = backends.filter((b) => backendInfo[b]?.available);
const lines = [`| measure | ${cols.join(' | ')} |`, `|---|${cols.map(() => '---|').join('')}`];
for (const batch of batches) {
  lines.push(
    `| MobileNetV2-0.35 fwd img/s (batch ${batch}; cpu ${Math.min(batch, cpuBatch)}) | ${cols
      .map((b) => forward.find((r) => r.backend === b && r.batch === (b === 'cpu' ? Math.min(batch, cpuBatch) : batch))?.imagesPerSecond ?? '—')
      .join(' | ')} |`,
  );
}
lines.push(`| ResNet18 train step s (${trainSize}px, batch ${trainBatch}) | ${cols.map((b) => training.find((r) => r.backend === b)?.medianStepS ?? '—').join(' | ')} |`);
console.log(lines.join('\n'));
console.log(`\nadapter: ${probe.available ? JSON.stringify(probe.adapter) : probe.reason}\nparity: ${JSON.stringify(parity)}\nwritten to ${out}`);
// Dawn's instance can keep the event loop alive: the results are written, leave now.
process.exit(0);
