// @neuro-ssl/core/data — the dataset scan (DatasetIndex), its report, near-duplicate detection, and
// synthetic scans for tests.
export { DEFAULT_MIN_SIZE, type DataConfig, type DuplicatesConfig, type PreprocessConfig } from './data-config.js';
export { crossClassDuplicatesError, scanDataset, type ScanOptions } from './scan-dataset.js';
export { DataError } from './data-error.js';
export { buildDataReport, writeDataReport, formatDatasetSummary, formatScanSummary, type DataReport } from './data-report.js';
export { findNearDuplicateGroups, splitGroupKeys } from './near-duplicates.js';
export { computeDhash, hammingDistance } from './dhash.js';
export { computeImageHashes, computePhash, type ImageHashes } from './phash.js';
export { sniffFormat } from './sniff-format.js';
export { writeSyntheticScans, type SyntheticScanOptions, type SyntheticScans } from './synthetic-scans.js';
