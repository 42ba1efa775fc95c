// The cluster stage: FeatureTable → ClusterReport + figures. Does the backbone separate the classes
// without labels? Every reducer × clusterer pair, scored against the labels of the labelled images.

import { defineStage, type ClusterReport, type ClusterResult, type Embedding, type FeatureTable } from '@neuro-ssl/core';
import { clusterConfigSchema, reducerOrder, type ClusterConfig } from './cluster-config.js';
import { clusterFigures } from './cluster-figures.js';
import { getClusterer } from './clusterers/registry.js';
import { matrix, type Matrix } from './matrix.js';
import { getReducer } from './reducers/registry.js';
import { ariFromContingency, contingency, nmiFromContingency, silhouette } from './scores/index.js';
import { standardize } from './standardize.js';

export const clusterStage = defineStage({
  name: '@neuro-ssl/stage-cluster',
  version: '0.1.0',
  description: 'PCA / t-SNE / UMAP × KMeans / DBSCAN on a feature table, scored with ARI, NMI and silhouette, with scatter plots.',
  configSchema: clusterConfigSchema(),
  inputs: { features: 'FeatureTable' },
  outputs: { report: 'ClusterReport', figures: 'Figure' },

  async run(ctx, config: ClusterConfig, { features }) {
    const n = features.ids.length;
    let x: Matrix = matrix(n, features.dim, features.values);
    if (config.standardize) x = standardize(x);
    const spaces = new Map<string, Matrix>([['features', x]]);
    const embeddings: Embedding[] = [];
    const reducerCtx = { logger: ctx.logger, signal: ctx.signal };

    for (const name of reducerOrder(config.reducers)) {
      const { input, ...params } = config.reducers[name]!;
      const source = spaces.get(input) as Matrix;
      const t0 = performance.now();
      const out = await getReducer(name).reduce(source, params, { ...reducerCtx, rng: ctx.rng.fork(`reducer:${name}`) });
      const seconds = (performance.now() - t0) / 1000;
      if (ctx.signal.aborted) return { report: emptyReport(), figures: { files: [] } };
      spaces.set(name, out.embedding);
      embeddings.push({
        reducer: name,
        dims: out.embedding.cols,
        values: out.embedding.data,
        params: { input, ...out.params },
        ...(out.explainedVarianceRatio ? { explainedVarianceRatio: out.explainedVarianceRatio } : {}),
      });
      const kept = out.explainedVarianceRatio?.reduce((a, b) => a + b, 0);
      ctx.logger.info(`${name} (${input} ${source.cols}-d → ${out.embedding.cols}-d) in ${seconds.toFixed(2)} s${kept !== undefined ? `, ${(kept * 100).toFixed(1)}% of the variance` : ''}`);
      ctx.metric({ reducer: name, input, dims: out.embedding.cols, seconds, ...(kept !== undefined ? { explainedVariance: kept } : {}) });
    }

    const results: ClusterResult[] = [];
    for (const e of embeddings) {
      const space = spaces.get(e.reducer) as Matrix;
      for (const [clustererName, params] of Object.entries(config.clusterers)) {
        const t0 = performance.now();
        const out = await getClusterer(clustererName).cluster(space, params, { ...reducerCtx, rng: ctx.rng.fork(`cluster:${e.reducer}:${clustererName}`) });
        const seconds = (performance.now() - t0) / 1000;
        const assignments = out.labels;
        // ARI/NMI on the labelled images only; noise counts as one more cluster (as sklearn scores DBSCAN labels).
        const table = contingency(assignments, features.labels);
        const clusterIds = new Set(Array.from(assignments).filter((c) => c >= 0));
        const result: ClusterResult = {
          reducer: e.reducer,
          clusterer: clustererName,
          params: out.params,
          assignments,
          nClusters: clusterIds.size,
          noise: assignments.reduce((s, c) => s + (c < 0 ? 1 : 0), 0),
          ari: ariFromContingency(table),
          nmi: nmiFromContingency(table),
          silhouette: silhouette(space, assignments),
          contingency: table,
        };
        results.push(result);
        const fmt = (v: number | null): string => (v === null ? 'n/a' : v.toFixed(3));
        ctx.logger.info(
          `${e.reducer} × ${clustererName}: ${result.nClusters} clusters, ${result.noise} noise, ARI ${fmt(result.ari)}, NMI ${fmt(result.nmi)}, silhouette ${fmt(result.silhouette)} (${seconds.toFixed(2)} s)`,
        );
        ctx.metric({ reducer: e.reducer, clusterer: clustererName, clusters: result.nClusters, noise: result.noise, ari: result.ari, nmi: result.nmi, silhouette: result.silhouette, seconds });
      }
    }

    const report: ClusterReport = {
      ids: features.ids,
      paths: features.paths,
      splits: features.splits,
      labels: features.labels,
      embeddings,
      results,
      meta: { features: features.meta, standardize: config.standardize },
    };
    const classNames = classNamesOf(features);
    return { report, figures: { files: await clusterFigures(report, classNames) } };
  },
});

/** Label → class name, from the names extract stores with the features (`class <label>` where absent). */
function classNamesOf(features: FeatureTable): Map<number, string> {
  const names = new Map<number, string>();
  const classes = features.meta.classes;
  if (typeof classes === 'object' && classes !== null) {
    for (const [name, label] of Object.entries(classes as Record<string, unknown>)) if (typeof label === 'number') names.set(label, name);
  }
  for (const label of new Set(features.labels)) if (label >= 0 && !names.has(label)) names.set(label, `class ${label}`);
  return names;
}

function emptyReport(): ClusterReport {
  return { ids: [], paths: [], splits: [], labels: [], embeddings: [], results: [], meta: { interrupted: true } };
}
