// The `with:` block of the cluster stage, mirroring the notebook:
//   reducers:   { pca: { components: 50 }, tsne: { input: pca, perplexity: 30 } }
//   clusterers: { kmeans: { k: 2, nInit: 10 }, dbscan: { eps: 1.0, minPts: 5 } }
// Every reducer × clusterer pair is evaluated. Names are the registries' keys, so an unknown name is
// a config error listing the registered ones.

import type { JsonSchema } from '@neuro-ssl/core';
import { clusterers } from './clusterers/registry.js';
import { reducers } from './reducers/registry.js';

export interface ReducerConfig {
  /** `features` (default) or the name of another reducer whose output this one reduces further. */
  input: string;
  [param: string]: unknown;
}

export interface ClusterConfig {
  reducers: Record<string, ReducerConfig>;
  clusterers: Record<string, Record<string, unknown>>;
  /** Standardise each feature (zero mean, unit variance) before reducing. */
  standardize: boolean;
}

// No `default` on a reducer's own block: ajv would then add every registered reducer to the config.
function withInput(schema: JsonSchema, names: string[]): JsonSchema {
  const { default: _unused, ...rest } = schema;
  schema = rest;
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  return {
    ...schema,
    type: 'object',
    properties: {
      ...properties,
      input: { enum: ['features', ...names], default: 'features', description: 'What this reducer reduces: the features, or another reducer’s output (t-SNE on PCA).' },
    },
  };
}

export function clusterConfigSchema(): JsonSchema {
  const reducerNames = Object.keys(reducers);
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      reducers: {
        type: 'object',
        description: 'Dimensionality reducers by name, each with its parameters.',
        additionalProperties: false,
        minProperties: 1,
        properties: Object.fromEntries(Object.entries(reducers).map(([name, r]) => [name, withInput(r.schema, reducerNames.filter((n) => n !== name))])),
        default: { pca: { components: 50 }, tsne: { input: 'pca' } },
      },
      clusterers: {
        type: 'object',
        description: 'Clusterers by name, each with its parameters; each runs on every reducer’s output.',
        additionalProperties: false,
        minProperties: 1,
        properties: Object.fromEntries(Object.entries(clusterers).map(([name, { schema: { default: _unused, ...schema } }]) => [name, schema])),
        default: { kmeans: { k: 2, nInit: 10 }, dbscan: { eps: 1.0, minPts: 5 } },
      },
      standardize: { type: 'boolean', default: false, description: 'Standardise each feature before reducing.' },
    },
  };
}

/** Reducers in an order where each one's input comes first; throws on an unknown input or a cycle. */
export function reducerOrder(config: Record<string, ReducerConfig>): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string): void => {
    if (order.includes(name)) return;
    if (visiting.has(name)) throw new Error(`reducers: "${name}" takes its own output as input (cycle through ${[...visiting].join(' → ')})`);
    const input = config[name]?.input ?? 'features';
    if (input !== 'features') {
      if (!(input in config)) throw new Error(`reducers.${name}.input: "${input}" is not one of the configured reducers (${Object.keys(config).join(', ')})`);
      visiting.add(name);
      visit(input);
      visiting.delete(name);
    }
    order.push(name);
  };
  for (const name of Object.keys(config)) visit(name);
  return order;
}
