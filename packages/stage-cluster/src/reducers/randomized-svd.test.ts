import { createRng } from '@neuro-ssl/core';
import { describe, expect, it } from 'vitest';
import { autoPowerIterations, mulRowsByRows, orthonormalizeColumns, randomizedSvd, transpose } from './randomized-svd.js';

/** m × p matrix of exact rank r with singular values 10, 9, … (row-major), from seeded normals. */
function lowRank(m: number, p: number, r: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const u = new Float64Array(r * m).map(() => rng.normal());
  const v = new Float64Array(r * p).map(() => rng.normal());
  orthonormalizeColumns(u, m, r);
  orthonormalizeColumns(v, p, r);
  const a = new Float64Array(m * p);
  for (let c = 0; c < r; c++) for (let i = 0; i < m; i++) for (let j = 0; j < p; j++) a[i * p + j] = a[i * p + j]! + (10 - c) * u[c * m + i]! * v[c * p + j]!;
  return a;
}

describe('randomized-svd helpers', () => {
  it('mulRowsByRows computes A Bᵀ column-major for odd shapes', () => {
    const rng = createRng(3);
    const [ra, rb, len] = [7, 5, 9];
    const a = new Float64Array(ra * len).map(() => rng.normal());
    const b = new Float64Array(rb * len).map(() => rng.normal());
    const out = mulRowsByRows(a, ra, b, rb, len);
    for (let i = 0; i < ra; i++)
      for (let c = 0; c < rb; c++) {
        let s = 0;
        for (let t = 0; t < len; t++) s += a[i * len + t]! * b[c * len + t]!;
        expect(out[c * ra + i]).toBeCloseTo(s, 12);
      }
  });

  it('orthonormalizeColumns gives an orthonormal basis and zeroes dependent vectors', () => {
    const rng = createRng(4);
    const m = 50;
    const q = new Float64Array(4 * m).map(() => rng.normal());
    for (let i = 0; i < m; i++) q[2 * m + i] = 2 * q[i]! - q[m + i]!; // third = combination of the first two
    orthonormalizeColumns(q, m, 4);
    const dot = (r: number, c: number): number => {
      let s = 0;
      for (let i = 0; i < m; i++) s += q[r * m + i]! * q[c * m + i]!;
      return s;
    };
    expect(dot(2, 2)).toBe(0);
    for (const r of [0, 1, 3]) for (const c of [0, 1, 3]) expect(dot(r, c)).toBeCloseTo(r === c ? 1 : 0, 12);
  });

  it('transpose', () => {
    const a = Float64Array.from({ length: 6 }, (_, t) => t);
    expect(Array.from(transpose(a, 2, 3))).toEqual([0, 3, 1, 4, 2, 5]);
  });

  it("autoPowerIterations is sklearn's n_iter='auto'", () => {
    expect(autoPowerIterations(50, 1506, 512)).toBe(7);
    expect(autoPowerIterations(52, 1506, 512)).toBe(4);
  });
});

describe('randomizedSvd', () => {
  for (const [m, p] of [
    [120, 40],
    [40, 120],
  ] as const) {
    it(`recovers an exact rank-6 ${m}×${p} matrix (singular values, orthonormal factors, reconstruction)`, () => {
      const a = lowRank(m, p, 6, 1);
      const { s, u, vt } = randomizedSvd(a, m, p, { k: 6, rng: createRng(2) });
      for (let c = 0; c < 6; c++) expect(s[c]).toBeCloseTo(10 - c, 10);
      for (let i = 0; i < m; i++)
        for (let j = 0; j < p; j++) {
          let r = 0;
          for (let c = 0; c < 6; c++) r += u[i * 6 + c]! * s[c]! * vt[c * p + j]!;
          expect(r).toBeCloseTo(a[i * p + j]!, 10);
        }
      for (let c = 0; c < 6; c++)
        for (let e = 0; e < 6; e++) {
          let uu = 0;
          let vv = 0;
          for (let i = 0; i < m; i++) uu += u[i * 6 + c]! * u[i * 6 + e]!;
          for (let j = 0; j < p; j++) vv += vt[c * p + j]! * vt[e * p + j]!;
          expect(uu).toBeCloseTo(c === e ? 1 : 0, 10);
          expect(vv).toBeCloseTo(c === e ? 1 : 0, 10);
        }
    });
  }

  it('the two product orders (direct A/Aᵀ, or through AᵀA) give the same factorisation', () => {
    const a = lowRank(150, 60, 8, 6);
    for (let t = 0; t < a.length; t++) a[t] = a[t]! + 0.001 * Math.cos(7 * t);
    const direct = randomizedSvd(a, 150, 60, { k: 8, rng: createRng(3), route: 'direct' });
    const gram = randomizedSvd(a, 150, 60, { k: 8, rng: createRng(3), route: 'gram' });
    for (let c = 0; c < 8; c++) {
      expect(gram.s[c]).toBeCloseTo(direct.s[c]!, 9);
      let dot = 0;
      for (let j = 0; j < 60; j++) dot += gram.vt[c * 60 + j]! * direct.vt[c * 60 + j]!;
      expect(Math.abs(dot)).toBeCloseTo(1, 9);
    }
  });

  it('is deterministic for a seed', () => {
    const a = lowRank(80, 30, 10, 5);
    for (let t = 0; t < a.length; t++) a[t] = a[t]! + 0.01 * Math.sin(t);
    const one = randomizedSvd(a, 80, 30, { k: 5, rng: createRng(9) });
    const two = randomizedSvd(a, 80, 30, { k: 5, rng: createRng(9) });
    expect(Array.from(two.s)).toEqual(Array.from(one.s));
    expect(Array.from(two.u)).toEqual(Array.from(one.u));
    expect(Array.from(two.vt)).toEqual(Array.from(one.vt));
  });

  it('rejects k outside [1, min(m, p)]', () => {
    const a = new Float64Array(12);
    expect(() => randomizedSvd(a, 4, 3, { k: 4, rng: createRng(1) })).toThrow(/k=4/);
    expect(() => randomizedSvd(a, 4, 3, { k: 0, rng: createRng(1) })).toThrow(/k=0/);
  });
});
