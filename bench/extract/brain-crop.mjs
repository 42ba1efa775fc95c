#!/usr/bin/env node
// Cost and output identity of cropToBrain (packages/core/src/image/brain-crop.ts) on the real images,
// plus the whole per-image preprocessing (decode → crop → resize → normalise) around it.
//
//   npx nx run-many -t build -p core
//   node bench/extract/brain-crop.mjs --phase before|after|ab [--rounds 5] [--pre-rounds 2]
//        [--compare DIR] [--limit N] [--out bench/results/brain-crop.json]
//
// - Every image is decoded once (loadGreyImage from the built dist) and kept in memory; cropToBrain is
//   then timed over all of them, `rounds` times; the median round is reported as ms per image.
// - sha256 over every output (width, height as uint32 LE, then the bytes), in file order: equal
//   hashes before and after mean bit-identical crops on every image.
// - loadPreprocessed(path, { normalize, no CLAHE, crop 'brain', 224 }) is timed file by file (decode
//   included, sequential: what the main thread pays per image), median of `pre-rounds` rounds.
// - --compare DIR: a directory holding another build's brain-crop.js (+ grey-image.js), e.g. a copy of
//   dist/image taken before a change; both are timed round by round, interleaved, and compared image by
//   image in this process (the fairest before/after on a shared machine); the whole preprocessing is
//   then timed the same way with each crop (decode → crop → resize → normalise, as preprocessGrey).
// - --phase stores this run under phases[phase] of the JSON file, keeping the other phase; once both
//   exist a summary (speed-ups, hash equality) is added.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { execSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { cropToBrain, loadGreyImage, loadPreprocessed, normaliseIntensity, resizeGrey } from '@neuro-ssl/core/image';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const phase = arg('phase', undefined);
const rounds = Number(arg('rounds', '5'));
const preRounds = Number(arg('pre-rounds', '2'));
const limit = Number(arg('limit', '0'));
const compareDir = arg('compare', undefined);
const outFile = path.resolve(root, arg('out', 'bench/results/brain-crop.json'));
const dataRoot = arg('data', '/work/shared/datasets/br35h-oc');
const load = () => os.loadavg().map((x) => Number(x.toFixed(2)));
const r3 = (x) => Number(x.toPrecision(3));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function listImages() {
  const jpgs = (dir) =>
    readdirSync(dir)
      .filter((f) => f.toLowerCase().endsWith('.jpg'))
      .sort()
      .map((f) => path.join(dir, f));
  const labelled = path.join(dataRoot, 'avec_labels');
  const files = [];
  for (const cls of readdirSync(labelled).sort()) files.push(...jpgs(path.join(labelled, cls)));
  files.push(...jpgs(path.join(dataRoot, 'sans_label')));
  return limit > 0 ? files.slice(0, limit) : files;
}

function hashOutputs(outputs) {
  const h = createHash('sha256');
  const dims = Buffer.alloc(8);
  for (const o of outputs) {
    dims.writeUInt32LE(o.width, 0);
    dims.writeUInt32LE(o.height, 4);
    h.update(dims);
    h.update(o.data);
  }
  return h.digest('hex');
}

/** One pass of `crop` over all images: total ms, and the outputs. */
function cropAll(crop, images) {
  const outputs = new Array(images.length);
  const t0 = performance.now();
  for (let i = 0; i < images.length; i++) outputs[i] = crop(images[i]);
  return { ms: performance.now() - t0, outputs };
}

const files = listImages();
const loadStart = load();
console.log(`${files.length} images, load average ${loadStart.join(' ')}`);

const tDecode = performance.now();
const images = [];
for (const f of files) images.push(await loadGreyImage(f));
const decodeMs = performance.now() - tDecode;
const pixels = images.reduce((s, img) => s + img.width * img.height, 0);
console.log(`decoded in ${(decodeMs / files.length).toFixed(2)} ms/image, mean ${Math.round(pixels / files.length)} px/image`);

const impls = [{ name: 'current', crop: cropToBrain }];
if (compareDir) {
  const mod = await import(pathToFileURL(path.resolve(compareDir, 'brain-crop.js')).href);
  impls.push({ name: 'compare', crop: mod.cropToBrain });
}
// Warm-up (JIT) pass per implementation; it also gives the outputs hashed below.
const first = impls.map((impl) => cropAll(impl.crop, images));
const times = impls.map(() => []);
for (let r = 0; r < rounds; r++) {
  // Rotate the order so neither implementation always runs first in a round.
  for (let k = 0; k < impls.length; k++) {
    const i = (k + r) % impls.length;
    times[i].push(cropAll(impls[i].crop, images).ms);
  }
}
const crop = impls.map((impl, i) => ({
  impl: impl.name,
  msPerImageMedian: r3(median(times[i]) / files.length),
  msPerImageRounds: times[i].map((t) => r3(t / files.length)),
  sha256: hashOutputs(first[i].outputs),
}));
for (const c of crop) console.log(`cropToBrain [${c.impl}] ${c.msPerImageMedian} ms/image (rounds ${c.msPerImageRounds.join(', ')}) sha256 ${c.sha256}`);
let compare;
if (compareDir) {
  let differing = 0;
  for (let i = 0; i < files.length; i++) {
    const a = first[0].outputs[i];
    const b = first[1].outputs[i];
    if (a.width !== b.width || a.height !== b.height || Buffer.compare(a.data, b.data) !== 0) {
      if (differing++ < 10) console.log(`  differs: ${files[i]}`);
    }
  }
  compare = { dir: compareDir, differingImages: differing, speedup: r3(crop[1].msPerImageMedian / crop[0].msPerImageMedian) };
  console.log(`compare: ${differing} differing images, speed-up ${compare.speedup}×`);
}

