import { describe, expect, it } from 'vitest';
import { createRng } from '@neuro-ssl/core';
import { sampleBeta } from './beta-sample.js';

describe('seeded Beta draws', () => {
  it('have the mean and variance of Beta(a, b), and repeat for a seed', () => {
    for (const [a, b] of [
      [0.4, 0.4],
      [2, 5],
    ] as const) {
      const rng = createRng(3);
      const xs = Array.from({ length: 20000 }, () => sampleBeta(a, b, rng));
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / xs.length;
      expect(mean).toBeCloseTo(a / (a + b), 2);
      expect(variance).toBeCloseTo((a * b) / ((a + b) ** 2 * (a + b + 1)), 2);
      expect(xs.every((x) => x >= 0 && x <= 1)).toBe(true);
    }
    const r1 = createRng(9);
    const r2 = createRng(9);
    expect(Array.from({ length: 5 }, () => sampleBeta(0.4, 0.4, r1))).toEqual(Array.from({ length: 5 }, () => sampleBeta(0.4, 0.4, r2)));
  });
});
