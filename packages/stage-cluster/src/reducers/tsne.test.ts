import { createLogger } from '@neuro-ssl/core';
import { describe, expect, it } from 'vitest';
import { matrix } from '../matrix.js';
import { context, gaussianMixture, knnLabelAgreement } from './__fixtures__/mixture.js';
import { jointProbabilities, resolveTsneParams, runTsne, tsneReducer } from './tsne.js';

describe('tsne', () => {
  const { x, labels } = gaussianMixture(3, 240, 20);

  it('joint probabilities are symmetric-normalised: Σ_{i<j} p = 1/2, rows reach the perplexity', () => {
    const P = jointProbabilities(x, 30);
    expect(P).toHaveLength((240 * 239) / 2);
    let s = 0;
    for (const p of P) s += p;
    expect(s).toBeCloseTo(0.5, 9);
  });

  it('same seed → identical output; different seed → different (random init)', async () => {
    const params = { init: 'random' as const, iterations: 300 };
    const a = await tsneReducer.reduce(x, params, context(7));
    const b = await tsneReducer.reduce(x, params, context(7));
    const c = await tsneReducer.reduce(x, params, context(8));
    expect(Array.from(a.embedding.data)).toEqual(Array.from(b.embedding.data));
    expect(Array.from(a.embedding.data)).not.toEqual(Array.from(c.embedding.data));
  });

  it('separates well-separated clusters, KL decreases after exaggeration, logs progress', async () => {
    const lines: string[] = [];
    const logger = createLogger({ sinks: [(_level, line) => lines.push(line)], level: 'debug' });
    const result = await runTsne(x, {}, context(1, { logger }));
    const embedding = matrix(x.rows, 2, Float32Array.from(result.embedding));
    expect(knnLabelAgreement(embedding, labels, 10)).toBeGreaterThan(0.9);
    const after = result.klHistory.filter((h) => h.iteration > 250).map((h) => h.kl);
    expect(after.length).toBeGreaterThan(3);
    expect(after[after.length - 1]!).toBeLessThan(after[0]!);
    expect(result.klHistory[0]!.iteration).toBe(50);
    expect(result.klDivergence).toBeGreaterThan(0);
    expect(lines.some((l) => /iteration 50\/1000: KL/.test(l))).toBe(true);
    expect(result.iterationsRun).toBeLessThanOrEqual(1000);
  }, 30_000);

  it("learning rate 'auto' = max(n / earlyExaggeration / 4, 50), recorded in params", async () => {
    expect(resolveTsneParams(240, {}).learningRate).toBe(50);
    expect(resolveTsneParams(1506, {}).learningRate).toBe(50);
    expect(resolveTsneParams(6000, {}).learningRate).toBeCloseTo(6000 / 12 / 4, 12);
    expect(resolveTsneParams(1506, { earlyExaggeration: 4 }).learningRate).toBeCloseTo(1506 / 16, 12);
    expect(resolveTsneParams(1506, { learningRate: 200 }).learningRate).toBe(200);
    const out = await tsneReducer.reduce(x, { iterations: 250 }, context(1));
    expect(out.params).toMatchObject({ learningRate: 50, perplexity: 30, earlyExaggeration: 12, init: 'pca', iterations: 250 });
  });

  it("method 'exact' refuses more than maxExactPoints points, pointing at barnes_hut and umap", async () => {
    await expect(tsneReducer.reduce(x, { method: 'exact', maxExactPoints: 100 }, context(1))).rejects.toThrow(/n=240 > maxExactPoints=100.*barnes_hut.*umap/);
  });

  it('rejects perplexity ≥ n and honours an aborted signal', async () => {
    const small = gaussianMixture(4, 20, 5).x;
    await expect(tsneReducer.reduce(small, { perplexity: 30 }, context(1))).rejects.toThrow(/perplexity/);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(tsneReducer.reduce(x, {}, context(1, { signal: controller.signal }))).rejects.toThrow(/stop/);
  });
});
