import { createRng } from '@neuro-ssl/core';
import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.js';
import { trustworthiness } from '../scores/trustworthiness.js';
import { context, gaussianMixture } from './__fixtures__/mixture.js';
import { barnesHutGradient, nearestNeighbours, neighbourCount, sparseJointProbabilities, type SparseP } from './barnes-hut-tsne.js';
import { buildQuadtree } from './quadtree.js';
import { exactGradient, runTsne } from './tsne.js';

/** Condensed upper triangle (tsne.ts layout) of a sparse symmetric P. */
function condensed(P: SparseP): Float64Array {
  const n = P.n;
  const out = new Float64Array((n * (n - 1)) / 2);
  for (let i = 0; i < n; i++) {
    for (let s = P.rowPtr[i]!; s < P.rowPtr[i + 1]!; s++) {
      const j = P.col[s]!;
      if (j <= i) continue;
      out[i * n - (i * (i + 1)) / 2 + (j - i - 1)] = P.val[s]!;
    }
  }
  return out;
}

describe('quadtree', () => {
  it('counts and centres of mass on a hand-made point set', () => {
    // Root box [0, 4.004) × [0, 4.004); quadrant split at 2.002.
    const pts = [0, 0, 1, 1, 3, 3, 3, 1, 0.5, 3.5, 4, 4];
    const y = Float64Array.from(pts);
    const n = pts.length / 2;
    const t = buildQuadtree(y, n);
    expect(t.count[0]).toBe(n);
    expect(t.comX[0]).toBeCloseTo((0 + 1 + 3 + 3 + 0.5 + 4) / n, 12);
    expect(t.comY[0]).toBeCloseTo((0 + 1 + 3 + 1 + 3.5 + 4) / n, 12);
    const q = (c: number, k: number): number => t.children[4 * c + k]!;
    // Lower-left (0,0), (1,1); lower-right (3,1); upper-left (0.5,3.5); upper-right (3,3), (4,4).
    const ll = q(0, 0);
    const lr = q(0, 1);
    const ul = q(0, 2);
    const ur = q(0, 3);
    expect([t.count[ll], t.count[lr], t.count[ul], t.count[ur]]).toEqual([2, 1, 1, 2]);
    expect([t.comX[ll], t.comY[ll]]).toEqual([0.5, 0.5]);
    expect([t.comX[lr], t.comY[lr]]).toEqual([3, 1]);
    expect([t.comX[ul], t.comY[ul]]).toEqual([0.5, 3.5]);
    expect([t.comX[ur], t.comY[ur]]).toEqual([3.5, 3.5]);
    // Every internal cell's count and mass are its children's sums; every point lies in exactly one leaf.
    const inLeaf = new Int32Array(n);
    for (let c = 0; c < t.size; c++) {
      const kids = [0, 1, 2, 3].map((k) => q(c, k)).filter((k) => k !== -1);
      if (kids.length === 0) {
        let cnt = 0;
        for (let p = t.head[c]!; p !== -1; p = t.next[p]!) {
          inLeaf[p]!++;
          cnt++;
          expect(y[2 * p]!).toBeGreaterThanOrEqual(t.minX[c]!);
          expect(y[2 * p]!).toBeLessThan(t.maxX[c]!);
        }
        expect(cnt).toBe(t.count[c]);
        continue;
      }
      expect(kids.reduce((s, k) => s + t.count[k]!, 0)).toBe(t.count[c]);
      expect(kids.reduce((s, k) => s + t.count[k]! * t.comX[k]!, 0) / t.count[c]!).toBeCloseTo(t.comX[c]!, 12);
      expect(kids.reduce((s, k) => s + t.count[k]! * t.comY[k]!, 0) / t.count[c]!).toBeCloseTo(t.comY[c]!, 12);
    }
    expect(Array.from(inLeaf)).toEqual(new Array(n).fill(1));
  });

  it('keeps exact duplicates in one leaf', () => {
    const t = buildQuadtree(Float64Array.from([1, 1, 1, 1, 2, 2]), 3);
    expect(t.count[0]).toBe(3);
    let leaves = 0;
    for (let c = 0; c < t.size; c++) if (t.head[c] !== -1) leaves++;
    expect(leaves).toBe(2);
  });
});