// With --compare, the whole per-image preprocessing too, both crops interleaved round by round:
// decode → crop → resize → normalise, as preprocessGrey does for { crop: 'brain', clahe: false }
// (checked against loadPreprocessed on the first file).
async function preprocessWith(crop, file) {
  return normaliseIntensity(await resizeGrey(crop(await loadGreyImage(file)), 224, 224));
}
let preprocessCompare;
if (compareDir) {
  const mine = await preprocessWith(cropToBrain, files[0]);
  const ref = await loadPreprocessed(files[0], { normalize: true, clahe: false, crop: 'brain', imageSize: 224 });
  if (Buffer.compare(mine.data, ref.data) !== 0) throw new Error('preprocessWith does not match loadPreprocessed');
  const preTimesAB = impls.map(() => []);
  for (let r = 0; r < preRounds + 1; r++) {
    for (let k = 0; k < impls.length; k++) {
      const i = (k + r) % impls.length;
      const t0 = performance.now();
      for (const f of files) await preprocessWith(impls[i].crop, f);
      // The first round warms up and is not counted.
      if (r > 0) preTimesAB[i].push(performance.now() - t0);
    }
  }
  preprocessCompare = impls.map((impl, i) => ({
    impl: impl.name,
    msPerImageMedian: r3(median(preTimesAB[i]) / files.length),
    msPerImageRounds: preTimesAB[i].map((t) => r3(t / files.length)),
  }));
  for (const p of preprocessCompare) console.log(`preprocess [${p.impl}] ${p.msPerImageMedian} ms/image (rounds ${p.msPerImageRounds.join(', ')})`);
  compare.preprocessSpeedup = r3(preprocessCompare[1].msPerImageMedian / preprocessCompare[0].msPerImageMedian);
}

const cfg = { normalize: true, clahe: false, crop: 'brain', imageSize: 224 };
const preTimes = [];
for (let r = 0; r < preRounds + 1; r++) {
  const t0 = performance.now();
  for (const f of files) await loadPreprocessed(f, cfg);
  // The first round warms up (JIT, file cache) and is not counted.
  if (r > 0) preTimes.push(performance.now() - t0);
}
const preprocess = {
  config: cfg,
  msPerImageMedian: r3(median(preTimes) / files.length),
  msPerImageRounds: preTimes.map((t) => r3(t / files.length)),
};
console.log(`loadPreprocessed ${preprocess.msPerImageMedian} ms/image (rounds ${preprocess.msPerImageRounds.join(', ')})`);

const git = (cmd) => {
  try {
    return execSync(`git ${cmd}`, { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};
const run = {
  command: `node bench/extract/brain-crop.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  date: new Date().toISOString(),
  commit: git('rev-parse HEAD'),
  brainCropSourceChanged: git('status --porcelain -- packages/core/src/image/brain-crop.ts packages/core/src/image/grey-image.ts') !== '',
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, loadavgAtStart: loadStart, loadavgAtEnd: load() },
  images: files.length,
  meanPixelsPerImage: Math.round(pixels / files.length),
  decodeMsPerImage: r3(decodeMs / files.length),
  rounds,
  cropToBrain: crop,
  ...(compare ? { compare } : {}),
  preprocess,
  ...(preprocessCompare ? { preprocessCompare } : {}),
};
console.log(`load average at end ${run.machine.loadavgAtEnd.join(' ')}`);

if (phase) {
  const doc = existsSync(outFile) ? JSON.parse(readFileSync(outFile, 'utf8')) : {};
  doc.what =
    'cropToBrain over the 1,506 br35h-oc JPEGs (decoded once, in memory): ms per image from the median of `rounds` passes after a warm-up pass; sha256 over every output (uint32 LE width, height, then bytes, in file order). preprocess: loadPreprocessed per file, decode included, sequential, median of rounds after a warm-up round.';
  doc.phases = { ...(doc.phases ?? {}), [phase]: run };
  const { before, after } = doc.phases;
  if (before && after) {
    const b = before.cropToBrain[0];
    const a = after.cropToBrain[0];
    doc.summary = {
      cropMsPerImage: { before: b.msPerImageMedian, after: a.msPerImageMedian, speedup: r3(b.msPerImageMedian / a.msPerImageMedian) },
      preprocessMsPerImage: {
        before: before.preprocess.msPerImageMedian,
        after: after.preprocess.msPerImageMedian,
        speedup: r3(before.preprocess.msPerImageMedian / after.preprocess.msPerImageMedian),
      },
      sha256Identical: b.sha256 === a.sha256 && before.images === after.images,
      sha256: a.sha256,
    };
    const ab = doc.phases.ab;
    if (ab?.compare) {
      doc.summary.interleavedAB = {
        note: 'same process, rounds interleaved: current build vs a copy of the build from before the change (--compare)',
        crop: { before: ab.cropToBrain[1].msPerImageMedian, after: ab.cropToBrain[0].msPerImageMedian, speedup: ab.compare.speedup },
        preprocess: { before: ab.preprocessCompare[1].msPerImageMedian, after: ab.preprocessCompare[0].msPerImageMedian, speedup: ab.compare.preprocessSpeedup },
        differingImages: ab.compare.differingImages,
      };
    }
    console.log(JSON.stringify(doc.summary, null, 2));
  }
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(outFile, JSON.stringify(doc, null, 2) + '\n');
  console.log(`wrote ${path.relative(root, outFile)}`);
}
