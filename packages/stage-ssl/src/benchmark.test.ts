import { describe, expect, it } from 'vitest';
import { benchmarkRound } from './benchmark.js';

describe('pseudo-label benchmark', () => {
  it('scores the picks and the pool against the true labels it has', () => {
    const poolIds = ['a', 'b', 'c', 'd', 'e'];
    const probs = [0.95, 0.9, 0.1, 0.6, 0.02];
    const truth = new Map([
      ['a', 1],
      ['b', 0],
      ['c', 0],
      ['e', 1],
    ]);
    const picks = [
      { index: 0, label: 1 as const, probability: 0.95 },
      { index: 1, label: 1 as const, probability: 0.9 },
      { index: 2, label: 0 as const, probability: 0.1 },
      { index: 3, label: 1 as const, probability: 0.6 }, // no truth: not checked
      { index: 4, label: 0 as const, probability: 0.02 },
    ];
    expect(benchmarkRound(picks, poolIds, probs, truth)).toEqual({
      checked: 4,
      correct: 2,
      accuracy: 0.5,
      precision: [0.5, 0.5],
      correctByClass: [1, 1],
      poolAccuracy: 0.5,
    });
    expect(benchmarkRound([], poolIds, probs, new Map()).accuracy).toBeNull();
  });
});
