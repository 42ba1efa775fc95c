#!/usr/bin/env node
// Why the TF.js backbones extract features slower than PyTorch CPU (bench/extract/run.mjs): a
// per-kernel profile of resnet18 and mobilenet_v2 (α 0.35) at 224×224 — batch 16 on wasm, one batch of
// 2 on the pure-JS cpu backend for contrast — plus what the wasm backend actually runs (which .wasm
// variant, SIMD, threads), PyTorch's threads/kernel library/ISA and op breakdown on the same shapes,
// and a standalone experiment timing conv → BatchNorm → activation against the same conv with BN
// folded into its kernel and bias (a candidate inference speed-up; nothing here changes product code).
// Writes bench/results/extract-profile.json and prints a Markdown summary.
//
//   npm run build && node bench/extract/profile.mjs [--batch 16] [--cpu-batch 2] [--skip-cpu] [--skip-variants]
//
// Notes on the method:
// - tf.profile() on wasm times each kernel with performance.now() around the synchronous XNNPACK /
//   C++ call (BackendWasm.time), so kernelTimeMs is wall time per kernel, exact enough on a quiet box.
//   On cpu it is the same (synchronous JS). Profiling adds bookkeeping between kernels; the profiled
//   forward is reported next to an unprofiled one.
// - Variants (SIMD off, threads forced on) run in child processes, because the wasm module is chosen
//   once per process when the backend initialises.
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const flag = (name) => process.argv.includes(`--${name}`);
const batch = Number(arg('batch', '16'));
const cpuBatch = Number(arg('cpu-batch', '2'));
const size = 224;
const MODELS = [
  { name: 'resnet18', width: 1, torch: 'resnet18' },
  { name: 'mobilenet_v2', width: 0.35, torch: 'mobilenet_v2' },
];
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const r3 = (x) => Number(x.toPrecision(3));

