#!/usr/bin/env node
// The probe's training loop on its own: core's `fit` on a linear head (1280 → 1, 1281 parameters) over
// cached features, as the train stage runs it (exp02: probe, views 8, 200 epochs, lr 1e-3, pos_weight 3,
// batch 16, 80 training rows, 20 validation rows, NLL selection) — on TF.js wasm. Random features
// (640 × 1280 = 8 views × 80 rows, fixed seed), so the result is a fixed function of the code.
//
// Prints and records where a training's time goes (the batch source, the optimizer steps, validation,
// the rest: scoring + checkpoint writes + logging), what one checkpoint write costs alone, and a
// sha256 of the final weights and of the history (losses, metrics, best flags; timings dropped): two
// builds of fit that give the same hashes train bit for bit the same.
//
//   npx tsc -b packages/core && node bench/train/fit-loop.mjs [--runs 3] [--epochs 200] [--backend wasm]
//     [--checkpoint-every <seconds>] [--bar] [--label after] [--out bench/results/fit-loop.json] [--no-write]
//     [--core <folder of another built @neuro-ssl/core>]
//
// --label names the entry written into the JSON's `runs` (e.g. before / after); other entries are kept,
// and each is compared with `before` (speedup, same hashes). --checkpoint-every sets fit's
// checkpointEverySeconds (0 = a checkpoint after every epoch, as fit did before it had the option).
// --core times another build of core, e.g. the commit before a change to fit, built in a scratch tree:
//
//   mkdir -p /tmp/core-before/packages && cp tsconfig.base.json /tmp/core-before/
//   cp -r packages/core /tmp/core-before/packages/ && rm -rf /tmp/core-before/packages/core/dist
//   git show <commit>:packages/core/src/training/fit.ts > /tmp/core-before/packages/core/src/training/fit.ts   (same for model-folder.ts)
//   ln -s "$PWD/node_modules" /tmp/core-before/node_modules && npx tsc -b /tmp/core-before/packages/core
//   node bench/train/fit-loop.mjs --core /tmp/core-before/packages/core --label before
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : fallback;
};
const RUNS = Number(arg('runs', '3'));
const EPOCHS = Number(arg('epochs', '200'));
const BACKEND = arg('backend', 'wasm');
const EVERY = arg('checkpoint-every', undefined);
const LABEL = arg('label', 'current');
// A no-op progress bar per epoch, as the train stage's probe gets one (fit then reads each step's loss).
const BAR = argv.includes('--bar');
const OUT = path.resolve(root, arg('out', 'bench/results/fit-loop.json'));
// Another build of core to time (e.g. the previous commit's, built in a scratch copy): its package folder.
const CORE = arg('core', undefined);
const entry = (sub) => (CORE ? pathToFileURL(path.resolve(CORE, 'dist', sub, 'index.js')).href : `@neuro-ssl/core${sub ? `/${sub}` : ''}`);
const { createRng, silentLogger } = await import(entry(''));
const { bceWithLogitsValue, buildHead, DEFAULT_SELECTION_RULE, evaluateBinary, epochResults, featureBatchSource, fit, initHead, restoreWeights, saveModelFolder } = await import(entry('learn'));
const { loadTensorflow } = await import(entry('tf'));
const DIM = 1280;
const TRAIN = 80;
const VIEWS = 8;
const VALIDATION = 20;
const BATCH = 16;
const DESCRIPTION = 'core fit() on the probe head (linear 1280 → 1) over cached features, TF.js wasm: one training = 200 epochs × 5 steps of 16 rows + validation of 20 rows; seconds per training and where they go, and sha256 of the final weights / history (equal hashes = bit-identical training). Written by bench/train/fit-loop.mjs.';
const round = (x, d = 4) => Number(x.toFixed(d));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
/** A model's weights as raw float32 bytes, in model.weights order. */
const bytesOf = (model) =>
  Buffer.concat(
    model.getWeights().map((w) => {
      const a = w.dataSync();
      return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    }),
  );

const { tf, description } = await loadTensorflow({ backend: BACKEND });

