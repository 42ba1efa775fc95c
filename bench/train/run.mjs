#!/usr/bin/env node
// Training throughput of the train stage's classifier: ResNet18 (seededInit) + linear head at 224×224,
// batch 16, BCE-with-logits (pos_weight 3) + Adam lr 1e-4, driven by core's own `fit` (a BatchSource of
// synthetic random batches, a trivial validate), for the three modes — finetune (all layers), partial
// (last stage + head, setTrainable), probe (the one-off feature cache of (views 8 + 1) × 80 images, then
// the head alone on cached 512-d features) — on every TF.js backend present (webgpu included: Dawn on the
// machine's Vulkan adapter; a software one such as lavapipe only when named with --backends, as auto
// never takes it: its numbers check correctness, not speed, and the JSON says so), against PyTorch CPU (Debian's torch, bench/train/torch_train_bench.py) with
// 2 and 1 threads, in one run on one machine.
// An epoch is the notebook's: 80 training images = 5 steps of 16. Writes bench/results/train.json and
// prints a Markdown table.
//
// Each (backend, mode) runs in a child process with a deadline: it starts no timed step that would
// overrun it, and is killed at the deadline (+ grace) if one step alone does — so the bench never runs
// for hours. The pure-JS cpu backend is far too slow to run at full size (an estimated hours per
// finetune step): by default it runs finetune at 64×64 batch 1, partial at 224×224 batch 1 and the
// feature cache on 1 image, and its times are scaled to batch 16 at 224×224 — an estimate, marked as
// such in the JSON and the table: the step minus the Adam update (measured separately on fit's warm
// optimizer; it does not grow with batch or pixels, ~7–10 s for 8.4M parameters on cpu) is scaled
// linearly in batch × pixels (conv cost is linear in both), then the Adam update is added back.
//
//   npx tsc -b packages/core && node bench/train/run.mjs [--backends webgpu,wasm,cpu] [--modes finetune,partial,probe]
//     [--steps 2] [--partial-steps 3] [--warmup 1] [--cache-images 80] [--probe-epochs 20]
//     [--cpu-size 64] [--cpu-partial-size 224] [--cpu-batch 1] [--cpu-steps 1] [--cpu-warmup 0] [--cpu-cache-images 1]
//     [--torch-threads 2,1] [--torch-steps 3] [--no-torch] [--size 224] [--batch 16]
//     [--max-seconds 1200] [--max-job-seconds 420] [--out bench/results/train.json] [--no-write]
//
// NEURO_SSL_WASM_NATIVE_BACKPROP_INPUT=1 (inherited by the workers) times wasm with TF.js's own
// Conv2DBackpropInput instead of ours (recorded as wasmConv2DBackpropInput in the JSON).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng, silentLogger } from '@neuro-ssl/core';
import { attachHead, buildBackbone, buildHead, DEFAULT_CHECKPOINT_RULE, featureBatchSource, featureExtractor, fit, initHead, setTrainable } from '@neuro-ssl/core/learn';
import { seededInit } from '@neuro-ssl/core/models';
import { createTensorflowLoader, describeAdapter, isSoftwareAdapter, missingKernels } from '@neuro-ssl/core/tf';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const num = (name, fallback) => Number(arg(name, String(fallback)));
const BACKBONE = 'resnet18';
const HEAD = { type: 'linear', hidden: 0, dropout: 0 };
const FEATURE_DIM = 512;
const POS_WEIGHT = 3;
const LEARNING_RATE = 1e-4;

// Literal specifiers, as bench/webgpu/run.mjs: a bundler follows them, so bench/webgpu/pack.sh can carry
// this bench to a GPU machine without npm. The webgpu backend's module is imported only after Dawn's
// navigator.gpu is installed (loadTensorflow does it in that order); `webgpu` (native) stays external.
const MODULES = {
  '@tensorflow/tfjs': () => import('@tensorflow/tfjs'),
  '@tensorflow/tfjs-backend-wasm': () => import('@tensorflow/tfjs-backend-wasm'),
  '@tensorflow/tfjs-backend-webgpu': () => import('@tensorflow/tfjs-backend-webgpu'),
  webgpu: () => import('webgpu'),
};
const loadTensorflow = createTensorflowLoader((specifier) => (MODULES[specifier] ? MODULES[specifier]() : import(specifier)));