// ---------------------------------------------------------------------------------------------
// Child mode: load the wasm backend with given flag overrides, report the variant and img/s.
// ---------------------------------------------------------------------------------------------
if (process.argv[2] === '--variant-child') {
  const overrides = JSON.parse(process.argv[3]);
  const childBatch = Number(process.argv[4]);
  const wasmLoaded = [];
  const fs = require('fs');
  const orig = fs.readFileSync;
  fs.readFileSync = function (file, ...rest) {
    if (String(file).endsWith('.wasm')) wasmLoaded.push(path.basename(String(file)));
    return orig.call(this, file, ...rest);
  };
  const out = { overrides, batch: childBatch };
  try {
    const tf = await import('@tensorflow/tfjs');
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep);
    for (const [k, v] of Object.entries(overrides)) tf.env().set(k, v);
    const ok = await Promise.race([tf.setBackend('wasm'), new Promise((_, rej) => setTimeout(() => rej(new Error('setBackend("wasm") did not settle within 60 s')), 60_000))]);
    if (!ok) throw new Error('setBackend("wasm") returned false');
    await tf.ready();
    out.wasmFile = wasmLoaded;
    out.simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    out.multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    out.threads = wasm.getThreadsCount();
    const { getBackbone } = await import('@neuro-ssl/core');
    out.imagesPerSecond = {};
    for (const m of MODELS) {
      const model = getBackbone(m.name).build(tf, { imageSize: size, width: m.width });
      const x = tf.randomNormal([childBatch, size, size, 3], 0, 1, 'float32', 7);
      const fwd = async () => {
        const y = tf.tidy(() => model.predict(x));
        await y.data();
        y.dispose();
      };
      await fwd();
      const t0 = performance.now();
      await fwd();
      out.imagesPerSecond[m.name] = r3(childBatch / ((performance.now() - t0) / 1000));
      x.dispose();
      model.dispose();
    }
  } catch (err) {
    out.error = String(err?.message ?? err).split('\n')[0];
    out.wasmFile = wasmLoaded;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// Main mode.
// ---------------------------------------------------------------------------------------------
const loadStart = load();
const wasmLoaded = [];
{
  // Which .wasm file the Emscripten loader reads (it uses fs.readFileSync under Node).
  const fs = require('fs');
  const orig = fs.readFileSync;
  fs.readFileSync = function (file, ...rest) {
    if (String(file).endsWith('.wasm')) wasmLoaded.push(path.basename(String(file)));
    return orig.call(this, file, ...rest);
  };
}
const { getBackbone, loadTensorflow } = await import('@neuro-ssl/core');
const wasmPkg = await import('@tensorflow/tfjs-backend-wasm');

const CATEGORY = {
  Conv2D: 'conv',
  FusedConv2D: 'conv',
  DepthwiseConv2dNative: 'depthwise conv',
  FusedDepthwiseConv2D: 'depthwise conv',
  FusedBatchNorm: 'batchnorm',
  Relu: 'activation',
  Relu6: 'activation',
  ClipByValue: 'activation',
  Sigmoid: 'activation',
  Add: 'add (residual)',
  AddV2: 'add (residual)',
  PadV2: 'pad',
  MaxPool: 'pool',
  AvgPool: 'pool',
  Mean: 'global pool',
};
const CONVS = new Set(['Conv2D', 'FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2D']);

/** FLOPs (2 × MACs) of a conv kernel from its profiled shapes. */
function convFlops(k) {
  const out = k.outputShapes[0];
  const filter = k.inputShapes[1];
  if (!out || !filter) return 0;
  const [n, ho, wo, co] = out;
  const [kh, kw, ci] = filter;
  if (k.kernelName.includes('Depthwise')) return 2 * n * ho * wo * co * kh * kw;
  return 2 * n * ho * wo * co * kh * kw * ci;
}

async function profileModel(tf, backend, m, b) {
  const model = getBackbone(m.name).build(tf, { imageSize: size, width: m.width });
  const x = tf.randomNormal([b, size, size, 3], 0, 1, 'float32', 7);
  const fwd = async () => {
    const y = tf.tidy(() => model.predict(x));
    await y.data();
    y.dispose();
  };
  await fwd(); // warm-up at the measured shape: XNNPACK operator creation, weight packing
  let unprofiledMs = null;
  if (backend !== 'cpu') {
    const t0 = performance.now();
    await fwd();
    unprofiledMs = performance.now() - t0;
  }
  const t1 = performance.now();
  const prof = await tf.profile(async () => {
    const y = tf.tidy(() => model.predict(x));
    await y.data();
    y.dispose();
  });
  const profiledMs = performance.now() - t1;
  x.dispose();
  model.dispose();

  // tfjs-core 4.22 records each kernel as {name, inputShapes, outputShapes, kernelTimeMs, bytesAdded, ...}.
  // Ops implemented with customGrad (fused.conv2d) also record their op scope ("fusedConv2d__op")
  // around the real kernel: drop those, or conv time is counted twice.
  const kernels = prof.kernels.filter((k) => !k.name.endsWith('__op')).map((k) => ({ ...k, kernelName: k.name }));
  const scopesDropped = prof.kernels.length - kernels.length;
  const total = kernels.reduce((s, k) => s + k.kernelTimeMs, 0);
  const byKernel = new Map();
  const byCat = new Map();
  let convFlopsTotal = 0;
  let convMs = 0;
  let foldableBnMs = 0;
  let foldableActMs = 0;
  let nBn = 0;
  let bnElements = 0;
  let bnMs = 0;
  let nFoldableAct = 0;
  const convLayers = [];
  const PASSTHROUGH = new Set(['Identity', 'Reshape', 'Cast']);
  let prev; // previous kernel that does real work
  let prevFoldable = false; // was it a BN (or activation) that folding removes?
  kernels.forEach((k) => {
    const e = byKernel.get(k.kernelName) ?? { kernel: k.kernelName, calls: 0, ms: 0 };
    e.calls++;
    e.ms += k.kernelTimeMs;
    byKernel.set(k.kernelName, e);
    const cat = CATEGORY[k.kernelName] ?? 'other';
    byCat.set(cat, (byCat.get(cat) ?? 0) + k.kernelTimeMs);
    if (CONVS.has(k.kernelName)) {
      const f = convFlops(k);
      convFlopsTotal += f;
      convMs += k.kernelTimeMs;
      convLayers.push({ kernel: k.kernelName, input: k.inputShapes[0], filter: k.inputShapes[1], ms: r3(k.kernelTimeMs), gflops: r3(f / 1e9), gflopPerS: r3(f / 1e6 / k.kernelTimeMs) });
    }
    // Execution order is topological: a BN right after a conv is that conv's BN; an activation right
    // after a BN consumes it. Those are the ops that BN folding + fused activation would remove.
    // (tf.layers ReLU({maxValue: 6}) runs Relu then ClipByValue: both fold into a fused 'relu6'.)
    if (PASSTHROUGH.has(k.kernelName)) return;
    let foldable = false;
    if (k.kernelName === 'FusedBatchNorm') {
      nBn++;
      bnElements += k.outputShapes[0].reduce((a, b) => a * b, 1);
      bnMs += k.kernelTimeMs;
      if (CONVS.has(prev)) {
        foldableBnMs += k.kernelTimeMs;
        foldable = true;
      }
    }
    if (CATEGORY[k.kernelName] === 'activation' && prevFoldable) {
      nFoldableAct++;
      foldableActMs += k.kernelTimeMs;
      foldable = true;
    }
    prev = k.kernelName;
    prevFoldable = foldable;
  });
  const pct = (ms) => Number(((100 * ms) / total).toFixed(1));
  return {
    model: m.name,
    width: m.width,
    backend,
    batch: b,
    kernelCalls: kernels.length,
    opScopesDropped: scopesDropped,
    unprofiledForwardMs: unprofiledMs && r3(unprofiledMs),
    profiledForwardMs: r3(profiledMs),
    sumKernelMs: r3(total),
    imagesPerSecondUnprofiled: unprofiledMs && r3(b / (unprofiledMs / 1000)),
    byKernel: [...byKernel.values()].sort((a, c) => c.ms - a.ms).map((e) => ({ ...e, ms: r3(e.ms), pct: pct(e.ms) })),
    byCategory: Object.fromEntries([...byCat.entries()].sort((a, c) => c[1] - a[1]).map(([k, v]) => [k, { ms: r3(v), pct: pct(v) }])),
    conv: { gflop: r3(convFlopsTotal / 1e9), ms: r3(convMs), achievedGflopPerS: r3(convFlopsTotal / 1e6 / convMs) },
    batchNorm: { count: nBn, ms: r3(bnMs), elements: bnElements, nsPerElement: r3((bnMs * 1e6) / bnElements), foldableMs: r3(foldableBnMs), foldablePct: pct(foldableBnMs) },
    activationAfterBn: { count: nFoldableAct, ms: r3(foldableActMs), pct: pct(foldableActMs) },
    slowestConvLayers: convLayers.sort((a, c) => c.ms - a.ms).slice(0, 5),
  };
}

// ---- wasm: variant + profile ----------------------------------------------------------------
const { tf, description } = await loadTensorflow({ backend: 'wasm' });
const wasmInfo = {
  description,
  wasmFileLoaded: [...new Set(wasmLoaded)],
  simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
  multithreadFlag: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  threadsCount: wasmPkg.getThreadsCount(),
  isNode: tf.env().get('IS_NODE'),
  node: process.version,
  nodeHasSharedArrayBuffer: typeof SharedArrayBuffer === 'function',
  nodeHasGlobalWorker: typeof globalThis.Worker === 'function',
  whyNoThreads:
    "tfjs-backend-wasm 4.22 registers WASM_HAS_MULTITHREAD_SUPPORT as `if (ENV.get('IS_NODE')) return false` " +
    '(TODO referencing tensorflow/tfjs#3830), so under Node it always picks tfjs-backend-wasm-simd.wasm (single-threaded ' +
    'XNNPACK) even though Node 20 has SharedArrayBuffer and worker_threads; the threaded build starts its pthread pool ' +
    'with the browser `new Worker(blobURL)` API, which Node lacks.',
};
process.stderr.write(`wasm: ${JSON.stringify(wasmInfo)}\n`);

const profiles = [];
for (const m of MODELS) {
  process.stderr.write(`profiling wasm ${m.name} batch ${batch} (load ${load().join(' ')})\n`);
  profiles.push(await profileModel(tf, 'wasm', m, batch));
}

// ---- standalone experiment: conv → BN → act vs folded conv (bias + fused act) on wasm ---------
// Same shapes as layers of the two networks at batch 16. BN folding: w' = w·γ/√(σ²+ε) per output
// channel, b' = β − μ·γ/√(σ²+ε); the folded conv is a FusedConv2D/FusedDepthwiseConv2D with bias and
// activation, i.e. one kernel instead of three.
async function foldExperiment(tf, spec, reps = 7) {
  const { x: xs, k, ci, co, stride, depthwise, act } = spec;
  const x = tf.randomNormal(xs, 0, 1, 'float32', 1);
  const w = tf.randomNormal(depthwise ? [k, k, ci, 1] : [k, k, ci, co], 0, 0.1, 'float32', 2);
  const c = depthwise ? ci : co;
  const gamma = tf.randomUniform([c], 0.5, 1.5, 'float32', 3);
  const beta = tf.randomNormal([c], 0, 0.1, 'float32', 4);
  const mean = tf.randomNormal([c], 0, 0.1, 'float32', 5);
  const variance = tf.randomUniform([c], 0.5, 1.5, 'float32', 6);
  const eps = 1e-5;
  const scale = tf.tidy(() => gamma.div(variance.add(eps).sqrt()));
  const wFolded = tf.tidy(() => (depthwise ? w.mul(scale.reshape([1, 1, c, 1])) : w.mul(scale)));
  const bFolded = tf.tidy(() => beta.sub(mean.mul(scale)));
  const conv = (input, filter, bias, activation) =>
    depthwise
      ? tf.fused.depthwiseConv2d({ x: input, filter, strides: stride, pad: 'same', bias, activation })
      : tf.fused.conv2d({ x: input, filter, strides: stride, pad: 'same', bias, activation });
  const unfused = () =>
    tf.tidy(() => {
      const y = tf.batchNorm(conv(x, w, undefined, 'linear'), mean, variance, beta, gamma, eps);
      return act === 'relu6' ? tf.clipByValue(y, 0, 6) : tf.relu(y);
    });
  const folded = () => tf.tidy(() => conv(x, wFolded, bFolded, act));
  const convOnly = () => tf.tidy(() => conv(x, w, undefined, 'linear'));
  // Interleaved rounds (unfused, folded, conv only), so load from other processes hits all three
  // alike; the minimum is reported (least disturbed), the median kept in the JSON.
  const fns = [unfused, folded, convOnly];
  const times = fns.map(() => []);
  for (const f of fns) {
    const warm = f();
    await warm.data();
    warm.dispose();
  }
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < fns.length; j++) {
      const t0 = performance.now();
      const y = fns[j]();
      await y.data();
      times[j].push(performance.now() - t0);
      y.dispose();
    }
  }
  const stat = (ts) => {
    const sorted = [...ts].sort((a, b) => a - b);
    return { min: sorted[0], median: sorted[Math.floor(sorted.length / 2)] };
  };
  const a = unfused();
  const bb = folded();
  const maxAbsDiff = (await tf.max(tf.abs(tf.sub(a, bb))).data())[0];
  const maxAbs = (await tf.max(tf.abs(a)).data())[0];
  a.dispose();
  bb.dispose();
  const [sUnfused, sFolded, sConv] = times.map(stat);
  const [tUnfused, tFolded, tConv] = [sUnfused.min, sFolded.min, sConv.min];
  tf.dispose([x, w, gamma, beta, mean, variance, scale, wFolded, bFolded]);
  return {
    ...spec,
    convOnlyMs: r3(tConv),
    convBnActMs: r3(tUnfused),
    foldedMs: r3(tFolded),
    speedup: r3(tUnfused / tFolded),
    savedMs: r3(tUnfused - tFolded),
    medianMs: { convOnly: r3(sConv.median), convBnAct: r3(sUnfused.median), folded: r3(sFolded.median) },
    maxAbsDiff: Number(maxAbsDiff.toExponential(2)),
    maxAbsOutput: r3(maxAbs),
  };
}
const foldSpecs = [
  { layer: 'resnet18 layer1 3×3 conv', x: [batch, 56, 56, 64], k: 3, ci: 64, co: 64, stride: 1, depthwise: false, act: 'relu' },
  { layer: 'resnet18 layer3 3×3 conv', x: [batch, 14, 14, 256], k: 3, ci: 256, co: 256, stride: 1, depthwise: false, act: 'relu' },
  { layer: 'mobilenet_v2 α0.35 block_1 expand 1×1', x: [batch, 112, 112, 8], k: 1, ci: 8, co: 48, stride: 1, depthwise: false, act: 'relu6' },
  { layer: 'mobilenet_v2 α0.35 block_2 depthwise 3×3', x: [batch, 56, 56, 48], k: 3, ci: 48, co: 48, stride: 1, depthwise: true, act: 'relu6' },
];
const fold = [];
for (const s of foldSpecs) {
  process.stderr.write(`fold experiment: ${s.layer}\n`);
  fold.push(await foldExperiment(tf, s));
}

