import { describe, expect, it } from 'vitest';
import { balancedCounts, selectPseudoLabels } from './pseudo-label.js';

const none = { balance: 'none' as const, prior: 0.5 };

describe('pseudo-label selection', () => {
  const p = [0.95, 0.05, 0.5, 0.8, 0.2, 0.99, 0.3, 0.01, 0.9];

  it('labels p ≥ t positive and p ≤ 1 − t negative, nothing in between', () => {
    const s = selectPseudoLabels(p, { kind: 'threshold', value: 0.9 }, none);
    expect(s.picks).toEqual([
      { index: 0, probability: 0.95, label: 1 },
      { index: 1, probability: 0.05, label: 0 },
      { index: 5, probability: 0.99, label: 1 },
      { index: 7, probability: 0.01, label: 0 },
      { index: 8, probability: 0.9, label: 1 },
    ]);
    expect(s.passed).toEqual([2, 3]);
    expect(s.cutoff).toBe(0.9);
  });

  it('percentile takes the top p% by max(p, 1 − p)', () => {
    const s = selectPseudoLabels(p, { kind: 'percentile', value: 34 }, none); // round(0.34 · 9) = 3
    expect(s.picks.map((x) => x.index)).toEqual([0, 5, 7]);
    expect(s.cutoff).toBe(0.95);
    expect(selectPseudoLabels(p, { kind: 'percentile', value: 1 }, none).picks).toEqual([]);
  });

  it('rarer keeps as many per class as the rarer class has, the most confident ones', () => {
    const s = selectPseudoLabels(p, { kind: 'threshold', value: 0.75 }, { balance: 'rarer', prior: 0.5 });
    // passed: positives 0.95, 0.8, 0.99, 0.9; negatives 0.05, 0.2, 0.01
    expect(s.passed).toEqual([3, 4]);
    expect(s.kept).toEqual([3, 3]);
    expect(s.picks.filter((x) => x.label === 1).map((x) => x.probability)).toEqual([0.95, 0.99, 0.9]);
    const oneSided = selectPseudoLabels([0.99, 0.97], { kind: 'threshold', value: 0.9 }, { balance: 'rarer', prior: 0.5 });
    expect(oneSided.picks).toEqual([]);
    expect(oneSided.passed).toEqual([0, 2]);
  });

  it('prior keeps the labelled class proportions', () => {
    expect(balancedCounts(30, 10, { balance: 'prior', prior: 0.5 })).toEqual([10, 10]);
    expect(balancedCounts(30, 10, { balance: 'prior', prior: 0.25 })).toEqual([30, 10]);
    expect(balancedCounts(30, 30, { balance: 'prior', prior: 0.25 })).toEqual([30, 10]);
    expect(balancedCounts(5, 30, { balance: 'prior', prior: 0.75 })).toEqual([5, 17]); // 17/22 rounds to the prior
    expect(balancedCounts(0, 30, { balance: 'prior', prior: 0.75 })).toEqual([0, 0]);
    expect(() => balancedCounts(3, 3, { balance: 'prior', prior: 0 })).toThrow(/both classes/);
  });
});