const emit = (event) => process.stdout.write(`${JSON.stringify(event)}\n`);
const log = (line) => process.stderr.write(`${line}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : undefined;
};
const round = (x, d = 4) => (x === undefined || x === null ? x : Number(x.toFixed(d)));

/** Seeded uniform [-1, 1) values (core's Rng). */
function rand(n, seed) {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

// ───────────────────────────── worker: one (backend, mode) ─────────────────────────────

function classifier(tf, imageSize) {
  const spec = { backbone: BACKBONE, width: 1, imageSize, head: HEAD };
  const backbone = buildBackbone(tf, spec);
  seededInit(tf, backbone, createRng(1));
  const model = attachHead(tf, backbone, spec);
  initHead(tf, model, createRng(2));
  return model;
}

const countParams = (weights) => weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);

/** fit's options for a synthetic run; validate is trivial (two fixed logits), checkpoints go to a temp dir. */
function fitOptions(train, trainSize, epochs, checkpointDir, onEpoch) {
  return {
    epochs,
    learningRate: LEARNING_RATE,
    loss: { posWeight: POS_WEIGHT },
    weightDecay: 0,
    train,
    trainSize,
    validate: async () => Float32Array.from([0.3, -0.3]),
    validationLabels: [1, 0],
    evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
    checkpoint: DEFAULT_CHECKPOINT_RULE,
    checkpointDir,
    resumeKey: `bench-${process.pid}`,
    logger: silentLogger,
    onEpoch,
  };
}

/** finetune / partial: `warmup + steps` steps of fit's own loop (one fit epoch), each timed from yield to resume. */
async function stepWorker(tf, job, deadline) {
  const { size, batch, warmup, steps, mode, backend } = job;
  let t = performance.now();
  const model = classifier(tf, size);
  const trainableTensors = setTrainable(model, BACKBONE, mode);
  emit({ type: 'built', seconds: (performance.now() - t) / 1000, trainableTensors, trainableParams: countParams(model.trainableWeights) });
  const data = rand(batch * size * size * 3, 11);
  const targets = Float32Array.from({ length: batch }, (_, i) => i % 2);
  const checkpointDir = mkdtempSync(path.join(os.tmpdir(), 'bench-train-'));
  let sourceEnd = 0;
  let lastMs = 0;
  const source = async function* () {
    for (let i = 0; i < warmup + steps; i++) {
      if (i > warmup && Date.now() + lastMs > deadline) {
        emit({ type: 'guard', message: `stopped after ${i - warmup} timed step(s): another step (~${(lastMs / 1000).toFixed(0)} s) would pass the job deadline` });
        break;
      }
      const t0 = performance.now();
      yield { data, shape: [batch, size, size, 3], targets };
      lastMs = performance.now() - t0;
      emit({ type: 'step', i, warmup: i < warmup, ms: lastMs });
      log(`  ${backend} ${mode} ${size}px batch ${batch} step ${i}${i < warmup ? ' (warm-up)' : ''}: ${(lastMs / 1000).toFixed(2)} s`);
    }
    sourceEnd = performance.now();
  };
  try {
    const { optimizer } = await fit(tf, model, fitOptions(source, batch * (warmup + steps), 1, checkpointDir, (r) => {
      emit({ type: 'epoch', epoch: r.epoch, trainLoss: r.trainLoss, seconds: r.seconds, afterStepsS: (performance.now() - sourceEnd) / 1000 });
    }));
    // The Adam update alone (fit's optimizer, warm): a per-step cost that does not grow with batch or
    // image size, so a reduced run's time is scaled without it (see summarise).
    const vars = model.trainableWeights.map((w) => w.read());
    const zeros = vars.map((v) => ({ name: v.name, tensor: tf.zerosLike(v) }));
    const adamMs = [];
    for (let i = 0; i < (backend === 'cpu' ? 1 : 2) && (i === 0 || Date.now() + adamMs[0] < deadline); i++) {
      const t0 = performance.now();
      optimizer.applyGradients(zeros);
      await vars[vars.length - 1].data();
      adamMs.push(performance.now() - t0);
    }
    emit({ type: 'adam', ms: adamMs });
    tf.dispose(zeros.map((z) => z.tensor));
    optimizer.dispose();
  } finally {
    rmSync(checkpointDir, { recursive: true, force: true });
    model.dispose();
  }
}

/** probe: (a) the feature cache = forward passes of the frozen backbone; (b) the head trained by fit on cached features. */
async function probeWorker(tf, job, deadline) {
  const { size, batch, cacheImages, cacheWarmup, probeEpochs, trainImages, views, backend } = job;
  let t = performance.now();
  const model = classifier(tf, size);
  const extractor = featureExtractor(tf, model);
  emit({ type: 'built', seconds: (performance.now() - t) / 1000 });
  const forward = async (data, n) => {
    const out = tf.tidy(() => extractor.predict(tf.tensor4d(data, [n, size, size, 3])));
    await out.data();
    out.dispose();
  };
  const per = size * size * 3;
  const data = rand(batch * per, 13);
  if (cacheWarmup) {
    t = performance.now();
    await forward(data.subarray(0, per), 1);
    emit({ type: 'cache-warmup', ms: performance.now() - t });
  }
  let done = 0;
  let ms = 0;
  while (done < cacheImages) {
    const n = Math.min(batch, cacheImages - done);
    if (done > 0 && Date.now() + (ms / done) * n > deadline) {
      emit({ type: 'guard', message: `feature cache timed on ${done} of ${cacheImages} images: the job deadline` });
      break;
    }
    t = performance.now();
    await forward(data.subarray(0, n * per), n);
    const dt = performance.now() - t;
    ms += dt;
    done += n;
    emit({ type: 'cache-batch', images: n, ms: dt });
    log(`  ${backend} probe cache: ${n} image(s) at ${size}px in ${(dt / 1000).toFixed(2)} s`);
  }
  model.dispose(); // the extractor shares its layers

  // The head alone on cached features, exactly as trainClassifier's probe branch runs it.
  const head = buildHead(tf, FEATURE_DIM, HEAD);
  initHead(tf, head, createRng(4));
  const items = Array.from({ length: trainImages }, (_, i) => ({ id: `img${i}`, path: '', target: i % 2 }));
  const cached = { dim: FEATURE_DIM, views: Array.from({ length: views }, (_, v) => rand(trainImages * FEATURE_DIM, 100 + v)) };
  const inner = featureBatchSource(items, cached, batch, createRng(5));
  let stepMs = [];
  let epochStart = 0;
  let lastEpochEnd = performance.now();
  const source = (epoch) =>
    (async function* () {
      stepMs = [];
      epochStart = performance.now();
      for await (const b of inner(epoch)) {
        const t0 = performance.now();
        yield b;
        stepMs.push(performance.now() - t0);
      }
    })();
  const checkpointDir = mkdtempSync(path.join(os.tmpdir(), 'bench-train-probe-'));
  try {
    await fit(tf, head, fitOptions(source, trainImages, 1 + probeEpochs, checkpointDir, (r) => {
      const now = performance.now();
      // seconds: fit's own epoch time (batches + trivial validation); wallS: epoch start to the end of its checkpoint saves.
      emit({ type: 'head-epoch', epoch: r.epoch, warmup: r.epoch === 1, seconds: r.seconds, trainS: stepMs.reduce((a, b) => a + b, 0) / 1000, stepMs, wallS: (now - Math.min(epochStart, lastEpochEnd)) / 1000, trainLoss: r.trainLoss });
      lastEpochEnd = now;
    }));
  } finally {
    rmSync(checkpointDir, { recursive: true, force: true });
    head.dispose();
  }
}

async function worker(job) {
  const { tf, description, adapter } = await loadTensorflow({ backend: job.backend });
  emit({ type: 'backend', description, ...(adapter ? { adapter } : {}), missingTrainingKernels: missingKernels({ tf, backend: job.backend, description }) });
  const deadline = job.deadline;
  if (job.mode === 'probe') await probeWorker(tf, job, deadline);
  else await stepWorker(tf, job, deadline);
  emit({ type: 'memory', rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20), tfTensors: tf.memory().numTensors });
}

if (arg('worker')) {
  await worker(JSON.parse(arg('worker')));
  process.exit(0);
}

// ───────────────────────────── orchestrator ─────────────────────────────

const size = num('size', 224);
const batch = num('batch', 16);
const trainImages = num('train-images', 80);
const views = num('views', 8);
const stepsPerEpoch = Math.ceil(trainImages / batch);
const cacheTotal = (views + 1) * trainImages;
const modes = arg('modes', 'finetune,partial,probe').split(',').filter(Boolean);
const maxSeconds = num('max-seconds', 1200);
const maxJobSeconds = num('max-job-seconds', 420);
const killGraceSeconds = 30;
const torchThreads = argv.includes('--no-torch') ? [] : arg('torch-threads', '2,1').split(',').filter(Boolean).map(Number);
const started = Date.now();
const loadAtStart = os.loadavg();
const globalDeadline = started + maxSeconds * 1000;
for (const m of modes) if (!['finetune', 'partial', 'probe'].includes(m)) throw new Error(`unknown mode ${m} (finetune, partial, probe)`);

// Which backends are here; the absent ones with the reason core gives.
const ALL = ['tensorflow-gpu', 'tensorflow', 'webgpu', 'wasm', 'cpu'];
const present = [];
const absent = {};
let webgpuAdapter;
for (const b of ALL) {
  try {
    const handle = await loadTensorflow({ backend: b });
    if (handle.adapter) webgpuAdapter = handle.adapter;
    present.push(b);
  } catch (err) {
    absent[b] = err.reason ?? err.message.split('\n')[0];
  }
}
const softwareWebgpu = webgpuAdapter !== undefined && isSoftwareAdapter(webgpuAdapter);
// By default a software webgpu adapter (lavapipe) is left out, as auto leaves it: name it to time it.
const backends = arg('backends') ? arg('backends').split(',') : present.filter((b) => b !== 'webgpu' || !softwareWebgpu);
for (const b of backends) if (!present.includes(b)) throw new Error(`backend ${b} is not available: ${absent[b]}`);
log(`backends present: ${present.join(', ')}; absent: ${Object.entries(absent).map(([b, r]) => `${b} (${r})`).join('; ') || 'none'}`);

/** What each (backend, mode) job measures; the pure-JS cpu backend runs reduced sizes (scaled afterwards). */
function jobFor(backend, mode) {
  const reduced = backend === 'cpu';
  if (mode === 'finetune') {
    return reduced
      ? { backend, mode, size: num('cpu-size', 64), batch: num('cpu-batch', 1), warmup: num('cpu-warmup', 0), steps: num('cpu-steps', 1) }
      : { backend, mode, size, batch, warmup: num('warmup', 1), steps: num('steps', 2) };
  }
  if (mode === 'partial') {
    return reduced
      ? { backend, mode, size: num('cpu-partial-size', 224), batch: num('cpu-batch', 1), warmup: num('cpu-warmup', 0), steps: num('cpu-steps', 1) }
      : { backend, mode, size, batch, warmup: num('warmup', 1), steps: num('partial-steps', 3) };
  }
  return {
    backend,
    mode,
    size,
    batch,
    cacheImages: reduced ? num('cpu-cache-images', 1) : Math.min(num('cache-images', trainImages), cacheTotal),
    cacheWarmup: true,
    probeEpochs: num('probe-epochs', 20),
    trainImages,
    views,
  };
}

/** Runs one worker process; every event it printed survives a kill. */
function runJob(job) {
  return new Promise((resolve) => {
    const jobDeadline = Math.min(Date.now() + maxJobSeconds * 1000, globalDeadline);
    const spec = { ...job, deadline: jobDeadline };
    const t0 = Date.now();
    const load0 = os.loadavg()[0];
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--worker', JSON.stringify(spec)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const events = [];
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      let nl;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) events.push(JSON.parse(line));
      }
    });
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      log(`  ${job.backend} ${job.mode}: past the job deadline (+${killGraceSeconds} s grace) — killing pid ${child.pid}`);
      child.kill('SIGKILL');
    }, Math.max(0, jobDeadline - Date.now()) + killGraceSeconds * 1000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ spec, events, killed, code, signal, wallS: (Date.now() - t0) / 1000, loadavg: [round(load0, 2), round(os.loadavg()[0], 2)] });
    });
  });
}

/** An event without its type tag. */
const payload = (event) => {
  const { type: _type, ...rest } = event ?? {};
  return rest;
};

/** Turns a worker's events into the job's result, scaled to batch × size when it ran reduced. */
function summarise({ spec, events, killed, code, signal, wallS, loadavg }) {
  const { backend, mode } = spec;
  const pick = (type) => events.filter((e) => e.type === type);
  const description = pick('backend')[0]?.description;
  const guard = pick('guard').map((e) => e.message);
  const status = killed ? `killed by the --max-job-seconds/--max-seconds guard after ${wallS.toFixed(0)} s` : code === 0 ? 'ok' : `failed (exit ${code ?? signal})`;
  const base = { backend, description, mode, status, ...(guard.length ? { guard } : {}), wallS: round(wallS, 1), loadavg1m: loadavg, memory: payload(pick('memory')[0]) };
  if (mode !== 'probe') {
    const steps = pick('step');
    const timed = steps.filter((s) => !s.warmup).map((s) => s.ms);
    const measured = timed.length ? timed : steps.map((s) => s.ms); // a lone first step: warm-up included
    const factor = (batch / spec.batch) * ((size * size) / (spec.size * spec.size));
    const medianMs = median(measured);
    const adamMs = median(pick('adam')[0]?.ms ?? []);
    // Reduced runs: the Adam update (independent of batch and pixels) is added as measured, the rest is scaled.
    const fixedMs = factor !== 1 && adamMs !== undefined && medianMs !== undefined ? Math.min(adamMs, medianMs) : 0;
    const stepS = medianMs === undefined ? undefined : (fixedMs + (medianMs - fixedMs) * factor) / 1000;
    const epoch = pick('epoch')[0];
    return {
      ...base,
      built: payload(pick('built')[0]),
      measured: {
        size: spec.size,
        batch: spec.batch,
        warmUpSteps: steps.filter((s) => s.warmup).map((s) => round(s.ms / 1000, 3)),
        timedStepS: measured.map((ms) => round(ms / 1000, 3)),
        warmUpIncluded: spec.warmup === 0 || (timed.length === 0 && measured.length > 0),
        medianStepS: round(medianMs / 1000, 3),
        adamUpdateS: round(adamMs / 1000, 3),
      },
      scaled:
        factor !== 1
          ? { factor: round(factor, 3), note: `estimate: measured at batch ${spec.batch}, ${spec.size}×${spec.size}; step minus the measured Adam update scaled linearly in batch × pixels to batch ${batch}, ${size}×${size}, plus the Adam update` }
          : false,
      stepS: round(stepS, 3),
      epochS: round(stepS === undefined ? undefined : stepS * stepsPerEpoch, 3),
      fitEpoch: epoch ? { trainLoss: round(epoch.trainLoss, 5), checkpointAndValidationS: round(epoch.afterStepsS, 2) } : undefined,
    };
  }
  const cacheBatches = pick('cache-batch');
  const images = cacheBatches.reduce((n, b) => n + b.images, 0);
  const cacheMs = cacheBatches.reduce((n, b) => n + b.ms, 0);
  const cacheS = images ? (cacheMs / 1000) * (cacheTotal / images) : undefined;
  const epochs = pick('head-epoch').filter((e) => !e.warmup);
  return {
    ...base,
    cache: {
      size: spec.size,
      batch: Math.min(spec.batch, spec.cacheImages),
      warmUpS: round((pick('cache-warmup')[0]?.ms ?? 0) / 1000, 3),
      imagesTimed: images,
      measuredS: round(cacheMs / 1000, 3),
      imagesPerS: images ? round(images / (cacheMs / 1000), 3) : undefined,
      images: cacheTotal,
      cacheS: round(cacheS, 2),
      scaled: images !== cacheTotal ? `estimate: ${images} of the ${cacheTotal} forward passes ((views ${views} + 1) × ${trainImages} images) timed, scaled linearly` : false,
    },
    head: epochs.length
      ? {
          epochsTimed: epochs.length,
          stepsPerEpoch,
          medianStepMs: round(median(epochs.flatMap((e) => e.stepMs)), 3),
          medianTrainS: round(median(epochs.map((e) => e.trainS)), 4),
          medianFitEpochS: round(median(epochs.map((e) => e.seconds)), 4),
          medianEpochWithCheckpointsS: round(median(epochs.map((e) => e.wallS)), 4),
          trainLoss: [round(epochs[0].trainLoss, 5), round(epochs.at(-1).trainLoss, 5)],
        }
      : undefined,
    epochS: epochs.length ? round(median(epochs.map((e) => e.trainS)), 4) : undefined,
  };
}

// PyTorch first (cheap), then partial, probe, finetune (the long one last), each on every backend.
const torch = [];
const python = '/usr/bin/python3';
let torchError;
if (torchThreads.length && existsSync(python)) {
  for (const threads of torchThreads) {
    const left = (globalDeadline - Date.now()) / 1000;
    if (left < 30) {
      torchError = `skipped ${threads} thread(s): --max-seconds reached`;
      break;
    }
    log(`PyTorch CPU, ${threads} thread(s)`);
    try {
      const out = execFileSync(
        python,
        [path.join(here, 'torch_train_bench.py'), '--modes', modes.join(','), '--threads', String(threads), '--batch', String(batch), '--size', String(size),
          '--steps', arg('torch-steps', '3'), '--warmup', '1', '--train-images', String(trainImages), '--views', String(views),
          '--cache-passes', arg('torch-cache-passes', String(views + 1)), '--probe-epochs', '50', '--max-seconds', String(Math.min(120, left / 3))],
        { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: Math.min(maxJobSeconds, left) * 1000, killSignal: 'SIGKILL' },
      );
      for (const line of out.trim().split('\n').filter(Boolean)) torch.push(JSON.parse(line));
    } catch (err) {
      torchError = `PyTorch ${threads} thread(s): ${err.message.split('\n')[0]}`;
      log(torchError);
    }
  }
} else if (torchThreads.length) {
  torchError = `${python} not found`;
}

const order = ['partial', 'probe', 'finetune'].filter((m) => modes.includes(m));
const tfjs = [];
for (const mode of order) {
  for (const backend of backends) {
    const job = jobFor(backend, mode);
    const left = (globalDeadline - Date.now()) / 1000;
    if (left < 20) {
      tfjs.push({ backend, mode, status: `skipped: --max-seconds ${maxSeconds} reached` });
      log(`${backend} ${mode}: skipped (--max-seconds reached)`);
      continue;
    }
    log(`${backend} ${mode}: ${JSON.stringify(job)}`);
    const result = summarise(await runJob(job));
    tfjs.push(result);
    log(`${backend} ${mode}: ${result.status}${result.stepS !== undefined ? `, ${result.stepS} s/step${result.scaled ? ' (scaled)' : ''}` : ''}`);
  }
}

// ───────────────────────────── report ─────────────────────────────

const T = (mode, threads) => torch.find((r) => r.mode === mode && r.threads === threads);
const R = (backend, mode) => tfjs.find((r) => r.backend === backend && r.mode === mode);
const metrics = [
  { mode: 'finetune', what: 's/step', ours: (r) => r?.stepS, ref: (t) => t?.median_step_s, scaled: (r) => Boolean(r?.scaled) },
  { mode: 'finetune', what: `s/epoch (${stepsPerEpoch} steps)`, ours: (r) => r?.epochS, ref: (t) => t?.epoch_s, scaled: (r) => Boolean(r?.scaled) },
  { mode: 'partial', what: 's/step', ours: (r) => r?.stepS, ref: (t) => t?.median_step_s, scaled: (r) => Boolean(r?.scaled) },
  { mode: 'partial', what: `s/epoch (${stepsPerEpoch} steps)`, ours: (r) => r?.epochS, ref: (t) => t?.epoch_s, scaled: (r) => Boolean(r?.scaled) },
  { mode: 'probe', what: `feature cache, one-off (${cacheTotal} fwd) s`, ours: (r) => r?.cache?.cacheS, ref: (t) => t?.cache?.cache_s, scaled: (r) => Boolean(r?.cache?.scaled) },
  { mode: 'probe', what: `head s/epoch (${stepsPerEpoch} steps)`, ours: (r) => r?.head?.medianTrainS, ref: (t) => t?.head?.median_epoch_s, scaled: () => false },
  { mode: 'probe', what: "head s/epoch, fit's whole epoch incl. checkpoint saves", ours: (r) => r?.head?.medianEpochWithCheckpointsS, ref: () => undefined, scaled: () => false },
].filter((m) => modes.includes(m.mode));
const fmt = (x) => (x === undefined || x === null ? '—' : x >= 100 ? x.toFixed(0) : x >= 1 ? x.toPrecision(3) : x.toPrecision(2));
const threadsShown = torch.length ? [...new Set(torch.map((t) => t.threads))] : [];
const summary = [];
const backendLabel = (b) => (b === 'webgpu' && softwareWebgpu ? 'TF.js webgpu (software adapter)' : `TF.js ${b}`);
const header = ['mode', 'measure', ...backends.map(backendLabel), ...threadsShown.map((n) => `PyTorch ${n} thr`), ...backends.flatMap((b) => threadsShown.map((n) => `${b} / PT ${n} thr`))];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
for (const m of metrics) {
  const row = { mode: m.mode, measure: m.what };
  const cells = [m.mode, m.what];
  for (const b of backends) {
    const r = R(b, m.mode);
    row[b] = m.ours(r);
    if (m.scaled(r)) row[`${b}Scaled`] = true;
    cells.push(`${fmt(row[b])}${m.scaled(r) && row[b] !== undefined ? ' *' : ''}`);
  }
  for (const n of threadsShown) {
    row[`torch${n}t`] = m.ref(T(m.mode, n));
    cells.push(fmt(row[`torch${n}t`]));
  }
  for (const b of backends) {
    for (const n of threadsShown) {
      const ratio = row[b] !== undefined && row[`torch${n}t`] ? row[b] / row[`torch${n}t`] : undefined;
      row[`${b}/torch${n}t`] = round(ratio, 2);
      cells.push(ratio === undefined ? '—' : `${fmt(ratio)}×`);
    }
  }
  summary.push(row);
  lines.push(`| ${cells.join(' | ')} |`);
}

// Which backend `auto` should train on: the faster of wasm and cpu at every training cost measured.
let autoTraining;
if (backends.includes('wasm') && backends.includes('cpu')) {
  const compare = metrics
    .filter((m) => !m.what.includes('checkpoint'))
    .map((m) => {
      const w = m.ours(R('wasm', m.mode));
      const c = m.ours(R('cpu', m.mode));
      return { mode: m.mode, measure: m.what, wasm: w, cpu: c, faster: w === undefined || c === undefined ? undefined : w <= c ? 'wasm' : 'cpu', cpuOverWasm: w && c ? round(c / w, 1) : undefined };
    });
  const heavy = compare.filter((c) => !c.measure.startsWith('head') && c.faster);
  const choice = heavy.length && heavy.every((c) => c.faster === heavy[0].faster) ? heavy[0].faster : heavy.length ? 'mixed' : undefined;
  autoTraining = {
    choice,
    compare,
    conclusion:
      choice === 'wasm' || choice === 'cpu'
        ? `${choice} is faster for every backbone-bound training cost measured (finetune/partial steps, probe feature cache: cpu/wasm = ${heavy.map((c) => `${c.cpuOverWasm}×`).join(', ')}); with no native backend installed, auto should train on ${choice}` +
          (compare.some((c) => c.measure.startsWith('head') && c.faster && c.faster !== choice) ? ' (the probe head alone, a 513-parameter dense layer, is milliseconds per epoch on either)' : '')
        : 'not decided: a comparison is missing or mixed (see compare)',
  };
}

// Every backend trains on the same seeded batches from the same seeded weights: the losses it reports
// should agree (the correctness check of a new backend such as webgpu). Only among runs of the same size.
const lossOf = (r) => r?.fitEpoch?.trainLoss ?? r?.head?.trainLoss?.at(-1);
const lossAgreement = order.map((mode) => {
  const same = backends.filter((b) => lossOf(R(b, mode)) !== undefined && !R(b, mode).scaled);
  const losses = Object.fromEntries(same.map((b) => [b, lossOf(R(b, mode))]));
  const values = Object.values(losses);
  const spread = values.length > 1 ? round((Math.max(...values) - Math.min(...values)) / Math.abs(values[0]), 8) : undefined;
  return { mode, losses, ...(spread !== undefined ? { relativeSpread: spread } : {}) };
}).filter((a) => Object.keys(a.losses).length > 1);

const tfjsVersion = (() => {
  try {
    return JSON.parse(execFileSync(process.execPath, ['-p', "JSON.stringify(require('@tensorflow/tfjs/package.json').version)"], { encoding: 'utf8', cwd: path.join(root, 'packages/core') }));
  } catch {
    return undefined;
  }
})();
const result = {
  what:
    `ResNet18 (seededInit) + linear head, ${size}×${size}, batch ${batch}, BCE-with-logits pos_weight ${POS_WEIGHT}, Adam lr ${LEARNING_RATE}; TF.js through core's fit (synthetic random batches, trivial validate, checkpoints to a temp dir); ` +
    `epoch = ${trainImages} images = ${stepsPerEpoch} steps (the notebook's); s/epoch = ${stepsPerEpoch} × median step; probe = one-off cache of (views ${views} + 1) × ${trainImages} forward passes, then the head alone on cached ${FEATURE_DIM}-d features. ` +
    'Warm-up steps excluded unless warmUpIncluded. cpu rows marked scaled are estimates (measured reduced, scaled linearly in batch × pixels).',
  command: `node bench/train/run.mjs ${argv.join(' ')}`.trim(),
  date: new Date(started).toISOString(),
  totalWallS: round((Date.now() - started) / 1000, 1),
  machine: {
    platform: os.platform(),
    release: os.release(),
    arch: os.arch(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemGiB: round(os.totalmem() / 2 ** 30, 1),
    loadavgAtStart: loadAtStart.map((x) => round(x, 2)),
    loadavgAtEnd: os.loadavg().map((x) => round(x, 2)),
  },
  node: process.version,
  tfjs: tfjsVersion,
  torch: torch[0] ? { version: torch[0].torch_version, torchvision: torch[0].torchvision_version, python: torch[0].python } : { error: torchError ?? 'not run' },
  backends: { present, absent, benchmarked: backends },
  webgpu: webgpuAdapter
    ? {
        adapter: webgpuAdapter,
        kind: describeAdapter(webgpuAdapter),
        software: softwareWebgpu,
        note: softwareWebgpu
          ? 'a software (CPU) Vulkan adapter: its webgpu numbers show that training runs on webgpu, not how fast a GPU is (README "GPU through WebGPU")'
          : 'a hardware adapter',
      }
    : { absent: absent.webgpu ?? 'not tried' },
  wasmConv2DBackpropInput: process.env.NEURO_SSL_WASM_NATIVE_BACKPROP_INPUT === '1' ? "TF.js's own (NEURO_SSL_WASM_NATIVE_BACKPROP_INPUT=1)" : 'ours (XNNPACK conv, wasm-training-kernels.ts)',
  limits: { maxSeconds, maxJobSeconds, killGraceSeconds },
  summary,
  lossAgreement,
  autoTraining,
  tfjsResults: tfjs,
  torchResults: torch,
  ...(torchError ? { torchError } : {}),
};
const out = path.resolve(root, arg('out', 'bench/results/train.json'));
if (!argv.includes('--no-write')) {
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
}
console.log(lines.join('\n'));
if (backends.includes('cpu')) console.log(`\n* estimate: the pure-JS cpu backend ran reduced (finetune ${R('cpu', 'finetune')?.measured ? `batch ${R('cpu', 'finetune').measured.batch} at ${R('cpu', 'finetune').measured.size}px` : '—'}, partial ${R('cpu', 'partial')?.measured ? `batch ${R('cpu', 'partial').measured.batch} at ${R('cpu', 'partial').measured.size}px` : '—'}, cache ${R('cpu', 'probe')?.cache?.imagesTimed ?? '—'} image(s)), scaled to batch ${batch} at ${size}px (linearly in batch × pixels, the Adam update unscaled).`);
if (webgpuAdapter) console.log(`webgpu adapter: ${describeAdapter(webgpuAdapter)}${softwareWebgpu ? ' — software: for correctness only, not a GPU speed' : ''}`);
const cacheScaled = backends.filter((b) => b !== 'cpu' && R(b, 'probe')?.cache?.scaled);
if (cacheScaled.length) console.log(`* estimate (${cacheScaled.join(', ')}): the feature cache timed on ${R(cacheScaled[0], 'probe').cache.imagesTimed} of ${cacheTotal} forward passes, scaled linearly.`);
if (lossAgreement.length) console.log(`training losses (same seeded batches): ${lossAgreement.map((a) => `${a.mode} ${Object.entries(a.losses).map(([b, l]) => `${b} ${l}`).join(' / ')}`).join('; ')}`);
console.log(`absent backends: ${Object.entries(absent).map(([b, r]) => `${b}: ${r}`).join('; ') || 'none'}`);
if (autoTraining) console.log(`auto for training: ${autoTraining.conclusion}`);
console.log(`total ${result.totalWallS} s${argv.includes('--no-write') ? '' : `; written to ${path.relative(process.cwd(), out)}`}`);
process.exit(0);
