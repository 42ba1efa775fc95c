import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { predictAt } from './confusion.js';
import { fBeta } from './f-beta.js';
import { bestThreshold } from './threshold.js';

describe('bestThreshold', () => {
  it('maximises F-beta over the observed probabilities', () => {
    // β = 1: t = .9 → ⅔, .8 → ½, .7 → .8, .6 → ⅔.
    const r = bestThreshold([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6], 1);
    expect(r.threshold).toBe(0.7);
    expect(r.fBeta).toBeCloseTo(0.8, 15);
    expect(r.precision).toBeCloseTo(2 / 3, 15);
    expect(r.recall).toBe(1);
    expect(r.confusion).toEqual({ tn: 1, fp: 1, fn: 0, tp: 2 });
  });
  it('prefers recall with β = 2', () => {
    // β = 2: t = .9 → 5/9, .8 → ½, .7 → 10/11 (P ⅔, R 1), .6 → 5/6.
    expect(bestThreshold([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.6]).threshold).toBe(0.7);
    // Here F1 prefers .9 (⅔ vs ½) but F2 prefers .4 (recall 1).
    const y = [1, 0, 0, 0, 1];
    const p = [0.9, 0.8, 0.7, 0.6, 0.4];
    expect(bestThreshold(y, p, 1).threshold).toBe(0.9);
    expect(bestThreshold(y, p, 2).threshold).toBe(0.4);
  });
  it('breaks ties towards the higher threshold', () => {
    // β = 1: t = .9 → ⅔, .8 → ½, .7 → .4, .6 → ⅔.
    expect(bestThreshold([1, 0, 0, 1], [0.9, 0.8, 0.7, 0.6], 1).threshold).toBe(0.9);
    expect(bestThreshold([0, 0, 0], [0.1, 0.5, 0.3]).threshold).toBe(0.5);
  });
  it('agrees with a brute-force search through fBeta(predictAt)', () => {
    const rng = createRng(4);
    const y = Array.from({ length: 200 }, () => (rng.next() < 0.35 ? 1 : 0));
    const p = y.map((v) => Math.round(100 / (1 + Math.exp(-(rng.normal() + v)))) / 100);
    for (const beta of [0.5, 1, 2]) {
      let bestF = -1;
      let bestT = Number.NaN;
      for (const t of [...new Set(p)].sort((a, b) => b - a)) {
        const f = fBeta(y, predictAt(p, t), beta);
        if (f > bestF) {
          bestF = f;
          bestT = t;
        }
      }
      const r = bestThreshold(y, p, beta);
      expect(r.threshold).toBe(bestT);
      expect(r.fBeta).toBe(bestF);
    }
  });
});
