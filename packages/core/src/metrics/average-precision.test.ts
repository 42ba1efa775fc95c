import { describe, expect, it } from 'vitest';
import { averagePrecision, precisionRecallCurve } from './average-precision.js';

describe('precisionRecallCurve', () => {
  it('lists thresholds increasing, recall decreasing, ending at (P = 1, R = 0)', () => {
    const { precision, recall, thresholds } = precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(Array.from(thresholds)).toEqual([0.1, 0.35, 0.4, 0.8]);
    expect(Array.from(recall)).toEqual([1, 1, 0.5, 0.5, 0]);
    expect(Array.from(precision)).toEqual([0.5, 2 / 3, 0.5, 1, 1]);
  });
  it('sets recall to 1 when there is no positive (sklearn)', () => {
    expect(Array.from(precisionRecallCurve([0, 0], [0.1, 0.3]).recall)).toEqual([1, 1, 0]);
  });
});

describe('averagePrecision', () => {
  it('is the step sum Σ (R_n − R_{n−1}) P_n', () => {
    // Ranked: 0.8 (+), 0.4 (−), 0.35 (+), 0.1 (−): AP = ½·1 + ½·⅔.
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 15);
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    // Inverted: positives last → P = 1/3 then 2/4 at R = ½, 1.
    expect(averagePrecision([1, 1, 0, 0], [0.1, 0.2, 0.8, 0.9])).toBeCloseTo(0.5 * (1 / 3) + 0.5 * 0.5, 15);
  });
  it('groups ties: a constant predictor scores the positive rate', () => {
    expect(averagePrecision([1, 0], [0.5, 0.5])).toBe(0.5);
    expect(averagePrecision([0, 1, 0, 1, 1], [0.3, 0.3, 0.3, 0.3, 0.3])).toBeCloseTo(0.6, 15);
  });
  it('is 0 without positives and 1 with positives only (sklearn)', () => {
    expect(averagePrecision([0, 0, 0], [0.2, 0.5, 0.9])).toBe(0);
    expect(averagePrecision([1, 1], [0.2, 0.5])).toBe(1);
  });
});