// ---- cpu contrast ---------------------------------------------------------------------------
if (!flag('skip-cpu')) {
  const cpu = await loadTensorflow({ backend: 'cpu' });
  for (const m of MODELS) {
    process.stderr.write(`profiling cpu ${m.name} batch ${cpuBatch}\n`);
    profiles.push(await profileModel(cpu.tf, 'cpu', m, cpuBatch));
  }
  await loadTensorflow({ backend: 'wasm' });
}

// ---- wasm variants in child processes ---------------------------------------------------------
const variants = [];
if (!flag('skip-variants')) {
  const vb = 4;
  for (const overrides of [{}, { WASM_HAS_SIMD_SUPPORT: false }, { WASM_HAS_MULTITHREAD_SUPPORT: true }]) {
    process.stderr.write(`wasm variant ${JSON.stringify(overrides)} batch ${vb}\n`);
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--variant-child', JSON.stringify(overrides), String(vb)], { encoding: 'utf8', timeout: 240_000 });
    const line = (r.stdout ?? '').trim().split('\n').filter(Boolean).pop();
    let parsed;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = { overrides, error: `child exited ${r.status ?? r.signal}: ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}` };
    }
    const firstError = (r.stderr ?? '').split('\n').find((l) => /Error/.test(l) && !/^\s+at /.test(l));
    if (firstError) parsed.stderrError = firstError.trim().slice(0, 400);
    variants.push(parsed);
  }
}

