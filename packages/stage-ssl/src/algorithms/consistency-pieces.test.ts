// The pure pieces of FixMatch / FlexMatch, each against values worked out by hand.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Tf } from '@neuro-ssl/core';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { consistencyLoss, type ConsistencyBatch } from './consistency-loss.js';
import { DistributionAlignment, alignProbabilities } from './distribution-alignment.js';
import { WeightEma, readWeights } from './ema.js';
import { fixmatchAlgorithm } from './fixmatch.js';
import { flexmatchAlgorithm } from './flexmatch.js';
import { ClasswiseLearningStatus, UNUSED, convexMapping, flexThresholds, learningEffects } from './flexmatch-thresholds.js';
import { maskPseudoLabels } from './pseudo-label-mask.js';
import { fixedThreshold, flexibleThresholds } from './threshold-policy.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
});

describe('maskPseudoLabels', () => {
  it('labels by argmax and keeps a label when max(p, 1 − p) reaches its class threshold', () => {
    const m = maskPseudoLabels([0.97, 0.03, 0.5, 0.9, 0.12], [0.85, 0.95]);
    expect(Array.from(m.labels)).toEqual([1, 0, 1, 1, 0]);
    expect(Array.from(m.mask)).toEqual([1, 1, 0, 0, 1]);
    expect(m.confidence[4]).toBeCloseTo(0.88, 6);
  });
});

describe('distribution alignment', () => {
  it('maps the model mean onto the prior and leaves p alone when they agree', () => {
    expect(alignProbabilities([0.8], 0.5, 0.8)[0]).toBeCloseTo(0.5, 6);
    // p = 0.9, prior 0.3, mean 0.6: 0.9·0.5 / (0.9·0.5 + 0.1·1.75) = 0.45 / 0.625.
    expect(alignProbabilities([0.9], 0.3, 0.6)[0]).toBeCloseTo(0.72, 6);
    expect(Array.from(alignProbabilities([0.2, 0.7], 0.4, 0.4)).map((v) => +v.toFixed(6))).toEqual([0.2, 0.7]);
  });

  it('keeps a running mean of the last `window` batches, updated before aligning', () => {
    const da = new DistributionAlignment(0.5, 2);
    expect(da.modelMean).toBe(0.5);
    da.updateAndAlign([0.9, 0.7]); // mean 0.8
    expect(da.modelMean).toBeCloseTo(0.8, 9);
    da.updateAndAlign([0.4]);
    expect(da.modelMean).toBeCloseTo(0.6, 9);
    const aligned = da.updateAndAlign([0.2]); // window drops 0.8: mean (0.4 + 0.2) / 2
    expect(da.modelMean).toBeCloseTo(0.3, 9);
    expect(aligned[0]).toBeCloseTo((0.2 / 0.3) / (0.2 / 0.3 + 0.8 / 0.7), 6);
    expect(() => new DistributionAlignment(1)).toThrow(/prior/);
  });
});

describe('FlexMatch thresholds', () => {
  it('M(x) = x / (2 − x) is convex from 0 to 1', () => {
    expect(convexMapping(0)).toBe(0);
    expect(convexMapping(1)).toBe(1);
    expect(convexMapping(0.5)).toBeCloseTo(1 / 3, 12);
  });

  it('normalises the learning effect by max(max σ, unused) during warm-up, by max σ without it', () => {
    // 6 unused, 3 confident negatives, 1 positive.
    const last = [UNUSED, UNUSED, UNUSED, UNUSED, UNUSED, UNUSED, 0, 0, 0, 1];
    expect(learningEffects(last, 2, true)).toEqual([0.5, 1 / 6]);
    expect(learningEffects(last, 2, false)).toEqual([1, 1 / 3]);
    const t = flexThresholds(last, 0.95, { warmup: true });
    expect(t[0]).toBeCloseTo((0.5 / 1.5) * 0.95, 12);
    expect(t[1]).toBeCloseTo((1 / 6 / (2 - 1 / 6)) * 0.95, 12);
    // Nothing confident yet: every threshold is 0 (the whole pool is used, as in FlexMatch).
    expect(flexThresholds([UNUSED, UNUSED], 0.95, { warmup: true })).toEqual([0, 0]);
  });

  it('remembers the last confident class per image; the policy masks with the updated thresholds', () => {
    const status = new ClasswiseLearningStatus(4);
    status.record([0, 1, 2], [1, 0, 1], [0.99, 0.96, 0.6], 0.95);
    expect(Array.from(status.lastConfident)).toEqual([1, 0, UNUSED, UNUSED]);
    status.record([0], [0], [0.97], 0.95);
    expect(Array.from(status.lastConfident)).toEqual([0, 0, UNUSED, UNUSED]);

    const policy = flexibleThresholds(0.95, 4, true);
    const m = policy.mask([0, 1, 2, 3], [0.99, 0.98, 0.7, 0.2]);
    // σ = [0, 2], unused 2: β = [0, 1] → thresholds [0, 0.95]: the 0.7 positive fails, the 0.2 negative passes.
    expect(policy.thresholds()).toEqual([0, 0.95]);
    expect(Array.from(m.mask)).toEqual([1, 1, 0, 1]);
    expect(fixedThreshold(0.9).thresholds()).toEqual([0.9, 0.9]);
  });
});

