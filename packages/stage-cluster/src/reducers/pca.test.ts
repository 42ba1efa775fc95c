import { createRng } from '@neuro-ssl/core';
import { PCA } from 'ml-pca';
import { describe, expect, it } from 'vitest';
import { matrix, type Matrix } from '../matrix.js';
import { context, gaussianMixture } from './__fixtures__/mixture.js';
import { fitPca, pcaReducer, resolvePcaSolver } from './pca.js';
import { symmetricEigen } from './symmetric-eigen.js';

function rowsOf(x: Matrix): number[][] {
  return Array.from({ length: x.rows }, (_, i) => Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
}

function columnVariance(values: Float32Array | Float64Array, n: number, k: number, c: number): number {
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i * k + c]!;
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (values[i * k + c]! - mean) ** 2;
  return v / (n - 1);
}

/** Our projections equal ml-pca's (the oracle, SVD mode) up to one sign per column. */
function expectSameUpToSign(ours: Float64Array, k: number, oracle: number[][], tol: number): void {
  const n = oracle.length;
  for (let c = 0; c < k; c++) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += ours[i * k + c]! * oracle[i]![c]!;
    const sign = dot < 0 ? -1 : 1;
    let maxDiff = 0;
    let scale = 0;
    for (let i = 0; i < n; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(ours[i * k + c]! - sign * oracle[i]![c]!));
      scale = Math.max(scale, Math.abs(oracle[i]![c]!));
    }
    expect(maxDiff / scale).toBeLessThan(tol);
  }
}

describe('symmetricEigen', () => {
  it('reconstructs A = V Λ Vᵀ with orthonormal V, eigenvalues descending', () => {
    const n = 30;
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = Math.sin(3 * i + 7 * j) + (i === j ? 2 : 0);
    const { values, vectors } = symmetricEigen(a, n);
    for (let j = 1; j < n; j++) expect(values[j]!).toBeLessThanOrEqual(values[j - 1]!);
    for (let r = 0; r < n; r++)
      for (let c = 0; c < n; c++) {
        let s = 0;
        let o = 0;
        for (let j = 0; j < n; j++) {
          s += vectors[j * n + r]! * values[j]! * vectors[j * n + c]!;
          o += vectors[r * n + j]! * vectors[c * n + j]!;
        }
        expect(s).toBeCloseTo(a[r * n + c]!, 10);
        expect(o).toBeCloseTo(r === c ? 1 : 0, 10);
      }
  });
});

