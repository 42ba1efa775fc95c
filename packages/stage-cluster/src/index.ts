// @neuro-ssl/stage-cluster — `use: cluster` in an experiment YAML.
import { clusterStage } from './cluster-stage.js';

export { clusterStage };
export { clusterConfigSchema, reducerOrder, type ClusterConfig, type ReducerConfig } from './cluster-config.js';
export { matrix, type Matrix } from './matrix.js';
export { getReducer, reducerNames } from './reducers/registry.js';
export { getClusterer, clustererNames } from './clusterers/registry.js';
export type { Reducer, ReducerOutput } from './reducers/reducer.js';
export type { Clusterer, ClustererOutput } from './clusterers/clusterer.js';
export default clusterStage;
