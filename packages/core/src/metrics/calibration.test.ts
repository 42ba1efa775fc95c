import { describe, expect, it } from 'vitest';
import { binIndex, brierScore, expectedCalibrationError, reliabilityBins } from './calibration.js';

// 2 bins: [0, .5) holds .2, .4 (conf .3, acc .5); [.5, 1] holds .6, .9 (conf .75, acc 1).
const Y = [0, 1, 1, 1];
const PROBS = [0.2, 0.4, 0.6, 0.9];

describe('expectedCalibrationError', () => {
  it('matches a hand computation (4 points, 2 bins)', () => {
    expect(expectedCalibrationError(Y, PROBS, 2)).toBeCloseTo(0.5 * 0.2 + 0.5 * 0.25, 15);
  });
  it('is 0 when each bin is perfectly calibrated and |1 − p| for a lone confident miss', () => {
    expect(expectedCalibrationError([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], 10)).toBe(0);
    expect(expectedCalibrationError([0], [0.9], 15)).toBeCloseTo(0.9, 15);
  });
  it('uses 15 bins by default', () => {
    // With 15 bins .30 (·15 = 4.5) and .34 (·15 = 5.1) fall into different bins, each alone.
    expect(binIndex(0.3, 15)).toBe(4);
    expect(binIndex(0.34, 15)).toBe(5);
    expect(expectedCalibrationError([1, 0], [0.3, 0.34])).toBeCloseTo(0.5 * 0.7 + 0.5 * 0.34, 15);
  });
  it('rejects probabilities outside [0, 1]', () => {
    expect(() => expectedCalibrationError([0, 1], [0.2, 1.2])).toThrow(/\[0, 1\]/);
    expect(() => expectedCalibrationError([0, 1], [0.2, 0.3], 0)).toThrow(/bins/);
  });
});

describe('reliabilityBins', () => {
  it('puts p = 1 in the last bin and 0.5 in the upper half; empty bins are null', () => {
    expect(binIndex(1, 4)).toBe(3);
    expect(binIndex(0.5, 2)).toBe(1);
    expect(binIndex(0, 4)).toBe(0);
    const bins = reliabilityBins([1, 0, 1], [1, 0.05, 0.5], 4);
    expect(bins.map((b) => b.count)).toEqual([1, 0, 1, 1]);
    expect(bins[1]).toEqual({ lower: 0.25, upper: 0.5, count: 0, meanProbability: null, fractionPositive: null });
    expect(bins[3]).toMatchObject({ lower: 0.75, upper: 1, meanProbability: 1, fractionPositive: 1 });
  });
  it('reports per-bin confidence and accuracy', () => {
    const [lo, hi] = reliabilityBins(Y, PROBS, 2);
    expect(lo!.meanProbability).toBeCloseTo(0.3, 15);
    expect(lo!.fractionPositive).toBe(0.5);
    expect(hi!.meanProbability).toBeCloseTo(0.75, 15);
    expect(hi!.fractionPositive).toBe(1);
  });
});

describe('brierScore', () => {
  it('is the mean squared error of the positive-class probability', () => {
    expect(brierScore(Y, PROBS)).toBeCloseTo((0.04 + 0.36 + 0.16 + 0.01) / 4, 15);
    expect(brierScore([0, 1], [0, 1])).toBe(0);
    expect(brierScore([0, 1], [1, 0])).toBe(1);
  });
});
