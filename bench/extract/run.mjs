#!/usr/bin/env node
// Feature-extraction throughput: TF.js backbones on every backend present vs PyTorch CPU (Debian's
// python3-torch), in one run on one machine. Forward pass only (batch 16, 224×224, random input),
// warm-up excluded. Writes bench/results/extract.json and prints a Markdown table.
//
//   npm run build && node bench/extract/run.mjs [--iters 3] [--batch 16] [--cpu-batch 2] [--backends wasm,cpu] [--models resnet18,...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { getBackbone } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const iters = Number(arg('iters', '3'));
const batch = Number(arg('batch', '16'));
const size = Number(arg('size', '224'));
const cpuBatch = Number(arg('cpu-batch', '2'));
const models = arg('models', 'resnet18,resnet34,efficientnet_b0,mobilenet_v2').split(',');
const widths = { mobilenet_v2: 0.35 };
const torchNames = { mobilenet_v2: 'mobilenet_v2_0.35' }; // torch_bench.py's name for width_mult 0.35

async function presentBackends() {
  const found = [];
  for (const b of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']) {
    try {
      await loadTensorflow({ backend: b });
      found.push(b);
    } catch {
      /* not installed */
    }
  }
  return found;
}

const backends = arg('backends', '') ? arg('backends').split(',') : await presentBackends();
const results = [];
for (const backend of backends) {
  const { tf, description } = await loadTensorflow({ backend });
  for (const name of models) {
    const def = getBackbone(name);
    const model = def.build(tf, { imageSize: size, width: widths[name] ?? 1 });
    // The pure-JS cpu backend takes 15-30 s per ResNet image: a batch of 2, timed once, ranks it.
    const b = backend === 'cpu' ? Math.min(batch, cpuBatch) : batch;
    const input = tf.randomNormal([b, size, size, 3], 0, 1, 'float32', 7);
    const forward = async (x) => {
      const out = tf.tidy(() => model.predict(x));
      await out.data();
      out.dispose();
    };
    const one = tf.slice(input, [0, 0, 0, 0], [1, size, size, 3]);
    await forward(one); // warm-up: kernel compilation, weight upload
    one.dispose();
    const n = backend === 'cpu' ? 1 : iters;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await forward(input);
    const seconds = (performance.now() - t0) / 1000;
    const r = { engine: 'tfjs', backend, backendDescription: description, model: name, width: widths[name] ?? 1, batch: b, size, iterations: n, imagesPerSecond: (n * b) / seconds };
    results.push(r);
    process.stderr.write(`${backend.padEnd(10)} ${name.padEnd(16)} ${r.imagesPerSecond.toFixed(2)} img/s\n`);
    input.dispose();
    model.dispose();
  }
}

// PyTorch CPU reference, same machine, same run.
const python = '/usr/bin/python3';
let torch = [];
if (existsSync(python)) {
  try {
    const out = execFileSync(python, [path.join(here, 'torch_bench.py'), '--models', models.join(','), '--batch', String(batch), '--size', String(size), '--iters', String(iters)], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    torch = out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch (err) {
    process.stderr.write(`PyTorch reference unavailable: ${err.message.split('\n')[0]}\n`);
  }
}

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, date: new Date().toISOString() };
mkdirSync(path.join(here, '..', 'results'), { recursive: true });
const file = path.join(here, '..', 'results', 'extract.json');
writeFileSync(file, `${JSON.stringify({ command: `node bench/extract/run.mjs ${process.argv.slice(2).join(' ')}`.trim(), machine, tfjs: results, torch }, null, 2)}\n`);

const lines = ['| model | ' + backends.join(' img/s | ') + ' img/s | PyTorch CPU img/s | best TF.js / PyTorch |', '|---|' + backends.map(() => '---|').join('') + '---|---|'];
for (const name of models) {
  const row = backends.map((b) => results.find((r) => r.backend === b && r.model === name)?.imagesPerSecond);
  const t = torch.find((r) => r.model === (torchNames[name] ?? name))?.images_per_s;
  const best = Math.max(...row.filter((x) => x !== undefined));
  lines.push(`| ${name}${widths[name] ? ` (α ${widths[name]})` : ''} | ${row.map((x) => (x === undefined ? '—' : x.toPrecision(3))).join(' | ')} | ${t ? t.toPrecision(3) : '—'} | ${t ? (best / t).toFixed(2) : '—'} |`);
}
console.log(lines.join('\n'));
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
