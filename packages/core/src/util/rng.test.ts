import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from './rng.js';

describe('createRng', () => {
  it('is reproducible for a seed and differs across seeds', () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRng(43).next()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
  it('has a sane mean, variance and integer range', () => {
    const r = createRng(1);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.int(3)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(900);
  });
  it('shuffles to a permutation, deterministically', () => {
    const xs = Array.from({ length: 20 }, (_, i) => i);
    const s1 = createRng(5).shuffle([...xs]);
    expect(createRng(5).shuffle([...xs])).toEqual(s1);
    expect([...s1].sort((a, b) => a - b)).toEqual(xs);
    expect(s1).not.toEqual(xs);
  });
  it('forks independent streams by label, whatever the parent has consumed', () => {
    const p = createRng(9);
    const f1 = p.fork('split').next();
    p.next();
    expect(p.fork('split').next()).toBe(f1);
    expect(p.fork('augment').next()).not.toBe(f1);
    expect(deriveSeed(9, 'split')).toBe(createRng(9).fork('split').seed);
  });
});
