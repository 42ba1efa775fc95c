// One supervised training of a backbone + head classifier in one of the three modes — what the
// train stage runs once (or per cross-validation fold) and what the self-training stage runs every
// round. finetune/partial train on image batches; probe trains the head alone on cached backbone
// features and then copies it into the classifier, so every mode returns the same kind of model.
// partial with a trunk cache trains the backbone's top (last stage + head, the classifier's own
// layers) on the cached output of its frozen trunk.

import type { AdamOptimizer, LayersModel, Tensor } from '@tensorflow/tfjs';
import type { PreprocessConfig } from '../data/data-config.js';
import type { AugmentLevel } from '../image/augment.js';
import type { StrongAugmentPolicy } from '../image/rand-augment.js';
import type { Normalization } from '../image/normalization.js';
import type { Logger } from '../progress/logger.js';
import type { ProgressFactory } from '../progress/progress.js';
import { partialSplit } from '../models/partial-split.js';
import type { Tf } from '../tf/types.js';
import type { Rng } from '../util/rng.js';
import { featureBatchSource, imageBatchSource, type BatchPlan, type TrainItem } from './batch-sources.js';
import type { BceOptions } from './bce-loss.js';
import type { EvaluationOptions } from './binary-evaluation.js';
import type { CheckpointRule } from './checkpoint-rule.js';
import { buildHead, copyHeadWeights, initHead, setTrainable, type BatchNormMode, type ClassifierSpec, type TrainMode } from './classifier.js';
import { fit, type BatchLoss, type EpochRecord } from './fit.js';
import { imageLogits, type InferenceSetting } from './image-logits.js';
import { restoreWeights } from './model-folder.js';
import type { ProbeFeatureCache } from './probe-features.js';

export interface ValidationItem {
  id: string;
  path: string;
  /** 0 or 1. */
  label: number;
}

export interface TrainSettings {
  mode: TrainMode;
  epochs: number;
  learningRate: number;
  loss: BceOptions;
  weightDecay: number;
  /** Augmentation of training images (finetune/partial); probe uses its cached weak views. */
  augment: AugmentLevel | null;
  /** How strong a strong view is (default DEFAULT_STRONG_AUGMENT). */
  strongAugment?: StrongAugmentPolicy;
  /** Probe: augmented views cached per training image. */
  views: number;
  batchSize: number;
  patience?: number;
  /** Trainable BatchNorm layers: batch statistics (default) or frozen in inference mode. */
  batchNorm?: BatchNormMode;
}

export interface TrainClassifierOptions {
  spec: ClassifierSpec;
  /** The classifier to train, backbone weights already loaded; trained in place. */
  classifier: LayersModel;
  settings: TrainSettings;
  preprocess: PreprocessConfig;
  normalization: Normalization;
  concurrency: number;
  train: readonly TrainItem[];
  validation: readonly ValidationItem[];
  evaluation: EvaluationOptions;
  checkpoint: CheckpointRule;
  checkpointDir: string;
  resumeKey: string;
  /** Head init, shuffling and augmentation. */
  rng: Rng;
  logger: Logger;
  progress?: ProgressFactory;
  signal?: AbortSignal;
  label?: string;
  /** Probe mode: the frozen backbone's features (shared across folds and rounds). */
  probe?: ProbeFeatureCache;
  /**
   * Partial mode: the frozen trunk's output per image and view (createTrunkCache over a backbone with
   * the classifier's weights; shared across folds and rounds). The top trains on it; absent, partial
   * trains on whole images augmented on the fly.
   */
  trunk?: ProbeFeatureCache;
  /** finetune/partial on images: the engine of the validation predictions (absent: TF.js). */
  inference?: InferenceSetting;
  /** Start the head from random (seeded) weights; false keeps the classifier's current head. */
  initHead: boolean;
  /** Continue with this Adam (SSL `restart: continue`). */
  optimizer?: AdamOptimizer;
  /** Batch composition instead of a plain shuffle (SSL: labelled rows per batch, mixup), in every mode. */
  plan?: BatchPlan;
  /**
   * The per-batch loss (default: weighted BCE with `settings.loss`). In probe mode the model it gets is
   * the head and the batch holds cached features; otherwise the classifier on image batches.
   */
  batchLoss?: BatchLoss;
  onEpoch?: (record: EpochRecord) => void;
}

export interface TrainedClassifier {
  history: EpochRecord[];
  bestEpoch: number;
  /** Validation logits of the best epoch (the classifier holds its weights on return). */
  validationLogits: Float32Array;
  optimizer: AdamOptimizer;
  stopped: 'interrupted' | 'patience' | null;
}

