import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { bootstrapInterval, bootstrapMetric, quantileSorted, resampleIndices, take } from './bootstrap.js';
import { rocAuc } from './roc-auc.js';

describe('quantileSorted', () => {
  it('interpolates linearly like numpy.percentile', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
    expect(quantileSorted([1, 2, 3, 4], 0.975)).toBeCloseTo(3.925, 15);
    expect(quantileSorted([5], 0.5)).toBe(5);
    expect(quantileSorted([1, 2, 3], 1)).toBe(3);
  });
});

describe('bootstrapInterval', () => {
  it('is reproducible for a seed and brackets the mean of N(0, 1) at ±1.96/√n', () => {
    const gen = createRng(1);
    const values = Array.from({ length: 400 }, () => gen.normal());
    const a = bootstrapInterval(values, { rng: createRng(42) });
    const b = bootstrapInterval(values, { rng: createRng(42) });
    expect(a).toEqual(b);
    expect(bootstrapInterval(values, { rng: createRng(43) })).not.toEqual(a);
    const sampleMean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(a.estimate).toBeCloseTo(sampleMean, 12);
    expect(a.low).toBeLessThan(sampleMean);
    expect(a.high).toBeGreaterThan(sampleMean);
    expect(Math.abs(a.mean - sampleMean)).toBeLessThan(0.02);
    expect(a.high - a.low).toBeGreaterThan(0.16); // 2·1.96/20 = 0.196 for σ ≈ 1
    expect(a.high - a.low).toBeLessThan(0.24);
    expect(a).toMatchObject({ resamples: 1000, skipped: 0 });
  });
  it('narrows with lower confidence', () => {
    const values = Array.from({ length: 50 }, (_, i) => i % 7);
    const wide = bootstrapInterval(values, { rng: createRng(0), resamples: 500, confidence: 0.99 });
    const narrow = bootstrapInterval(values, { rng: createRng(0), resamples: 500, confidence: 0.5 });
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });
  it('validates options', () => {
    expect(() => bootstrapInterval([1], { rng: createRng(0), confidence: 1 })).toThrow(/confidence/);
    expect(() => bootstrapInterval([1], { rng: createRng(0), resamples: 0 })).toThrow(/resamples/);
    expect(() => bootstrapInterval([], { rng: createRng(0) })).toThrow(/n must/);
  });
});

describe('bootstrapMetric', () => {
  it('resamples paired indices and skips resamples where the metric is undefined', () => {
    const y = [0, 1, 0, 1, 1];
    const s = [0.2, 0.7, 0.6, 0.4, 0.9];
    const r = bootstrapMetric(y.length, (idx) => rocAuc(take(y, idx), take(s, idx)), { rng: createRng(9), resamples: 400 });
    expect(r.estimate).toBe(rocAuc(y, s));
    expect(r.skipped).toBeGreaterThan(0); // single-class resamples (≈ (2/5)^5 + (3/5)^5 ≈ 9%)
    expect(r.skipped).toBeLessThan(80);
    expect(r.resamples + r.skipped).toBe(400);
    expect(r.low).toBeGreaterThanOrEqual(0);
    expect(r.high).toBeLessThanOrEqual(1);
  });
  it('throws when the metric is never defined', () => {
    expect(() => bootstrapMetric(3, () => null, { rng: createRng(0), resamples: 5 })).toThrow(/undefined/);
  });
  it('resampleIndices draws in range', () => {
    const idx = resampleIndices(10, createRng(0));
    expect(idx.length).toBe(10);
    expect(Array.from(idx).every((i) => i >= 0 && i < 10)).toBe(true);
  });
});