// ---- PyTorch: config, threads, oneDNN ISA, op breakdown on the same models --------------------
const torchPy = String.raw`
import json, sys, time, torch, torchvision
from torch.profiler import profile, ProfilerActivity
batch = int(sys.argv[1])
out = {"torch_version": torch.__version__, "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads(),
       "mkldnn_available": torch.backends.mkldnn.is_available(), "config": torch.__config__.show(),
       "parallel_info": torch.__config__.parallel_info(), "models": []}
builders = {"resnet18": lambda: torchvision.models.resnet18(weights=None),
            "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None, width_mult=0.35)}
for name, build in builders.items():
    torch.manual_seed(0)
    m = build()
    if hasattr(m, "fc"): m.fc = torch.nn.Identity()
    else: m.classifier = torch.nn.Identity()
    m.eval()
    flops = [0]
    def hook(mod, inp, outp):
        n, co, ho, wo = outp.shape
        kh, kw = mod.kernel_size
        flops[0] += 2 * n * co * ho * wo * kh * kw * (mod.in_channels // mod.groups)
    hs = [mm.register_forward_hook(hook) for mm in m.modules() if isinstance(mm, torch.nn.Conv2d)]
    x = torch.randn(batch, 3, 224, 224)
    with torch.no_grad():
        m(x); hs_flops = flops[0]; [h.remove() for h in hs]
        t0 = time.perf_counter(); m(x); wall = time.perf_counter() - t0
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            m(x)
    ops = {}
    for e in prof.key_averages():
        ops[e.key] = {"calls": e.count, "self_ms": e.self_cpu_time_total / 1000}
    total = sum(v["self_ms"] for v in ops.values())
    top = sorted(ops.items(), key=lambda kv: -kv[1]["self_ms"])[:8]
    conv_ms = sum(v["self_ms"] for k, v in ops.items() if "conv" in k.lower())
    out["models"].append({"model": name, "batch": batch, "forward_ms": round(wall * 1000, 1), "images_per_s": round(batch / wall, 2),
        "conv_gflop": round(hs_flops / 1e9, 2), "conv_self_ms": round(conv_ms, 1), "conv_achieved_gflop_per_s": round(hs_flops / 1e6 / conv_ms, 1) if conv_ms else None,
        "top_ops": [{"op": k, "calls": v["calls"], "self_ms": round(v["self_ms"], 1), "pct": round(100 * v["self_ms"] / total, 1)} for k, v in top]})
print(json.dumps(out))
`;
const torchIsaPy = String.raw`
import torch, torchvision
m = torchvision.models.resnet18(weights=None).eval()
with torch.no_grad():
    m(torch.randn(1, 3, 64, 64))
`;
let torch = null;
try {
  process.stderr.write(`torch profile batch ${batch} (load ${load().join(' ')})\n`);
  torch = JSON.parse(execFileSync('/usr/bin/python3', ['-c', torchPy, String(batch)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 64 << 20 }).trim().split('\n').pop());
  // oneDNN's verbose log names the ISA it dispatched to and each convolution's implementation.
  const verbose = execFileSync('/usr/bin/python3', ['-c', torchIsaPy], { encoding: 'utf8', env: { ...process.env, DNNL_VERBOSE: '1', ONEDNN_VERBOSE: '1' }, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  const lines = verbose.split('\n');
  torch.onednn = {
    isa: lines.find((l) => l.includes('isa:'))?.replace(/^.*isa:/, '').trim() ?? null,
    runtime: lines.find((l) => /info,cpu,runtime/.test(l))?.trim() ?? null,
    convImplementations: [...new Set(lines.filter((l) => /exec,cpu,convolution/.test(l)).map((l) => l.split(',')[4]))],
    nthr: [...new Set(lines.filter((l) => /nthr:/.test(l)).map((l) => l.match(/nthr:(\d+)/)?.[1]))],
  };
  torch.capability = torch.config.match(/CPU capability usage: (\S+)/)?.[1] ?? null;
  torch.kernelLibrary = torch.config.match(/Intel\(R\) MKL-DNN v[\d.]+|oneDNN v[\d.]+/)?.[0] ?? null;
  torch.blas = torch.config.match(/BLAS_INFO=(\w+)/)?.[1] ?? null;
} catch (err) {
  process.stderr.write(`torch unavailable: ${String(err.message).split('\n')[0]}\n`);
}

// ---- write + summary --------------------------------------------------------------------------
const cpuFlags = (() => {
  try {
    const f = execFileSync('grep', ['-m1', '^flags', '/proc/cpuinfo'], { encoding: 'utf8' });
    return ['avx2', 'fma', 'avx512f', 'avx512_vnni'].filter((x) => f.split(/\s+/).includes(x));
  } catch {
    return [];
  }
})();
const loadEnd = load();
const estimate = profiles
  .filter((p) => p.backend === 'wasm')
  .map((p) => {
    // Saved per forward if every conv→BN(→act) became one fused conv: the foldable BN + act time,
    // minus what bias+activation cost inside the fused conv (from the experiment: folded − conv only).
    const rel = fold.filter((f) => f.layer.startsWith(p.model)).map((f) => (f.foldedMs - f.convOnlyMs) / (f.convBnActMs - f.convOnlyMs));
    const overhead = rel.length ? Math.max(0, rel.reduce((a, b) => a + b, 0) / rel.length) : 0;
    const saved = (p.batchNorm.foldableMs + p.activationAfterBn.ms) * (1 - overhead);
    const base = p.unprofiledForwardMs ?? p.sumKernelMs;
    return { model: p.model, forwardMs: base, estimatedSavedMs: r3(saved), estimatedForwardMs: r3(base - saved), estimatedSpeedup: r3(base / (base - saved)) };
  });
const result = {
  command: `node bench/extract/profile.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, cpuFlags, node: process.version, date: new Date().toISOString(), loadavgStart: loadStart, loadavgEnd: loadEnd },
  wasm: wasmInfo,
  wasmVariants: variants,
  profiles,
  bnFoldExperiment: fold,
  bnFoldEstimate: estimate,
  torch,
};
mkdirSync(path.join(here, '..', 'results'), { recursive: true });
const file = path.join(here, '..', 'results', 'extract-profile.json');
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);

const md = [];
md.push(`## TF.js extract profile (load ${loadStart.join('/')} → ${loadEnd.join('/')}, ${os.cpus().length} CPUs, ${process.version})`);
md.push('');
md.push(`wasm: ${wasmInfo.wasmFileLoaded.join(', ') || '?'}; SIMD ${wasmInfo.simd ? 'on' : 'off'}; XNNPACK threads ${wasmInfo.threadsCount}; multithread flag ${wasmInfo.multithreadFlag} (forced off under Node).`);
if (torch) md.push(`PyTorch ${torch.torch_version}: ${torch.threads} thread(s), ${torch.kernelLibrary ?? '?'}, ATen capability ${torch.capability}, oneDNN ISA "${torch.onednn?.isa}", conv impls ${torch.onednn?.convImplementations.join(' ')}.`);
md.push('');
for (const p of profiles) {
  md.push(`### ${p.backend} ${p.model}${p.width !== 1 ? ` α${p.width}` : ''} batch ${p.batch}: Σkernels ${p.sumKernelMs} ms${p.unprofiledForwardMs ? `, unprofiled ${p.unprofiledForwardMs} ms (${p.imagesPerSecondUnprofiled} img/s)` : ''}; conv ${p.conv.gflop} GFLOP at ${p.conv.achievedGflopPerS} GFLOP/s`);
  md.push('| kernel | calls | ms | % |');
  md.push('|---|---|---|---|');
  for (const k of p.byKernel.slice(0, 8)) md.push(`| ${k.kernel} | ${k.calls} | ${k.ms} | ${k.pct} |`);
  md.push(`BatchNorm after conv: ${p.batchNorm.foldableMs} ms (${p.batchNorm.foldablePct} %, ${p.batchNorm.nsPerElement} ns/element); activation right after BN: ${p.activationAfterBn.ms} ms (${p.activationAfterBn.pct} %)`);
  md.push('');
}
if (torch) {
  for (const t of torch.models) {
    md.push(`### PyTorch ${t.model} batch ${t.batch}: ${t.forward_ms} ms (${t.images_per_s} img/s); conv ${t.conv_gflop} GFLOP at ${t.conv_achieved_gflop_per_s} GFLOP/s`);
    md.push(t.top_ops.map((o) => `${o.op} ${o.pct} %`).join(' · '));
    md.push('');
  }
}
md.push('### conv → BN → act vs BN folded into the conv (wasm, min of 7 interleaved rounds)');
md.push('| layer | conv only ms | conv+BN+act ms | folded ms | speed-up | max |Δ| |');
md.push('|---|---|---|---|---|---|');
for (const f of fold) md.push(`| ${f.layer} | ${f.convOnlyMs} | ${f.convBnActMs} | ${f.foldedMs} | ${f.speedup}× | ${f.maxAbsDiff} (of ${f.maxAbsOutput}) |`);
md.push('');
for (const e of estimate) md.push(`Estimated whole-network gain from folding, ${e.model}: ${e.forwardMs} → ${e.estimatedForwardMs} ms (${e.estimatedSpeedup}×)`);
if (variants.length) {
  md.push('');
  md.push('### wasm variants (child processes, batch 4)');
  for (const v of variants) md.push(`- ${JSON.stringify(v.overrides)}: ${v.error ? `FAILED: ${v.error}${v.stderrError ? ` — ${v.stderrError}` : ''}` : `${v.wasmFile?.join(',')} threads ${v.threads} → ${JSON.stringify(v.imagesPerSecond)} img/s`}`);
}
console.log(md.join('\n'));
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