export async function trainClassifier(tf: Tf, options: TrainClassifierOptions): Promise<TrainedClassifier> {
  const { settings, classifier, spec } = options;
  const labels = options.validation.map((v) => v.label);
  const common = {
    epochs: settings.epochs,
    learningRate: settings.learningRate,
    loss: settings.loss,
    weightDecay: settings.weightDecay,
    trainSize: options.train.length,
    validationLabels: labels,
    evaluation: options.evaluation,
    checkpoint: options.checkpoint,
    checkpointDir: options.checkpointDir,
    resumeKey: options.resumeKey,
    // Dropout masks from the training's own seed: reproducible, and the same after a resume.
    dropoutSeed: options.rng.fork('dropout').seed,
    logger: options.logger,
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.label ? { label: options.label } : {}),
    ...(options.optimizer ? { optimizer: options.optimizer } : {}),
    ...(settings.patience !== undefined ? { patience: settings.patience } : {}),
    ...(options.onEpoch ? { onEpoch: options.onEpoch } : {}),
    ...(options.batchLoss ? { batchLoss: options.batchLoss } : {}),
  };

  if (settings.mode === 'probe') {
    const probe = options.probe;
    if (!probe) throw new Error('trainClassifier: probe mode needs a ProbeFeatureCache');
    const head = buildHead(tf, probe.dim, spec.head);
    try {
      if (options.initHead) initHead(tf, head, options.rng.fork('head'));
      else copyHeadWeights(classifier, head);
      const trainViews = await probe.views(options.train, settings.views);
      const validationFeatures = await probe.clean(options.validation);
      const predictHead = async (): Promise<Float32Array> => {
        const out = tf.tidy(() => head.predict(tf.tensor2d(validationFeatures, [options.validation.length, probe.dim])) as Tensor);
        const data = (await out.data()) as Float32Array;
        out.dispose();
        return Float32Array.from(data);
      };
      const result = await fit(tf, head, {
        ...common,
        train: featureBatchSource(options.train, trainViews, settings.batchSize, options.rng.fork('batches'), options.plan),
        validate: predictHead,
        // A head's epoch takes milliseconds: the epoch log lines (every 5%) are its progress, not a bar per epoch.
        quietEpochs: true,
      });
      if (result.bestEpoch > 0) await restoreWeights(tf, head, result.bestDir);
      copyHeadWeights(head, classifier);
      return { ...finish(result), validationLogits: await predictHead() };
    } finally {
      head.dispose();
    }
  }

  setTrainable(classifier, spec.backbone, settings.mode, settings.batchNorm ?? 'batch');
  if (options.initHead) initHead(tf, classifier, options.rng.fork('head'));

  if (settings.mode === 'partial' && options.trunk) {
    const trunk = options.trunk;
    // The top applies the classifier's own layers (trainable flags and BatchNorm mode set just above).
    const { top, cutShape } = partialSplit(tf, classifier, spec.backbone);
    if (cutShape.join(',') !== trunk.rowShape.join(',')) {
      throw new Error(`trainClassifier: the trunk cache holds rows [${trunk.rowShape.join(', ')}], but ${spec.backbone}'s partial-mode cut is [${cutShape.join(', ')}]`);
    }
    // Disposing the top releases its own references to the shared layers (each apply counts one),
    // not their weights: the classifier still holds them.
    try {
      const trainViews = await trunk.views(options.train, settings.views);
      const validationRows = await trunk.clean(options.validation);
      const predictTop = async (): Promise<Float32Array> => {
        const n = options.validation.length;
        const out = new Float32Array(n);
        for (let i = 0; i < n; i += settings.batchSize) {
          const rows = Math.min(settings.batchSize, n - i);
          const logits = tf.tidy(() => top.predict(tf.tensor(validationRows.subarray(i * trunk.dim, (i + rows) * trunk.dim), [rows, ...cutShape])) as Tensor);
          out.set((await logits.data()) as Float32Array, i);
          logits.dispose();
        }
        return out;
      };
      const result = await fit(tf, top, {
        ...common,
        train: featureBatchSource(options.train, trainViews, settings.batchSize, options.rng.fork('batches'), options.plan),
        validate: predictTop,
      });
      if (result.bestEpoch > 0) await restoreWeights(tf, top, result.bestDir);
      return { ...finish(result), validationLogits: await predictTop() };
    } finally {
      top.dispose();
    }
  }

  const predictValidation = (): Promise<Float32Array> =>
    imageLogits(tf, classifier, options.validation, {
      preprocess: options.preprocess,
      normalization: options.normalization,
      batchSize: settings.batchSize,
      concurrency: options.concurrency,
      logger: options.logger,
      ...(options.inference ? { inference: options.inference } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const result = await fit(tf, classifier, {
    ...common,
    train: imageBatchSource(options.train, {
      preprocess: options.preprocess,
      normalization: options.normalization,
      batchSize: settings.batchSize,
      concurrency: options.concurrency,
      augment: settings.augment,
      ...(settings.strongAugment ? { strongAugment: settings.strongAugment } : {}),
      rng: options.rng.fork('batches'),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.plan ? { plan: options.plan } : {}),
    }),
    validate: predictValidation,
  });
  if (result.bestEpoch > 0) await restoreWeights(tf, classifier, result.bestDir);
  return { ...finish(result), validationLogits: await predictValidation() };
}

function finish(result: Awaited<ReturnType<typeof fit>>): Omit<TrainedClassifier, 'validationLogits'> {
  return { history: result.history, bestEpoch: result.bestEpoch, optimizer: result.optimizer, stopped: result.stopped };
}
