// `with.algorithm`: FixMatch and FlexMatch through the whole stage (probe, evaluation cv, benchmark
// truth), the options blocks' config errors, and a plugin's algorithm registered without editing the stage.
import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CODECS, type PoolLabels } from '@neuro-ssl/core';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { runSslStage, syntheticSslData, type SyntheticSslData } from './__fixtures__/synthetic-ssl-run.js';
import type { ArmAlgorithm } from './algorithms/ssl-algorithm.js';
import { sslConfigSchema, type SslConfig } from './ssl-config.js';
import { algorithmRegistry } from './algorithms/registry.js';
import { createSslStage, sslStage } from './ssl-stage.js';

let data: SyntheticSslData;
let truthLabels: PoolLabels;

// Probe mode at test size: two outer folds, a few passes over the pool.
const BASE = { epochs: 4, learningRate: 0.01, views: 2, batchSize: 4, bootstrap: 200, cv: { folds: 2 }, evaluation: 'cv' };

async function run(raw: Record<string, unknown>, stage = sslStage) {
  return runSslStage(data, stage, raw, { batchSize: 4, poolLabels: truthLabels });
}

beforeAll(async () => {
  data = await syntheticSslData('ssl-algorithms-');
  ({ truthLabels } = data);
}, 120_000);

afterAll(async () => {
  await fs.rm(data.dir, { recursive: true, force: true });
});

describe('algorithm: fixmatch / flexmatch (probe, evaluation cv)', () => {
  it('FixMatch: per-fold consistency training scored out of fold, mask rates and pseudo-label accuracy per epoch, its figures, deterministic', async () => {
    const { out, lines, records } = await run({ ...BASE, algorithm: 'fixmatch', fixmatch: { threshold: 0.8, ratio: 2 } });
    const text = lines.join('\n');
    for (const [name, kind] of [['model', 'Model'], ['pseudoLabels', 'PseudoLabels'], ['metrics', 'Metrics'], ['figures', 'Figure']] as const) expect(CODECS[kind].check(out[name]), name).toBeNull();
    expect(text).toMatch(/self-training: FixMatch \(τ 0\.8, λu 1, μ 2, distribution alignment on, EMA 0\.999\), 4 epochs \(passes over the pool\)/);
    expect(text).toMatch(/fold 1\/2: fixmatch: best epoch \d\/4; \d+ pool images ended with a confident pseudo-label/);
    const verdict = out.metrics.extra!.verdict as { validationImages: number; deltas: Record<string, unknown> };
    expect(verdict.validationImages).toBe(20);
    // per fold and epoch: the mask rate per class (they add up) and the benchmark's pseudo-label accuracy
    const epochs = records.filter((r) => r.phase === 'epoch' && r['arm'] === 'fixmatch');
    expect(epochs.filter((r) => r['split'] === 'r1f1')).toHaveLength(4);
    for (const e of epochs) {
      expect((e['maskRate_Normal'] as number) + (e['maskRate_Cancer'] as number)).toBeCloseTo(e['maskRate'] as number, 9);
      expect(e['threshold_Cancer']).toBe(0.8);
      expect(e).toHaveProperty('pseudoLabelAccuracy');
    }
    expect(epochs.some((e) => (e['maskRate'] as number) > 0)).toBe(true);
    expect(records.filter((r) => r.phase === 'cv-round')).toHaveLength(2);
    expect(out.figures.files.map((f) => f.name)).toEqual(expect.arrayContaining(['ssl-confidence.png', 'ssl-metrics.svg', 'ssl-mask-rate.png', 'ssl-thresholds.svg']));
    expect((out.metrics.extra!.summary as { algorithm: string }).algorithm).toBe('fixmatch');
    const again = await run({ ...BASE, algorithm: 'fixmatch', fixmatch: { threshold: 0.8, ratio: 2 } });
    expect(again.out.metrics.values).toEqual(out.metrics.values);
    // `strongAugment` reaches the strong views FixMatch trains on (magnitude 0: no shear, no cutout…).
    const mild = await run({ ...BASE, algorithm: 'fixmatch', fixmatch: { threshold: 0.8, ratio: 2 }, strongAugment: { ops: 2, magnitude: 0 } });
    expect(mild.out.metrics.values).not.toEqual(out.metrics.values);
  });

  it('FlexMatch: per-class thresholds that move with the learning status, logged every epoch', async () => {
    const { records, lines } = await run({ ...BASE, algorithm: 'flexmatch', flexmatch: { ratio: 2 } });
    expect(lines.join('\n')).toMatch(/FlexMatch \(τ 0\.95, .*warm-up on\)/);
    const epochs = records.filter((r) => r.phase === 'epoch' && r['arm'] === 'flexmatch' && r['split'] === 'r1f1');
    expect(epochs).toHaveLength(4);
    const thresholds = epochs.flatMap((e) => [e['threshold_Normal'] as number, e['threshold_Cancer'] as number]);
    for (const t of thresholds) expect(t >= 0 && t <= 0.95).toBe(true);
    // below τ while the pool is still being learnt (warm-up): not FixMatch's constant 0.95
    expect(thresholds.some((t) => t < 0.95)).toBe(true);
  });
});

