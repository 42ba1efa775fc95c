#!/usr/bin/env node
// What BatchNorm folding (core's foldBatchNorm, used by extract, the probe cache and `runner predict`)
// buys on the wasm backend: forward-pass images/s of each backbone as built and with every
// BatchNormalization merged into its convolution, batch 16 at 224×224, random input, warm-up
// excluded. The two models run alternately (round by round) so that load from other processes hits
// both alike; the best round of each is reported with the median. Also records how long folding
// takes and how far the folded outputs are from the original's. Writes bench/results/fold-bn.json.
//
//   npm run build && node bench/extract/fold-bn.mjs [--rounds 3] [--batch 16] [--size 224] [--backend wasm] [--models mobilenet_v2,resnet18]
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRng } from '@neuro-ssl/core';
import { foldBatchNormReport, getBackbone, seededInit } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';

const here = path.dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const rounds = Number(arg('rounds', '3'));
const batch = Number(arg('batch', '16'));
const size = Number(arg('size', '224'));
const backend = arg('backend', 'wasm');
const models = arg('models', 'mobilenet_v2,resnet18').split(',');
const widths = { mobilenet_v2: 0.35 };
const r3 = (x) => Number(x.toPrecision(3));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const { tf, description } = await loadTensorflow({ backend });
const results = [];
for (const name of models) {
  const width = widths[name] ?? 1;
  const model = getBackbone(name).build(tf, { imageSize: size, width });
  seededInit(tf, model, createRng(1));
  // BatchNorm statistics away from the identity (as real weights have them), for the output check.
  const rng = createRng(2);
  for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
    const values = layer.weights.map((w) => {
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const n = w.shape[0];
      return tf.tensor1d(Float32Array.from({ length: n }, () => (role === 'gamma' ? 0.5 + rng.next() : role === 'moving_variance' ? 0.5 + 1.5 * rng.next() : 0.1 * rng.normal())));
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
  const t0 = performance.now();
  const report = foldBatchNormReport(tf, model);
  const foldMs = performance.now() - t0;
  const folded = report.model;

  const input = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 7);
  const forward = async (m, x) => {
    const out = tf.tidy(() => m.predict(x));
    const data = await out.data();
    out.dispose();
    return data;
  };
  // Warm-up (kernel set-up, weight upload) and the output check on the full batch.
  const a = await forward(model, input);
  const b = await forward(folded, input);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  const seconds = { original: [], folded: [] };
  for (let r = 0; r < rounds; r++) {
    for (const [key, m] of [['original', model], ['folded', folded]]) {
      const s = performance.now();
      await forward(m, input);
      seconds[key].push((performance.now() - s) / 1000);
    }
  }
  const ips = (key) => batch / Math.min(...seconds[key]);
  const r = {
    model: name,
    width,
    size,
    batch,
    rounds,
    batchNormFolded: report.folded.length,
    batchNormKept: report.kept.length,
    foldMs: r3(foldMs),
    maxAbsDiffOverMaxAbs: diff / scale,
    imagesPerSecond: { original: r3(ips('original')), folded: r3(ips('folded')) },
    medianImagesPerSecond: { original: r3(batch / median(seconds.original)), folded: r3(batch / median(seconds.folded)) },
    speedup: r3(Math.min(...seconds.original) / Math.min(...seconds.folded)),
    secondsPerBatch: { original: seconds.original.map(r3), folded: seconds.folded.map(r3) },
  };
  results.push(r);
  process.stderr.write(
    `${name.padEnd(16)} ${r.imagesPerSecond.original} → ${r.imagesPerSecond.folded} img/s (×${r.speedup}), ${r.batchNormFolded} BN folded in ${r.foldMs} ms, outputs within ${diff / scale < 1e-9 ? 0 : (diff / scale).toExponential(1)}\n`,
  );
  input.dispose();
  folded.dispose();
  model.dispose();
}

const machine = { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg().map((x) => r3(x)), node: process.version, date: new Date().toISOString() };
mkdirSync(path.join(here, '..', 'results'), { recursive: true });
const file = path.join(here, '..', 'results', 'fold-bn.json');
writeFileSync(file, `${JSON.stringify({ command: `node bench/extract/fold-bn.mjs ${process.argv.slice(2).join(' ')}`.trim(), backend, backendDescription: description, machine, results }, null, 2)}\n`);

const lines = ['| model | unfolded img/s | folded img/s | speed-up | BN folded |', '|---|---|---|---|---|'];
for (const r of results) {
  lines.push(`| ${r.model}${widths[r.model] ? ` (α ${widths[r.model]})` : ''} | ${r.imagesPerSecond.original} | ${r.imagesPerSecond.folded} | ×${r.speedup} | ${r.batchNormFolded} |`);
}
console.log(lines.join('\n'));
console.log(`\nwritten to ${path.relative(process.cwd(), file)}`);