describe('barnes-hut t-SNE', () => {
  const { x } = gaussianMixture(11, 400, 10);

  it('sparse P: k = min(n − 1, ⌊3·perplexity + 1⌋) neighbours, symmetric, sums to 1', () => {
    expect(neighbourCount(400, 30)).toBe(91);
    expect(neighbourCount(50, 30)).toBe(49);
    const P = sparseJointProbabilities(x, 30);
    let s = 0;
    const dense = new Map<string, number>();
    for (let i = 0; i < P.n; i++) {
      for (let t = P.rowPtr[i]!; t < P.rowPtr[i + 1]!; t++) {
        s += P.val[t]!;
        dense.set(`${i},${P.col[t]}`, P.val[t]!);
        expect(P.col[t]).not.toBe(i);
      }
    }
    expect(s).toBeCloseTo(1, 12);
    for (const [key, v] of dense) {
      const [i, j] = key.split(',');
      expect(dense.get(`${j},${i}`)).toBe(v);
    }
    const { indices, distances } = nearestNeighbours(x, 5);
    for (let q = 1; q < 5; q++) expect(distances[q]!).toBeGreaterThanOrEqual(distances[q - 1]!);
    expect(Array.from(indices.subarray(0, 5))).not.toContain(0);
  });

  it('with angle → 0 the gradient equals the exact gradient with the same sparse P (1e-6 relative)', () => {
    const P = sparseJointProbabilities(x, 30);
    const rng = createRng(3);
    const n = x.rows;
    const y = new Float64Array(2 * n);
    for (let t = 0; t < y.length; t++) y[t] = rng.normal() * 5;
    for (const e of [12, 1]) {
      const bh = new Float64Array(2 * n);
      const ex = new Float64Array(2 * n);
      const { z, kl } = barnesHutGradient(P, y, e, 1e-6, bh, true);
      const zExact = exactGradient(condensed(P), y, n, e, new Float64Array(4 * n), ex);
      expect(Math.abs(z - zExact) / zExact).toBeLessThan(1e-9);
      let num = 0;
      let den = 0;
      for (let t = 0; t < 2 * n; t++) {
        num += (bh[t]! - ex[t]!) ** 2;
        den += ex[t]! ** 2;
        expect(Math.abs(bh[t]! - ex[t]!)).toBeLessThanOrEqual(1e-6 * Math.abs(ex[t]!) + 1e-12);
      }
      expect(Math.sqrt(num / den)).toBeLessThan(1e-6);
      expect(kl).toBeGreaterThan(0);
      // angle 0.5 is an approximation, but a close one.
      const approx = new Float64Array(2 * n);
      barnesHutGradient(P, y, e, 0.5, approx, false);
      let diff = 0;
      for (let t = 0; t < 2 * n; t++) diff += (approx[t]! - ex[t]!) ** 2;
      expect(Math.sqrt(diff / den)).toBeLessThan(0.05);
    }
  });

  it('trustworthiness within 0.02 of the exact method; same seed → identical output', async () => {
    const t0 = performance.now();
    const bh = await runTsne(x, { method: 'barnes_hut' }, context(5));
    const t1 = performance.now();
    const ex = await runTsne(x, { method: 'exact' }, context(5));
    const t2 = performance.now();
    const tBh = trustworthiness(x, matrix(x.rows, 2, Float32Array.from(bh.embedding)), 5);
    const tEx = trustworthiness(x, matrix(x.rows, 2, Float32Array.from(ex.embedding)), 5);
    console.info(
      `[tsne n=400] trustworthiness barnes_hut ${tBh.toFixed(4)} (${((t1 - t0) / 1000).toFixed(2)} s, KL ${bh.klDivergence.toFixed(4)}) vs exact ${tEx.toFixed(4)} (${((t2 - t1) / 1000).toFixed(2)} s, KL ${ex.klDivergence.toFixed(4)})`,
    );
    expect(Math.abs(tBh - tEx)).toBeLessThanOrEqual(0.02);
    expect(bh.params.method).toBe('barnes_hut');
    const again = await runTsne(x, { method: 'barnes_hut' }, context(5));
    expect(Array.from(again.embedding)).toEqual(Array.from(bh.embedding));
    const random1 = await runTsne(x, { init: 'random', iterations: 300 }, context(9));
    const random2 = await runTsne(x, { init: 'random', iterations: 300 }, context(9));
    expect(Array.from(random1.embedding)).toEqual(Array.from(random2.embedding));
  }, 120_000);

  it('ignores maxExactPoints and honours an aborted signal', async () => {
    const small = gaussianMixture(4, 120, 5).x;
    const out = await runTsne(small, { maxExactPoints: 100, iterations: 250 }, context(1));
    expect(out.embedding).toHaveLength(240);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(runTsne(x, {}, context(1, { signal: controller.signal }))).rejects.toThrow(/stop/);
  });

  it('n = 1506: timing (exact too when TSNE_TIME_EXACT=1)', async () => {
    const big = gaussianMixture(2, 1506, 50, 2).x;
    const t0 = performance.now();
    const bh = await runTsne(big, {}, context(1));
    const sBh = (performance.now() - t0) / 1000;
    const trust = trustworthiness(big, matrix(big.rows, 2, Float32Array.from(bh.embedding)), 5);
    let line = `[tsne n=1506, d=50] barnes_hut ${sBh.toFixed(2)} s (${bh.iterationsRun} iterations, trustworthiness ${trust.toFixed(4)})`;
    if (process.env.TSNE_TIME_EXACT === '1') {
      const t1 = performance.now();
      const ex = await runTsne(big, { method: 'exact' }, context(1));
      const sEx = (performance.now() - t1) / 1000;
      const trustEx = trustworthiness(big, matrix(big.rows, 2, Float32Array.from(ex.embedding)), 5);
      line += `; exact ${sEx.toFixed(2)} s (${ex.iterationsRun} iterations, trustworthiness ${trustEx.toFixed(4)})`;
    }
    console.info(line);
    expect(trust).toBeGreaterThan(0.8);
  }, 300_000);
});