describe('pca', () => {
  const { x } = gaussianMixture(1, 300, 20);
  const oracle = new PCA(rowsOf(x)); // SVD mode: correct, slow on big inputs, fine here

  it('explained variance ratio equals ml-pca to 1e-9 and sums to ≤ 1', () => {
    const fit = fitPca(x, { components: 20 });
    const expected = oracle.getExplainedVariance();
    expect(fit.explainedVarianceRatio).toHaveLength(20);
    fit.explainedVarianceRatio.forEach((r, c) => expect(Math.abs(r - expected[c]!)).toBeLessThan(1e-9));
    const five = fitPca(x, { components: 5 }).explainedVarianceRatio;
    expect(five.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1);
    expect(fit.explainedVarianceRatio.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('projections equal ml-pca up to sign', () => {
    const fit = fitPca(x, { components: 5 });
    expectSameUpToSign(fit.scores, 5, oracle.predict(rowsOf(x), { nComponents: 5 }).to2DArray(), 1e-8);
  });

  it('signs follow sklearn 1.2 svd_flip: largest-|.| entry of each projected column is positive', () => {
    const fit = fitPca(x, { components: 5 });
    for (let c = 0; c < 5; c++) {
      let best = 0;
      for (let i = 0; i < x.rows; i++) if (Math.abs(fit.scores[i * 5 + c]!) > Math.abs(best)) best = fit.scores[i * 5 + c]!;
      expect(best).toBeGreaterThan(0);
    }
  });

  it('components as a fraction picks the smallest k whose cumulative ratio exceeds it', () => {
    const all = fitPca(x, { components: 20 }).explainedVarianceRatio;
    for (const fraction of [0.5, 0.8, 0.95, 0.99]) {
      let cum = 0;
      let k = 0;
      while (cum <= fraction) cum += all[k++]!;
      const fit = fitPca(x, { components: fraction });
      expect(fit.k).toBe(k);
      const kept = fit.explainedVarianceRatio.reduce((a, b) => a + b, 0);
      expect(kept).toBeGreaterThan(fraction);
      expect(kept - fit.explainedVarianceRatio[k - 1]!).toBeLessThanOrEqual(fraction);
    }
  });

  it('whitening gives unit variance (n − 1) per component', async () => {
    const out = await pcaReducer.reduce(x, { components: 4, whiten: true }, context(1));
    expect(out.embedding.cols).toBe(4);
    for (let c = 0; c < 4; c++) expect(columnVariance(out.embedding.data, x.rows, 4, c)).toBeCloseTo(1, 5);
    expect(out.params).toMatchObject({ components: 4, resolvedComponents: 4, whiten: true });
  });

  it('uses the Gram matrix when n < d and still matches ml-pca', () => {
    const wide = gaussianMixture(2, 30, 60);
    const fit = fitPca(wide.x, { components: 10 });
    const o = new PCA(rowsOf(wide.x));
    const expected = o.getExplainedVariance();
    fit.explainedVarianceRatio.forEach((r, c) => expect(Math.abs(r - expected[c]!)).toBeLessThan(1e-9));
    expectSameUpToSign(fit.scores, 10, o.predict(rowsOf(wide.x), { nComponents: 10 }).to2DArray(), 1e-8);
  });

  it('rejects bad components', () => {
    expect(() => fitPca(x, { components: 21 })).toThrow(/min\(n_samples, n_features\)/);
    expect(() => fitPca(x, { components: 1.5 })).toThrow(/integer/);
    expect(() => fitPca(x, { components: 0 })).toThrow(/integer/);
    expect(() => fitPca(matrix(1, 3, new Float32Array(3)), { components: 1 })).toThrow(/2 samples/);
  });
});

describe('pca solvers', () => {
  const { x } = gaussianMixture(1, 300, 20);

  /** n × d: rank-20 signal with singular values well apart, plus small isotropic noise. */
  function spectrum(n: number, d: number, seed: number): Matrix {
    const rng = createRng(seed);
    const r = 20;
    const f = Array.from({ length: r * d }, () => rng.normal());
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      const z = Array.from({ length: r }, (_, c) => rng.normal() * (20 - 0.8 * c));
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let c = 0; c < r; c++) s += z[c]! * f[c * d + j]!;
        data[i * d + j] = 3 + s / Math.sqrt(d) + 0.05 * rng.normal();
      }
    }
    return matrix(n, d, data);
  }

  function expectSameUpToSignRowMajor(ours: Float64Array, theirs: Float64Array, n: number, k: number, tol: number): void {
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += ours[i * k + c]! * theirs[i * k + c]!;
      const sign = dot < 0 ? -1 : 1;
      let maxDiff = 0;
      let scale = 0;
      for (let i = 0; i < n; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(ours[i * k + c]! - sign * theirs[i * k + c]!));
        scale = Math.max(scale, Math.abs(theirs[i * k + c]!));
      }
      expect(maxDiff / scale, `component ${c}`).toBeLessThan(tol);
    }
  }

  for (const [n, d] of [
    [600, 300],
    [300, 600],
  ] as const) {
    it(`randomized matches full on a clear spectrum (${n}×${d}, k = 20): ratios to 1e-6, coordinates to 1e-4`, () => {
      const x = spectrum(n, d, 7);
      const full = fitPca(x, { components: 20, solver: 'full' });
      const rand = fitPca(x, { components: 20, solver: 'randomized', rng: createRng(11) });
      expect(full.solver).toBe('full');
      expect(rand.solver).toBe('randomized');
      expect(rand.totalVariance).toBeCloseTo(full.totalVariance, 8);
      rand.explainedVarianceRatio.forEach((r, c) => expect(Math.abs(r - full.explainedVarianceRatio[c]!), `component ${c}`).toBeLessThan(1e-6));
      expectSameUpToSignRowMajor(rand.scores, full.scores, n, 20, 1e-4);
      // Same svd_flip convention, so the signs agree too.
      for (let c = 0; c < 20; c++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += rand.scores[i * 20 + c]! * full.scores[i * 20 + c]!;
        expect(dot).toBeGreaterThan(0);
      }
    });
  }

  it('randomized is deterministic for a seed (through the reducer context too)', async () => {
    const x = spectrum(200, 80, 3);
    const a = fitPca(x, { components: 5, solver: 'randomized', rng: createRng(5) });
    const b = fitPca(x, { components: 5, solver: 'randomized', rng: createRng(5) });
    expect(Array.from(b.scores)).toEqual(Array.from(a.scores));
    const r1 = await pcaReducer.reduce(x, { components: 5, solver: 'randomized' }, context(4));
    const r2 = await pcaReducer.reduce(x, { components: 5, solver: 'randomized' }, context(4));
    expect(Array.from(r2.embedding.data)).toEqual(Array.from(r1.embedding.data));
    expect(r1.params).toMatchObject({ solver: 'randomized', resolvedSolver: 'randomized' });
  });

  it("resolvePcaSolver follows sklearn 1.2's svd_solver='auto'", () => {
    expect(resolvePcaSolver(300, 20, 5)).toBe('full'); // max(n, d) ≤ 500
    expect(resolvePcaSolver(500, 500, 10)).toBe('full');
    expect(resolvePcaSolver(1506, 512, 50)).toBe('randomized');
    expect(resolvePcaSolver(1506, 1280, 50)).toBe('randomized');
    expect(resolvePcaSolver(400, 2000, 50)).toBe('randomized'); // wide: max(n, d) > 500
    expect(resolvePcaSolver(1506, 512, 409)).toBe('randomized'); // 409 < 0.8·512 = 409.6
    expect(resolvePcaSolver(1506, 512, 410)).toBe('full');
    expect(resolvePcaSolver(1506, 512, 0.95)).toBe('full'); // fractions: full
    expect(resolvePcaSolver(1506, 512, 50, 'full')).toBe('full');
    expect(resolvePcaSolver(100, 20, 5, 'randomized')).toBe('randomized');
  });

  it('auto picks full on small inputs (the ml-pca checks above run that path) and randomized on large ones', () => {
    expect(fitPca(x, { components: 5 }).solver).toBe('full');
    expect(fitPca(spectrum(520, 30, 1), { components: 5 }).solver).toBe('randomized');
  });

  it('randomized rejects a variance fraction', () => {
    expect(() => fitPca(x, { components: 0.9, solver: 'randomized' })).toThrow(/integer/);
  });
});
