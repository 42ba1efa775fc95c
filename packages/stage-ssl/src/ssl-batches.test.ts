import { describe, expect, it } from 'vitest';
import { createRng } from '@neuro-ssl/core';
import { labelledQuotaBatches, mixup, sslBatchPlan } from './ssl-batches.js';

describe('minLabelledPerBatch', () => {
  it('puts at least the minimum of labelled rows in every batch and every pseudo-label once', () => {
    const options = { labelled: 5, pseudo: 23, batchSize: 8, minLabelledPerBatch: 3, mixupAlpha: null };
    const batches = labelledQuotaBatches(options, createRng(1));
    expect(batches.every((b) => b.length === 8)).toBe(true);
    expect(batches.every((b) => b.filter((i) => i < 5).length >= 3)).toBe(true);
    const pseudo = batches.flat().filter((i) => i >= 5).sort((a, b) => a - b);
    expect(pseudo).toEqual(Array.from({ length: 23 }, (_, i) => 5 + i));
    // labelled images are oversampled evenly: each appears before any appears a second time more
    const counts = Array.from({ length: 5 }, (_, i) => batches.flat().filter((j) => j === i).length);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(labelledQuotaBatches(options, createRng(1))).toEqual(batches);
  });

  it('uses every labelled image when the labelled set is the larger one', () => {
    const batches = labelledQuotaBatches({ labelled: 20, pseudo: 4, batchSize: 6, minLabelledPerBatch: 2, mixupAlpha: null }, createRng(2));
    expect(batches).toHaveLength(4);
    expect(new Set(batches.flat().filter((i) => i < 20)).size).toBe(20);
  });

  it('is off unless a switch is on, and refuses a minimum that fills the batch', () => {
    expect(sslBatchPlan({ labelled: 4, pseudo: 4, batchSize: 4, minLabelledPerBatch: 0, mixupAlpha: null })).toBeUndefined();
    expect(() => labelledQuotaBatches({ labelled: 4, pseudo: 4, batchSize: 4, minLabelledPerBatch: 4, mixupAlpha: null }, createRng(1))).toThrow(/smaller than the batch size/);
  });
});

describe('mixup', () => {
  it('mixes each row with a row of the other group, targets and weights alike, closest to itself', () => {
    // rows 0, 1 labelled (targets 1, 0); rows 2, 3 pseudo (targets 0.9, 0.1); row k's pixels are all k.
    const batch = { data: Float32Array.from([0, 0, 1, 1, 2, 2, 3, 3]), shape: [4, 2], targets: Float32Array.from([1, 0, 0.9, 0.1]) };
    const out = mixup(batch, [true, true, false, false], 0.4, createRng(4));
    for (let i = 0; i < 4; i++) {
      const x = out.data[2 * i]!;
      expect(out.data[2 * i + 1]).toBe(x);
      const partners = i < 2 ? [2, 3] : [0, 1];
      // x = λ·i + (1 − λ)·j with λ ≥ 0.5 and j in the other group
      const fits = partners.some((j) => {
        if (j === i) return false;
        const lambda = (x - j) / (i - j);
        if (!(lambda >= 0.5 - 1e-6 && lambda <= 1 + 1e-6)) return false;
        return Math.abs(out.targets[i]! - (lambda * batch.targets[i]! + (1 - lambda) * batch.targets[j]!)) < 1e-6;
      });
      expect(fits, `row ${i}`).toBe(true);
    }
    expect(out.weights).toBeUndefined();
  });

  it('leaves rows alone when the batch holds only one group', () => {
    const batch = { data: Float32Array.from([1, 2]), shape: [2, 1], targets: Float32Array.from([1, 0]), weights: Float32Array.from([1, 2]) };
    const out = mixup(batch, [true, true], 0.4, createRng(1));
    expect(Array.from(out.data)).toEqual([1, 2]);
    expect(Array.from(out.weights!)).toEqual([1, 2]);
  });

  it('plans a plain shuffle with mixup on top when only mixup is on', () => {
    const plan = sslBatchPlan({ labelled: 3, pseudo: 4, batchSize: 3, minLabelledPerBatch: 0, mixupAlpha: 1 })!;
    const batches = plan.batches(0, createRng(1));
    // 7 rows in batches of 3: the last batch of one is dropped (BatchNorm cannot train on it)
    expect(batches.map((b) => b.length)).toEqual([3, 3]);
    expect(new Set(batches.flat()).size).toBe(6);
    expect(plan.transform).toBeDefined();
  });
});