describe('algorithm: fixmatch / flexmatch on images (holdout)', () => {
  it('finetune decodes and augments weak and strong views every step; partial trains the top on the cached trunk', async () => {
    const base = { evaluation: 'holdout', epochs: 1, learningRate: 1e-3, batchSize: 4, bootstrap: 100 };
    const finetune = await run({ ...base, mode: 'finetune', algorithm: 'fixmatch', fixmatch: { ratio: 1, threshold: 0.6 } });
    expect(finetune.lines.join('\n')).toMatch(/fixmatch: best epoch 1\/1/);
    const holdoutEpochs = finetune.records.filter((r) => r.phase === 'epoch' && r['arm'] === 'fixmatch');
    expect(holdoutEpochs).toHaveLength(1);
    // the same per-class columns as under evaluation: cv
    expect((holdoutEpochs[0]!['maskRate_Normal'] as number) + (holdoutEpochs[0]!['maskRate_Cancer'] as number)).toBeCloseTo(holdoutEpochs[0]!['maskRate'] as number, 9);
    expect(holdoutEpochs[0]!['threshold_Cancer']).toBe(0.6);
    // and the same figures of the one run: mask rate and thresholds per class and epoch
    expect(finetune.out.figures.files.map((f) => f.name)).toEqual(expect.arrayContaining(['ssl-mask-rate.png', 'ssl-mask-rate.svg', 'ssl-thresholds.png', 'ssl-thresholds.svg']));
    expect(Buffer.from(finetune.out.figures.files.find((f) => f.name === 'ssl-thresholds.svg')!.data).toString('utf8')).toMatch(/Cancer, final/);
    expect((finetune.out.model.meta as { mode: string }).mode).toBe('finetune');
    const partial = await run({ ...base, mode: 'partial', algorithm: 'flexmatch', flexmatch: { ratio: 1, views: 1 } });
    const text = partial.lines.join('\n');
    expect(text).toMatch(/partial mode: the frozen trunk .* its output cached/);
    expect(text).toMatch(/flexmatch: best epoch 1\/1/);
    expect((partial.out.model.meta as { mode: string }).mode).toBe('partial');
  });
});

describe('algorithm options', () => {
  it('an options block for an algorithm that is not selected is a config error naming it; unknown names are schema errors', async () => {
    await expect(run({ ...BASE, algorithm: 'flexmatch', fixmatch: { threshold: 0.9 } })).rejects.toThrow(/with\.fixmatch is set, but with\.algorithm is flexmatch/);
    const { issues } = validateWithSchema<SslConfig>(sslConfigSchema(), { algorithm: 'mixmatch' }, { file: 'x.yaml' });
    expect(JSON.stringify(issues)).toMatch(/algorithm/);
    const bad = validateWithSchema<SslConfig>(sslConfigSchema(), { algorithm: 'fixmatch', fixmatch: { threshold: 1.5 } }, { file: 'x.yaml' });
    expect(JSON.stringify(bad.issues)).toMatch(/threshold/);
  });

  it('a plugin registers its own algorithm with createSslStage, without editing the stage', async () => {
    const calls: { epochs: number; labelled: number; pool: number; options: unknown }[] = [];
    const keepBaseline: ArmAlgorithm<{ strength: number }> = {
      name: 'keep-baseline',
      kind: 'arm',
      description: 'a test algorithm that trains nothing',
      optionsSchema: { type: 'object', additionalProperties: false, properties: { strength: { type: 'number', default: 1, description: 'unused' } } },
      resolve: (o) => ({ strength: typeof o?.['strength'] === 'number' ? o['strength'] : 1 }),
      describe: (o) => `keep-baseline (strength ${o.strength})`,
      async train(ctx, options) {
        calls.push({ epochs: ctx.settings.epochs, labelled: ctx.labelled.length, pool: ctx.pool.length, options });
        return { bestEpoch: 0, history: [], validationLogits: new Float32Array(ctx.validation.length), pseudoLabels: { labels: new Int32Array(ctx.pool.length).fill(-1), confidences: new Float32Array(ctx.pool.length) } };
      },
    };
    const stage = createSslStage({ algorithms: [keepBaseline as ArmAlgorithm<unknown>] });
    expect(validateWithSchema<SslConfig>(sslStage.configSchema, { algorithm: 'keep-baseline' }, { file: 'x.yaml' }).issues.length).toBeGreaterThan(0);
    const { out, lines } = await run({ ...BASE, algorithm: 'keep-baseline', 'keep-baseline': { strength: 3 } }, stage);
    expect(lines.join('\n')).toMatch(/keep-baseline \(strength 3\)/);
    expect(calls).toHaveLength(2); // one per fold; nothing validated, so no replay for the final model
    expect(calls[0]!.options).toEqual({ strength: 3 });
    expect((out.model.meta as { ssl: { round: number } }).ssl.round).toBe(0);
    expect(() => algorithmRegistry([{ ...keepBaseline, name: 'fixmatch' } as ArmAlgorithm<unknown>])).toThrow(/registered twice/);
  });
});
