import { describe, expect, it } from 'vitest';
import { accuracy, fBeta, fBetaFromConfusion, precision, recall } from './f-beta.js';

// tp 1, fp 1, fn 3, tn 1 → P = 1/2, R = 1/4.
const Y = [1, 1, 1, 1, 0, 0];
const P = [1, 0, 0, 0, 1, 0];

describe('precision / recall / accuracy / fBeta', () => {
  it('match hand-computed values', () => {
    expect(precision(Y, P)).toBe(0.5);
    expect(recall(Y, P)).toBe(0.25);
    expect(accuracy(Y, P)).toBeCloseTo(2 / 6, 15);
    // F2 = 5·(1/8) / (4·1/2 + 1/4) = 0.625 / 2.25
    expect(fBeta(Y, P)).toBeCloseTo(0.625 / 2.25, 15);
    expect(fBeta(Y, P, 1)).toBeCloseTo(1 / 3, 15);
    expect(fBeta(Y, P, 0.5)).toBeCloseTo(0.15625 / 0.375, 15);
    expect(fBeta(Y, P, Number.POSITIVE_INFINITY)).toBe(0.25);
    expect(fBeta(Y, P, 0)).toBe(0.5); // β = 0 is precision
  });
  it('gives 0 on zero division (sklearn zero_division="warn")', () => {
    const none = [0, 0, 0, 0, 0, 0];
    expect(precision(Y, none)).toBe(0);
    expect(fBeta(Y, none)).toBe(0);
    expect(recall(none, P)).toBe(0);
    // No positive label and none predicted: 0, not 1.
    expect(fBeta(none, none)).toBe(0);
    expect(precision(none, none)).toBe(0);
    expect(accuracy(none, none)).toBe(1);
  });
  it('is 1 for a perfect prediction and rejects a negative beta', () => {
    expect(fBeta([0, 1, 1], [0, 1, 1])).toBe(1);
    expect(() => fBetaFromConfusion({ tn: 1, fp: 0, fn: 0, tp: 1 }, -1)).toThrow(/beta/);
  });
});
