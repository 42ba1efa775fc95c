import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { rocAuc, rocCurve, trapezoid } from './roc-auc.js';

describe('rocCurve', () => {
  it('has one point per distinct score, starting at (0, 0) with threshold max + 1', () => {
    const { fpr, tpr, thresholds } = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
    expect(Array.from(fpr)).toEqual([0, 0, 0.5, 0.5, 1]);
    expect(Array.from(tpr)).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(Array.from(thresholds)).toEqual([1.8, 0.8, 0.4, 0.35, 0.1]);
  });
  it('groups tied scores into one diagonal step', () => {
    const { fpr, tpr } = rocCurve([0, 1, 1, 0], [0.5, 0.5, 0.9, 0.1]);
    expect(Array.from(fpr)).toEqual([0, 0, 0.5, 1]);
    expect(Array.from(tpr)).toEqual([0, 0.5, 1, 1]);
  });
  it('drops collinear points only on request', () => {
    const y = [1, 1, 0, 0];
    const s = [0.9, 0.8, 0.2, 0.1];
    expect(rocCurve(y, s).fpr.length).toBe(5);
    // Points (fps, tps) = (0,1), (0,2), (1,2), (2,2): (1,2) lies on the segment between its neighbours.
    const dropped = rocCurve(y, s, { dropIntermediate: true });
    expect(Array.from(dropped.tpr)).toEqual([0, 0.5, 1, 1]);
    expect(Array.from(dropped.fpr)).toEqual([0, 0, 0, 1]);
    expect(Array.from(dropped.thresholds)).toEqual([1.9, 0.9, 0.8, 0.1]);
  });
  it('returns NaN rates when a class is absent', () => {
    const { fpr, tpr } = rocCurve([1, 1], [0.3, 0.7]);
    expect(Array.from(fpr).every(Number.isNaN)).toBe(true);
    expect(Array.from(tpr)).toEqual([0, 0.5, 1]);
  });
});

describe('rocAuc', () => {
  it('matches hand values, ties counting one half', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
    expect(rocAuc([0, 1], [0.5, 0.5])).toBe(0.5);
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9])).toBe(1);
    expect(rocAuc([0, 0, 1, 1], [0.9, 0.8, 0.2, 0.1])).toBe(0);
    expect(rocAuc([0, 1, 0, 1], [3, 3, 3, 3])).toBe(0.5);
  });
  it('is null for a single class', () => {
    expect(rocAuc([1, 1, 1], [0.1, 0.2, 0.3])).toBeNull();
    expect(rocAuc([0, 0], [0.1, 0.2])).toBeNull();
  });
  it('equals the Mann–Whitney pair count and ignores monotone transforms', () => {
    const rng = createRng(3);
    const y = Array.from({ length: 300 }, () => (rng.next() < 0.3 ? 1 : 0));
    const s = y.map((v) => Math.round((rng.normal() + v) * 4) / 4); // coarse grid: many ties
    let wins = 0;
    let pairs = 0;
    for (let i = 0; i < y.length; i++) {
      for (let j = 0; j < y.length; j++) {
        if (y[i] === 1 && y[j] === 0) {
          pairs++;
          wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
      }
    }
    expect(rocAuc(y, s)).toBeCloseTo(wins / pairs, 12);
    expect(rocAuc(y, s.map((v) => 1 / (1 + Math.exp(-v))))).toBeCloseTo(wins / pairs, 12);
  });
  it('rejects non-finite scores', () => {
    expect(() => rocAuc([0, 1], [0.1, Number.NaN])).toThrow(/finite/);
    expect(() => rocAuc([], [])).toThrow(/empty/);
  });
  it('trapezoid integrates piecewise-linear curves', () => {
    expect(trapezoid([0, 0.5, 1], [0, 1, 1])).toBe(0.75);
  });
});
