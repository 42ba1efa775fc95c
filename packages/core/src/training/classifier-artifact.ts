// The contract of a trained classifier as a Model artifact: the TF.js folder plus everything needed
// to use it the way it was validated — preprocessing, normalisation, temperature, threshold, class
// names — and to continue from it (the split it was validated on, its optimizer state). The train
// stage writes it; the self-training stage and `runner predict` read it.

import type { LayersModel } from '@tensorflow/tfjs';
import type { ModelArtifact } from '../artifacts/kinds.js';
import type { PreprocessConfig } from '../data/data-config.js';
import type { Normalization } from '../image/normalization.js';
import type { Tf } from '../tf/types.js';
import type { WeightsIdentity } from '../weights/weights-cache.js';
import type { ThresholdRule } from './calibrate.js';
import type { CheckpointRule } from './checkpoint-rule.js';
import type { ClassifierSpec, TrainMode } from './classifier.js';
import { loadModelFolder } from './model-folder.js';
import type { TrainSettings } from './train-classifier.js';

export const CLASSIFIER_KIND = 'neuro-ssl/binary-classifier';

export interface ClassifierMeta {
  kind: typeof CLASSIFIER_KIND;
  spec: ClassifierSpec;
  mode: TrainMode;
  preprocess: PreprocessConfig;
  normalization: Normalization;
  /** Class folder name → label (1 = positive, the tumour class). */
  classes: Record<string, number>;
  /** Logits are divided by it before the sigmoid. */
  temperature: number;
  /** Calibrated probability ≥ threshold → positive. */
  threshold: number;
  /** F-beta's beta the threshold and the reports use. */
  beta: number;
  /** 1-based epoch the weights come from. */
  epoch: number;
  /** Validation metrics of these weights (calibrated, at `threshold`). */
  metrics: Record<string, number | null>;
  /** The labelled split the model was trained and validated on (ids). */
  split: { train: string[]; validation: string[] };
  /** Where the backbone's starting weights came from. */
  weights: WeightsIdentity | null;
  backend: string;
  seed: number;
  /** How it was trained, so a later stage can train the same way on other images (ssl's cross-validated baselines). */
  training?: ClassifierTraining;
}

/** The trainer's settings, the selection rule and the calibration rules a classifier was trained with. */
export interface ClassifierTraining {
  settings: Omit<TrainSettings, 'mode'>;
  checkpoint: CheckpointRule;
  calibration: { threshold: ThresholdRule; temperature: boolean };
}

export function isClassifierMeta(meta: Record<string, unknown>): meta is Record<string, unknown> & ClassifierMeta {
  return meta.kind === CLASSIFIER_KIND && typeof meta.spec === 'object' && typeof meta.temperature === 'number' && typeof meta.threshold === 'number';
}

export function classifierArtifact(dir: string, meta: ClassifierMeta): ModelArtifact {
  return { dir, meta: { ...meta } };
}

/** The classifier and its metadata; a clear error when the artifact is something else. */
export async function loadClassifier(tf: Tf, artifact: ModelArtifact): Promise<{ model: LayersModel; meta: ClassifierMeta }> {
  if (!isClassifierMeta(artifact.meta)) {
    throw new Error(`${artifact.dir}: not a classifier written by the train stage (meta.kind is ${JSON.stringify(artifact.meta.kind)}, expected "${CLASSIFIER_KIND}")`);
  }
  return { model: await loadModelFolder(tf, artifact.dir), meta: upgradeClassifierMeta(artifact.meta) };
}

/** Models saved before `preprocess.normalise` was spelled `normalize` keep loading with the same preprocessing. */
export function upgradeClassifierMeta<M extends ClassifierMeta>(meta: M): M {
  const pre = meta.preprocess as PreprocessConfig & { normalise?: boolean };
  if (pre === undefined || pre === null || pre.normalize !== undefined || pre.normalise === undefined) return meta;
  const { normalise, ...rest } = pre;
  return { ...meta, preprocess: { ...rest, normalize: normalise } };
}

/** Positive-class name (label 1) and negative-class name (label 0). */
export function classNames(classes: Record<string, number>): [negative: string, positive: string] {
  const name = (label: number): string => Object.entries(classes).find(([, l]) => l === label)?.[0] ?? String(label);
  return [name(0), name(1)];
}
