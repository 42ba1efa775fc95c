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

export interface ClusterAssignment {
  id: string;
  cluster: number;
  /** 2-D embedding coordinates used for the scatter plot. */
  x: number;
  y: number;
  label: number;
}

export interface ClusterReport {
  reducer: string;
  clusterer: string;
  nClusters: number;
  /** Points DBSCAN marked as noise (cluster -1). */
  noise: number;
  /** Adjusted Rand index against labels on the labelled subset; null when no labels. */
  ari: number | null;
  silhouette: number | null;
  assignments: ClusterAssignment[];
  params: Record<string, unknown>;
}

/** A trained model: a TF.js layers-model folder (model.json + weight shards) plus metadata. */
export interface ModelArtifact {
  /** Folder holding model.json and its weight files. */
  dir: string;
  meta: Record<string, unknown>;
}

export interface PseudoLabel {
  id: string;
  label: number;
  confidence: number;
  round: number;
}

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

export interface Figure {
  /** File name inside the run's figures/ folder, e.g. "pca-kmeans.png". */
  name: string;
  format: 'png' | 'svg';
  data: Uint8Array;
  title?: string;
}

export interface ArtifactTypes {
  DatasetIndex: DatasetIndex;
  FeatureTable: FeatureTable;
  ClusterReport: ClusterReport;
  Model: ModelArtifact;
  PseudoLabels: PseudoLabels;
  Metrics: Metrics;
  Figure: Figure;
}

export type ArtifactOf<K extends ArtifactKind> = ArtifactTypes[K];

export function isArtifactKind(value: unknown): value is ArtifactKind {
  return typeof value === 'string' && (ARTIFACT_KINDS as readonly string[]).includes(value);
}