// Fixed data: 80 training rows seen under 8 augmented views (the row plus noise) and 20 validation
// rows. A row is a few latent factors spread over the 1280 dims plus noise (real features are
// low-rank), and its label follows the factors plus noise (~35% positive): 80 rows are enough to learn
// from, validation NLL improves for a while and the best epoch moves (a best/ write each time).
// Features are small (pooled activations are): an Adam step moves a logit by ~lr × Σ|x| ≈ 0.05.
const LATENT = 8;
const SCALE = 0.05;
const rng = createRng(2024);
const mixing = Array.from({ length: LATENT }, () => Float32Array.from({ length: DIM }, () => rng.normal()));
const direction = Float32Array.from({ length: LATENT }, () => rng.normal());
/** A row's features and label. */
const sample = () => {
  const z = Float32Array.from({ length: LATENT }, () => rng.normal());
  const x = Float32Array.from({ length: DIM }, (_, d) => z.reduce((s, v, k) => s + v * mixing[k][d], 0) / Math.sqrt(LATENT) + 0.5 * rng.normal());
  const label = z.reduce((s, v, k) => s + v * direction[k], 0) / Math.sqrt(LATENT) + 0.5 * rng.normal() > 0.4 ? 1 : 0;
  return { x, label };
};
const base = Array.from({ length: TRAIN }, sample);
const views = Array.from({ length: VIEWS }, () => {
  const view = new Float32Array(TRAIN * DIM);
  base.forEach(({ x }, i) => view.set(x.map((v) => SCALE * (v + 0.3 * rng.normal())), i * DIM));
  return view;
});
const items = base.map(({ label }, i) => ({ id: `t${i}`, path: `t${i}.png`, target: label }));
const held = Array.from({ length: VALIDATION }, sample);
const validationFeatures = new Float32Array(VALIDATION * DIM);
held.forEach(({ x }, i) => validationFeatures.set(x.map((v) => SCALE * v), i * DIM));
const validationLabels = held.map((r) => r.label);

/** One training as trainClassifier's probe branch runs it, with the time of each part. */
async function train(dir) {
  const head = buildHead(tf, DIM, { type: 'linear', hidden: 0, dropout: 0 });
  initHead(tf, head, createRng(7).fork('head'));
  const times = { source: 0, steps: 0, validation: 0, rest: 0 };
  let mark = performance.now();
  const lap = (part) => {
    const now = performance.now();
    times[part] += now - mark;
    mark = now;
  };
  const source = featureBatchSource(items, { dim: DIM, views }, BATCH, createRng(11).fork('batches'));
  // Time between yields is the step (the loop's work on a batch; the last one's also reading the epoch's
  // losses); the generator's own time is the source's.
  const timed = async function* (epoch) {
    lap('rest'); // since the last epoch's validation: evaluation, checkpoint writes, logging
    for await (const batch of source(epoch)) {
      lap('source');
      yield batch;
      lap('steps');
    }
  };
  const validate = async () => {
    lap('steps');
    const out = tf.tidy(() => head.predict(tf.tensor2d(validationFeatures, [VALIDATION, DIM])));
    const data = Float32Array.from(await out.data());
    out.dispose();
    lap('validation');
    return data;
  };
  const t0 = performance.now();
  const result = await fit(tf, head, {
    epochs: EPOCHS,
    learningRate: 1e-3,
    loss: { posWeight: 3 },
    weightDecay: 0,
    train: timed,
    trainSize: TRAIN,
    validate,
    validationLabels,
    evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
    checkpoint: DEFAULT_SELECTION_RULE,
    checkpointDir: dir,
    resumeKey: 'bench',
    dropoutSeed: 3,
    logger: silentLogger,
    quietEpochs: !BAR,
    ...(BAR ? { progress: () => ({ tick() {}, status() {}, done() {} }) } : {}),
    ...(EVERY !== undefined ? { checkpointEverySeconds: Number(EVERY) } : {}),
  });
  lap('rest');
  const seconds = (performance.now() - t0) / 1000;
  const hashes = {
    weights: sha256(bytesOf(head)),
    history: sha256(JSON.stringify(epochResults(result.history))),
    losses: sha256(JSON.stringify(result.history.map((r) => [r.trainLoss, r.valLoss]))),
    bestEpoch: result.bestEpoch,
    bestEpochs: result.history.filter((r) => r.best).length,
  };
  // The best/ folder must hold the best epoch's weights: hash what it holds.
  const best = buildHead(tf, DIM, { type: 'linear', hidden: 0, dropout: 0 });
  await restoreWeights(tf, best, result.bestDir);
  hashes.bestWeights = sha256(bytesOf(best));
  best.dispose();
  result.optimizer.dispose();
  head.dispose();
  return { seconds, times: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v / 1000])), hashes, history: result.history };
}

