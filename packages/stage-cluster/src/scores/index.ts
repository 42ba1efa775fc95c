export { adjustedRandIndex, ari, ariFromContingency, ariFromCounts } from './ari.js';
export { contingency, countTable, countsWithNoise } from './contingency.js';
export { distanceBlock, forEachPair, prepareRows, ROW_BLOCK, type Metric, type PreparedRows } from './distance.js';
export { nmi, nmiFromContingency, nmiFromCounts, normalizedMutualInfo } from './nmi.js';
export { silhouette } from './silhouette.js';
export { trustworthiness } from './trustworthiness.js';
