// A binary classifier: a backbone from the registry plus a one-logit head (linear, or a small MLP),
// as one flat functional model (image → logit) over the backbone's own layers. The head is also buildable alone (feature → logit)
// for the probe mode, which trains it on cached features and copies its weights into the classifier.

import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { BuildOptions } from '../models/backbone.js';
import { getBackbone } from '../models/registry.js';
import type { Tf } from '../tf/types.js';
import type { Rng } from '../util/rng.js';

export type TrainMode = 'finetune' | 'partial' | 'probe';

export interface HeadConfig {
  type: 'linear' | 'mlp';
  /** Hidden units of the MLP head. */
  hidden: number;
  /** Dropout before the logit layer (0 = none). */
  dropout: number;
}

export interface ClassifierSpec {
  backbone: string;
  width: number;
  imageSize: number;
  head: HeadConfig;
}

/** Head layer names: fixed, so saved weights match whatever backbone precedes them. */
const HEAD_HIDDEN = 'head_hidden';
const HEAD_DROPOUT = 'head_dropout';
const HEAD_LOGIT = 'head_logit';

function applyHead(tf: Tf, features: SymbolicTensor, head: HeadConfig): SymbolicTensor {
  let x = features;
  if (head.type === 'mlp') x = tf.layers.dense({ units: head.hidden, activation: 'relu', name: HEAD_HIDDEN }).apply(x) as SymbolicTensor;
  if (head.dropout > 0) x = tf.layers.dropout({ rate: head.dropout, name: HEAD_DROPOUT }).apply(x) as SymbolicTensor;
  return tf.layers.dense({ units: 1, name: HEAD_LOGIT }).apply(x) as SymbolicTensor;
}

export function isHeadLayer(name: string): boolean {
  return name.startsWith('head_');
}

/** The backbone as registered, random weights: load them (or seededInit) before attachHead. */
export function buildBackbone(tf: Tf, spec: ClassifierSpec): LayersModel {
  const options: BuildOptions = { imageSize: spec.imageSize, width: spec.width };
  return getBackbone(spec.backbone).build(tf, options);
}

/** Image [null, s, s, 3] → logit [null, 1]: the backbone's layers (shared, not copied) plus a head. */
export function attachHead(tf: Tf, backbone: LayersModel, spec: ClassifierSpec): LayersModel {
  const logit = applyHead(tf, backbone.outputs[0] as SymbolicTensor, spec.head);
  return tf.model({ inputs: backbone.inputs, outputs: logit, name: `${spec.backbone}_classifier` });
}

/** Image → pooled features: the classifier up to its head (also for a classifier loaded from disk). */
export function featureExtractor(tf: Tf, classifier: LayersModel): LayersModel {
  const first = classifier.layers.find((l) => isHeadLayer(l.name));
  if (!first) throw new Error(`model "${classifier.name}" has no head_* layer: not a classifier written by the train stage`);
  return tf.model({ inputs: classifier.inputs, outputs: first.input as SymbolicTensor, name: 'features' });
}

/** Feature [null, dim] → logit [null, 1], with the same layer names as the classifier's head. */
export function buildHead(tf: Tf, featureDim: number, head: HeadConfig): LayersModel {
  const input = tf.input({ shape: [featureDim], name: 'features' });
  return tf.model({ inputs: input, outputs: applyHead(tf, input, head), name: 'head' });
}

/**
 * Seeded head initialisation, as torch's nn.Linear does it (uniform ±1/√fan_in for kernel and bias):
 * TF.js initialisers are unseeded, and the seed must fix the run.
 */
export function initHead(tf: Tf, model: LayersModel, rng: Rng): void {
  for (const layer of model.layers) {
    if (!isHeadLayer(layer.name) || layer.weights.length === 0) continue;
    const kernelShape = [...layer.weights[0]!.shape] as number[];
    const bound = 1 / Math.sqrt(kernelShape[0] ?? 1);
    const values = layer.weights.map((w) => {
      const shape = [...w.shape] as number[];
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (rng.next() * 2 - 1) * bound);
      return tf.tensor(data, shape, 'float32');
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Copies the head's weights (by layer name) into another model holding the same head. */
export function copyHeadWeights(from: LayersModel, to: LayersModel): void {
  for (const layer of from.layers) {
    if (!isHeadLayer(layer.name) || layer.weights.length === 0) continue;
    to.getLayer(layer.name).setWeights(layer.getWeights());
  }
}

/**
 * How trainable BatchNorm layers behave. `batch` (the notebook's PyTorch `model.train()`): normalise
 * with batch statistics and update the running ones with torch's momentum 0.1 whatever the backbone
 * was built with — Keras MobileNetV2's 0.999 would need thousands of steps to adapt, and a 100-image
 * dataset never gives them (validation then sees stale statistics). `frozen` (Keras' transfer-learning
 * advice): keep inference mode and the pretrained statistics; γ and β still learn.
 */
export type BatchNormMode = 'batch' | 'frozen';

/** Keras momentum (weight of the old value) equal to torch's BatchNorm momentum 0.1. */
const TRAINING_BN_MOMENTUM = 0.9;

/**
 * Which layers train. finetune: all; partial: the backbone's last stage and the head; probe: the head.
 * Frozen BatchNorm layers also stop updating their running statistics (Keras semantics): TF.js's
 * BatchNormalization ignores `trainable` in training mode, so their call is pinned to inference mode.
 * Returns the number of trainable weights.
 */
export function setTrainable(model: LayersModel, backboneName: string, mode: TrainMode, batchNorm: BatchNormMode = 'batch'): number {
  const lastStage = getBackbone(backboneName).lastStage;
  for (const layer of model.layers) {
    const trainable = mode === 'finetune' || isHeadLayer(layer.name) || (mode === 'partial' && lastStage.some((p) => layer.name.startsWith(p)));
    layer.trainable = trainable;
    if (layer.getClassName() === 'BatchNormalization') {
      pinInference(layer, !trainable || batchNorm === 'frozen');
      if (trainable && batchNorm === 'batch') (layer as unknown as { momentum: number }).momentum = TRAINING_BN_MOMENTUM;
    }
  }
  return model.trainableWeights.length;
}

type CallFn = (inputs: unknown, kwargs: Record<string, unknown>) => unknown;
const ORIGINAL_CALL = Symbol('originalCall');

function pinInference(layer: object, pinned: boolean): void {
  const l = layer as { call: CallFn; [ORIGINAL_CALL]?: CallFn };
  const original = l[ORIGINAL_CALL] ?? l.call;
  l[ORIGINAL_CALL] = original;
  l.call = pinned ? (inputs, kwargs) => original.call(layer, inputs, { ...kwargs, training: false }) : original;
}
