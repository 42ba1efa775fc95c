import { describe, expect, it } from 'vitest';
import { context, gaussianMixture, knnLabelAgreement } from './__fixtures__/mixture.js';
import { umapReducer } from './umap.js';

describe('umap', () => {
  const { x, labels } = gaussianMixture(5, 200, 20);

  it('is seeded: same seed → identical, different seed → different; keeps clusters apart', async () => {
    const params = { nEpochs: 100 };
    const a = await umapReducer.reduce(x, params, context(11));
    const b = await umapReducer.reduce(x, params, context(11));
    const c = await umapReducer.reduce(x, params, context(12));
    expect(a.embedding.rows).toBe(200);
    expect(a.embedding.cols).toBe(2);
    expect(Array.from(a.embedding.data)).toEqual(Array.from(b.embedding.data));
    expect(Array.from(a.embedding.data)).not.toEqual(Array.from(c.embedding.data));
    expect(knnLabelAgreement(a.embedding, labels, 10)).toBeGreaterThan(0.9);
    expect(a.params).toMatchObject({ nNeighbors: 15, minDist: 0.1, nComponents: 2, nEpochs: 100 });
  }, 30_000);

  it('resolves the default epoch count and rejects n ≤ nNeighbors', async () => {
    const small = gaussianMixture(6, 40, 5).x;
    const out = await umapReducer.reduce(small, {}, context(1));
    expect(out.params.nEpochs).toBe(500);
    await expect(umapReducer.reduce(small, { nNeighbors: 40 }, context(1))).rejects.toThrow(/nNeighbors/);
  }, 30_000);
});
