// The artifact kinds stages exchange. Nothing else crosses a stage boundary: each kind has an
// in-memory type (below) and an on-disk format (its codec, see codecs.ts).

import type { DatasetIndex } from '../data/dataset-index.js';

export const ARTIFACT_KINDS = [
  'DatasetIndex',
  'FeatureTable',
  'ClusterReport',
  'Model',
  'PseudoLabels',
  'Metrics',
  'Figure',
  'PoolLabels',
] as const;

export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/** One feature vector per image. On disk: Parquet (id, path, split, label, f0..f{dim-1}) + meta JSON. */
export interface FeatureTable {
  ids: string[];
  paths: string[];
  splits: ('labelled' | 'unlabelled')[];
  /** -1 for unlabelled. */
  labels: number[];
  dim: number;
  /** Row-major, ids.length × dim. */
  values: Float32Array;
  /** Free-form provenance: backbone, weights, preprocessing... */
  meta: Record<string, unknown>;
}

/** One reducer's output: n × dims coordinates, row-major, rows in ClusterReport.ids order. */
export interface Embedding {
  reducer: string;
  dims: number;
  values: Float32Array;
  params: Record<string, unknown>;
  /** PCA: explained-variance ratio per component. */
  explainedVarianceRatio?: number[];
}

/** Cluster × class counts on the labelled images; noise (DBSCAN's -1) is counted separately. */
export interface Contingency {
  /** Cluster ids, in row order (noise excluded). */
  clusters: number[];
  /** Class labels, in column order. */
  classes: number[];
  counts: number[][];
  /** Labelled images marked noise, per class (same order as `classes`). */
  noise: number[];
}

/** One reducer × clusterer pair. */
export interface ClusterResult {
  reducer: string;
  clusterer: string;
  params: Record<string, unknown>;
  /** Cluster id per image (ClusterReport.ids order); -1 = noise. */
  assignments: Int32Array;
  nClusters: number;
  noise: number;
  /** Against the true labels, on the labelled images only; null when there are none. */
  ari: number | null;
  nmi: number | null;
  /** On the space that was clustered (null when fewer than two clusters). */
  silhouette: number | null;
  contingency: Contingency;
}

/**
 * Does the backbone separate the classes without labels? Every reducer × clusterer pair.
 * On disk: cluster-report.json (scores) + clusters.parquet (id, path, label, split, embedding
 * coordinates `<reducer>_<i>`, cluster id per pair `cluster_<reducer>_<clusterer>`).
 */
export interface ClusterReport {
  ids: string[];
  paths: string[];
  splits: ('labelled' | 'unlabelled')[];
  labels: number[];
  embeddings: Embedding[];
  results: ClusterResult[];
  meta: Record<string, unknown>;
}

/** A trained model: a TF.js layers-model folder (model.json + weight shards) plus metadata. */
export interface ModelArtifact {
  /** Folder holding model.json and its weight files. */
  dir: string;
  meta: Record<string, unknown>;
}

export interface PseudoLabel {
  id: string;
  /** The image file (absolute), for the exported table. */
  path?: string;
  label: number;
  /** The probability the selection used (the calibrated probability of the positive class). */
  confidence: number;
  round: number;
}

/** On disk: pseudo-labels.json + pseudo_labels.parquet (path, id, label, probability, round). */
export interface PseudoLabels {
  items: PseudoLabel[];
  meta: Record<string, unknown>;
}

/** Scalar metrics plus optional structured extras (confusion matrix, curves). */
export interface Metrics {
  values: Record<string, number>;
  confusionMatrix?: number[][];
  extra?: Record<string, unknown>;
}

export interface FigureFile {
  /** File name inside the run's figures/ folder, e.g. "pca-by-cluster.png". */
  name: string;
  format: 'png' | 'svg';
  data: Uint8Array;
  title?: string;
}

/** One or more figure files (a stage may draw a figure per reducer, in SVG and PNG). */
export interface Figure {
  files: FigureFile[];
}

/**
 * Benchmark mode: the true classes of unlabelled images (data.unlabelled.labelsFile), read once by
 * the runner. Only a stage that declares this input sees them — for reporting, never for training.
 * On disk: pool-labels.json.
 */
export interface PoolLabels {
  /** The labels file they were read from; null when the experiment has none (then `labels` is empty). */
  source: string | null;
  /** Image id (as in the DatasetIndex) → class label. */
  labels: Record<string, number>;
}

export interface ArtifactTypes {
  DatasetIndex: DatasetIndex;
  FeatureTable: FeatureTable;
  ClusterReport: ClusterReport;
  Model: ModelArtifact;
  PseudoLabels: PseudoLabels;
  Metrics: Metrics;
  Figure: Figure;
  PoolLabels: PoolLabels;
}