describe('WeightEma', () => {
  it('warms the decay up, averages trainable weights, and evaluates with the average then restores', async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2], name: 'head_logit' })] });
    model.setWeights([tf.tensor2d([1, 2], [2, 1]), tf.tensor1d([0])]);
    const ema = new WeightEma(tf, model, 0.999);
    expect(ema.currentDecay).toBeCloseTo(0.1, 12); // (1 + 0) / (10 + 0)
    model.setWeights([tf.tensor2d([3, 4], [2, 1]), tf.tensor1d([1])]);
    ema.update(); // 0.1·old + 0.9·new
    expect(Array.from(ema.snapshot()[0]!)).toEqual([Math.fround(0.1 * 1 + 0.9 * 3), Math.fround(0.1 * 2 + 0.9 * 4)]);
    expect(ema.currentDecay).toBeCloseTo(2 / 11, 12);
    const inside = await ema.withAverage(async () => readWeights(model)[1]![0]);
    expect(inside).toBeCloseTo(0.9, 6);
    expect(Array.from(readWeights(model)[0]!)).toEqual([3, 4]);
    model.dispose();
  });
});

describe('consistencyLoss', () => {
  it('is the labelled BCE (pos_weight) plus λu · Σ mask·BCE / unlabelled rows', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1], useBias: false, name: 'head_logit' })] });
    model.setWeights([tf.tensor2d([1], [1, 1])]);
    // Logits = the data: labelled rows (2, −1) with labels (1, 0); unlabelled rows (0.5, −3, 1) with pseudo-labels (0, 0, 1), mask (1, 0, 1).
    const batch: ConsistencyBatch = {
      data: Float32Array.from([2, -1, 0.5, -3, 1]),
      shape: [5, 1],
      targets: Float32Array.from([1, 0, 0, 0, 1]),
      labelledRows: 2,
      mask: Float32Array.from([1, 0, 1]),
      poolIndices: [0, 1, 2],
    };
    const softplus = (x: number): number => Math.log1p(Math.exp(x));
    const supervised = (2 * softplus(-2) + softplus(-1)) / 2; // pos_weight 2
    const unsupervised = (softplus(0.5) + softplus(-1)) / 3;
    const loss = tf.tidy(() =>
      consistencyLoss({ posWeight: 2, unlabelledWeight: 0.5 })({ tf, model, batch, training: true, forward: (d, s) => model.apply(tf.tensor(d, s)) as never }).dataSync()[0]!,
    );
    expect(loss).toBeCloseTo(supervised + 0.5 * unsupervised, 5);
    model.dispose();
  });
});

describe('the options blocks', () => {
  it('fill the papers’ defaults and keep what the YAML sets', () => {
    expect(fixmatchAlgorithm.resolve(undefined)).toEqual({ threshold: 0.95, unlabelledWeight: 1, ratio: 7, distributionAlignment: true, ema: 0.999, views: 2 });
    expect(fixmatchAlgorithm.resolve({ threshold: 0.9, ema: null })).toMatchObject({ threshold: 0.9, ema: null, ratio: 7 });
    expect(flexmatchAlgorithm.resolve({ warmup: false, ratio: 3 })).toMatchObject({ warmup: false, ratio: 3, threshold: 0.95 });
    expect(flexmatchAlgorithm.resolve(undefined).warmup).toBe(true);
  });
});