/** The loop's per-epoch scoring alone (evaluateBinary + validation loss on 20 logits), × epochs. */
function evaluationCost() {
  const logits = Float32Array.from({ length: VALIDATION }, (_, i) => Math.sin(i) * 2);
  const s = performance.now();
  for (let e = 0; e < EPOCHS; e++) {
    evaluateBinary(validationLabels, logits, { threshold: 0.5, beta: 2, eceBins: 15 });
    bceWithLogitsValue(logits, validationLabels, { posWeight: 3 });
  }
  return (performance.now() - s) / 1000;
}

/** One checkpoint write alone (last/: weights + Adam + the training's whole history; best/: weights only). */
async function saveCost(dir, history) {
  const head = buildHead(tf, DIM, { type: 'linear', hidden: 0, dropout: 0 });
  initHead(tf, head, createRng(7).fork('head'));
  const optimizer = tf.train.adam(1e-3);
  optimizer.minimize(() => tf.tidy(() => head.apply(tf.zeros([1, DIM])).mean()), false, head.trainableWeights.map((w) => w.read()));
  const time = async (f, n = 20) => {
    const t = [];
    for (let i = 0; i < n; i++) {
      const s = performance.now();
      await f();
      t.push(performance.now() - s);
    }
    return median(t) / 1000;
  };
  const last = await time(() => saveModelFolder(tf, head, path.join(dir, 'last'), optimizer, { 'state.json': { history } }));
  const best = await time(() => saveModelFolder(tf, head, path.join(dir, 'best')));
  optimizer.dispose();
  head.dispose();
  return { lastWithFullHistory: last, best };
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'fit-loop-'));
try {
  await train(path.join(scratch, 'warmup')); // kernels compiled, caches warm
  const runs = [];
  for (let r = 0; r < RUNS; r++) runs.push(await train(path.join(scratch, `run-${r}`)));
  const distinct = new Set(runs.map((r) => JSON.stringify(r.hashes)));
  if (distinct.size !== 1) throw new Error(`runs disagree: ${[...distinct].join(' / ')}`);
  const save = await saveCost(path.join(scratch, 'save'), runs[0].history);
  evaluationCost();
  const evaluation = median([evaluationCost(), evaluationCost(), evaluationCost()]);
  const pick = (k) => round(median(runs.map((r) => r.times[k])));
  const entry = {
    date: new Date().toISOString(),
    command: `node bench/train/fit-loop.mjs ${argv.join(' ')}`.trim(),
    core: CORE ? path.resolve(CORE) : 'packages/core (this tree)',
    loadAverage: os.loadavg().map((x) => round(x, 2)),
    cpus: `${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}`,
    backend: description,
    node: process.version,
    setup: { epochs: EPOCHS, trainRows: TRAIN, views: VIEWS, validationRows: VALIDATION, batch: BATCH, dim: DIM, parameters: DIM + 1, rule: 'nll' },
    runs: RUNS,
    secondsPerTraining: runs.map((r) => round(r.seconds)),
    medianSeconds: round(median(runs.map((r) => r.seconds))),
    split: { source: pick('source'), steps: pick('steps'), validation: pick('validation'), restEvaluationCheckpointsLogging: pick('rest') },
    // rest = scoring (measured alone below, for all epochs) + checkpoint writes + the loop's own bookkeeping.
    scoringAllEpochs: round(evaluation),
    oneSave: { lastWithFullHistory: round(save.lastWithFullHistory, 5), best: round(save.best, 5) },
    hashes: runs[0].hashes,
  };
  console.log(JSON.stringify(entry, null, 2));
  if (!argv.includes('--no-write')) {
    const previous = existsSync(OUT) ? JSON.parse(readFileSync(OUT, 'utf8')) : {};
    const runs = { ...(previous.runs ?? {}), [LABEL]: entry };
    // Every entry against `before`: how much faster, and whether it trained the same bits.
    const base = runs.before;
    const comparison = base
      ? Object.fromEntries(
          Object.entries(runs)
            .filter(([label]) => label !== 'before')
            .map(([label, r]) => [label, { speedup: round(base.medianSeconds / r.medianSeconds, 2), sameResults: JSON.stringify(r.hashes) === JSON.stringify(base.hashes) }]),
        )
      : undefined;
    const out = { description: DESCRIPTION, ...(comparison ? { comparison } : {}), runs };
    writeFileSync(OUT, `${JSON.stringify(out, null, 2)}\n`);
    console.error(`wrote ${path.relative(root, OUT)} (${LABEL})`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
