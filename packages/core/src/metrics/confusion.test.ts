import { describe, expect, it } from 'vitest';
import { confusionMatrix, predictAt } from './confusion.js';

describe('confusionMatrix', () => {
  it('counts each (true, predicted) pair', () => {
    expect(confusionMatrix([1, 0, 1, 1, 0, 0], [1, 1, 0, 1, 0, 0])).toEqual({ tn: 2, fp: 1, fn: 1, tp: 2 });
    expect(confusionMatrix(new Uint8Array([0, 0]), new Float32Array([0, 0]))).toEqual({ tn: 2, fp: 0, fn: 0, tp: 0 });
    expect(confusionMatrix([], [])).toEqual({ tn: 0, fp: 0, fn: 0, tp: 0 });
  });
  it('rejects non-binary labels and mismatched lengths', () => {
    expect(() => confusionMatrix([0, 2], [0, 1])).toThrow(/yTrue\[1\] = 2/);
    expect(() => confusionMatrix([0, 1], [0, 0.5])).toThrow(/yPred\[1\]/);
    expect(() => confusionMatrix([0, 1], [0])).toThrow(/lengths differ/);
  });
});

describe('predictAt', () => {
  it('predicts 1 where score ≥ threshold', () => {
    expect(Array.from(predictAt([0.5, 0.49, 1, 0]))).toEqual([1, 0, 1, 0]);
    expect(Array.from(predictAt([-1.2, 0, 3], 0))).toEqual([0, 1, 1]);
    expect(Array.from(predictAt([0.2, 0.9], Number.POSITIVE_INFINITY))).toEqual([0, 0]);
  });
  it('rejects NaN', () => {
    expect(() => predictAt([0.1, Number.NaN])).toThrow(/NaN/);
    expect(() => predictAt([0.1], Number.NaN)).toThrow(/NaN/);
  });
});
