import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createTestContext, type FeatureTable } from '@neuro-ssl/core';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { gaussianMixture } from './__fixtures__/gaussian-mixture.js';
import { clusterConfigSchema, reducerOrder, type ClusterConfig } from './cluster-config.js';
import { clusterStage } from './cluster-stage.js';

function table(n: number, d: number): FeatureTable {
  const g = gaussianMixture({ n, d, labelled: Math.floor(n / 2), seed: 3 });
  return {
    ids: Array.from({ length: n }, (_, i) => `img${i}`),
    paths: Array.from({ length: n }, (_, i) => `/data/img${i}.jpg`),
    splits: Array.from(g.labels, (l) => (l >= 0 ? 'labelled' : 'unlabelled')),
    labels: Array.from(g.labels),
    dim: d,
    values: g.x.data,
    meta: { backbone: 'test' },
  };
}

/** The `with:` block as the runner hands it over: validated, defaults filled. */
function config(raw: unknown): ClusterConfig {
  const { value, issues } = validateWithSchema<ClusterConfig>(clusterConfigSchema(), raw, { file: 'test.yaml' });
  if (issues.length) throw new Error(issues.map((i) => `${i.path}: ${i.message}`).join('\n'));
  return value;
}

describe('cluster stage', () => {
  it('evaluates every reducer × clusterer pair, scores them on the labelled images and draws the figures', async () => {
    const features = table(160, 24);
    const cfg = config({
      reducers: { pca: { components: 5 }, tsne: { input: 'pca', iterations: 300, perplexity: 15 } },
      clusterers: { kmeans: { k: 2, nInit: 3 }, dbscan: { eps: 1.5, minPts: 5 } },
    });
    const { report, figures } = await clusterStage.run(createTestContext({ seed: 4 }), cfg, { features });
    expect(report.embeddings.map((e) => [e.reducer, e.dims])).toEqual([
      ['pca', 5],
      ['tsne', 2],
    ]);
    expect(report.embeddings[1]!.params.input).toBe('pca');
    expect(report.results.map((r) => `${r.reducer}×${r.clusterer}`)).toEqual(['pca×kmeans', 'pca×dbscan', 'tsne×kmeans', 'tsne×dbscan']);
    const pcaKmeans = report.results[0]!;
    // two well separated Gaussian classes: k-means on PCA recovers them
    expect(pcaKmeans.ari).toBeGreaterThan(0.9);
    expect(pcaKmeans.nmi).toBeGreaterThan(0.8);
    expect(pcaKmeans.silhouette).toBeGreaterThan(0.3);
    const c = pcaKmeans.contingency;
    expect(c.counts.flat().reduce((a, b) => a + b, 0) + c.noise.reduce((a, b) => a + b, 0)).toBe(80); // labelled only
    expect(figures.files.map((f) => f.name).sort()).toEqual(
      ['pca-by-class', 'pca-kmeans', 'pca-dbscan', 'tsne-by-class', 'tsne-kmeans', 'tsne-dbscan'].flatMap((b) => [`${b}.png`, `${b}.svg`]).sort(),
    );
    const png = figures.files.find((f) => f.name === 'pca-kmeans.png')!;
    expect((await sharp(png.data).metadata()).format).toBe('png');
    expect(png.title).toContain(`ARI ${pcaKmeans.ari!.toFixed(3)}`);
  }, 120_000);

  it('is deterministic for a seed', async () => {
    const features = table(80, 8);
    const cfg = config({ reducers: { tsne: { iterations: 250, perplexity: 10 } }, clusterers: { kmeans: { k: 2, nInit: 2 } } });
    const a = await clusterStage.run(createTestContext({ seed: 9 }), cfg, { features });
    const b = await clusterStage.run(createTestContext({ seed: 9 }), cfg, { features });
    expect(Array.from(a.report.embeddings[0]!.values)).toEqual(Array.from(b.report.embeddings[0]!.values));
    expect(Array.from(a.report.results[0]!.assignments)).toEqual(Array.from(b.report.results[0]!.assignments));
  }, 60_000);

  it('rejects unknown reducers and clusterers listing the registered ones, and bad inputs', () => {
    const { issues } = validateWithSchema(clusterConfigSchema(), { reducers: { tnse: {} }, clusterers: { kmean: {} } }, { file: 'x.yaml' });
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/reducers\.tnse.*unknown field "tnse".*did you mean "tsne"/);
    expect(text).toMatch(/pca, tsne, umap/);
    expect(text).toMatch(/clusterers\.kmean.*did you mean "kmeans"/);
    expect(() => reducerOrder({ a: { input: 'b' }, b: { input: 'a' } })).toThrow(/cycle/);
    expect(reducerOrder({ tsne: { input: 'pca' }, pca: { input: 'features' } })).toEqual(['pca', 'tsne']);
  });
});
