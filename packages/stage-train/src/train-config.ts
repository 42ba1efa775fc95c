// The `with:` block of the train stage. Defaults are the notebook's: fine-tune everything with Adam
// at 1e-4 for 30 epochs, BCE with pos_weight 3, weak augmentation, 20% validation, F2 — except how
// the epoch, temperature and threshold are chosen: on inner folds (nested), on a proper scoring rule.

import type { JsonSchema } from '@neuro-ssl/core';
import { trainingOptionsSchema, type BatchNormMode, type HeadConfig, type TrainMode, type TrainingOptions } from '@neuro-ssl/core/learn';
import { backboneConfigProperties, type BackboneConfig } from '@neuro-ssl/core/models';
import { SELECTION_METHODS, type SelectionMethod } from './nested-cv.js';

export interface SelectionConfig {
  method: SelectionMethod;
  /** nested: inner folds of each training part. */
  innerFolds: number;
}

/**
 * The train stage's options: the backbone, core's shared training options (epochs, learning rate,
 * loss, augmentation, checkpoint rule, threshold, calibration, bootstrap) and its own below.
 */
export interface TrainConfig extends BackboneConfig, TrainingOptions {
  mode: TrainMode;
  head: HeadConfig;
  batchNorm: BatchNormMode;
  testSize: number;
  /** How epoch, temperature and threshold are chosen without the images that report. */
  selection: SelectionConfig;
  /** Repeated stratified group k-fold on the labelled images, for intervals (optional). */
  cv?: { folds: number; repeats: number };
  beta: number;
  /** Stop after this many epochs without a new best (default: run all epochs). */
  patience?: number;
}

export function trainConfigSchema(): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...backboneConfigProperties(),
      mode: {
        enum: ['finetune', 'partial', 'probe'],
        default: 'finetune',
        description: '`finetune`: every layer trains; `partial`: the last backbone stage and the head; `probe`: the head alone, on cached backbone features.',
      },
      head: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description: 'The classification head on the pooled features.',
        properties: {
          type: { enum: ['linear', 'mlp'], default: 'linear', description: '`linear`: one logit (logistic regression); `mlp`: one hidden ReLU layer.' },
          hidden: { type: 'integer', minimum: 1, maximum: 4096, default: 128, description: 'Hidden units of the `mlp` head.' },
          dropout: { type: 'number', minimum: 0, maximum: 0.9, default: 0, description: 'Dropout before the logit layer.' },
        },
      },
      ...trainingOptionsSchema({ defaults: { epochs: 30, learningRate: 1e-4, augment: 'weak', views: 8 } }),
      batchNorm: {
        enum: ['batch', 'frozen'],
        default: 'batch',
        description: "Trainable BatchNorm layers: `batch` statistics with torch's momentum 0.1 (the notebook's model.train()), or `frozen` in inference mode with the pretrained statistics (γ, β still learn).",
      },
      testSize: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2, description: 'Share of each class held out for validation (near-duplicate groups stay on one side).' },
      selection: {
        type: 'object',
        additionalProperties: false,
        default: {},
        description:
          'How the epoch, the temperature and the threshold are chosen, for the validation split and every cross-validation fold. `nested`: on group-aware inner folds of the training part (best epoch per inner fold by `checkpoint`, their median for a refit on the whole training part; temperature and threshold on the pooled inner predictions) — the held-out images only report. ' +
          '`fixed`: all `epochs`, no temperature, the numeric `threshold` — nothing chosen. `notebook`: chosen on the held-out images themselves (the notebook; optimistic, logged as such).',
        properties: {
          method: { enum: [...SELECTION_METHODS], default: 'nested', description: '`nested`, `fixed` or `notebook`.' },
          innerFolds: { type: 'integer', minimum: 2, maximum: 10, default: 3, description: '`nested`: inner folds per training part (each one training).' },
        },
      },
      cv: {
        type: 'object',
        additionalProperties: false,
        description:
          'Also run repeated stratified group k-fold on the labelled images, each fold selected as `selection` says: every metric on the pooled out-of-fold predictions of all labelled images, with a 95% bootstrap interval that resamples repeats, folds and images (`selection: notebook`: the mean over folds and a bootstrap over folds, as before).',
        properties: {
          folds: { type: 'integer', minimum: 2, maximum: 20, default: 5, description: 'Folds per repeat.' },
          repeats: { type: 'integer', minimum: 1, maximum: 20, default: 2, description: 'Repeats, each with a new shuffle.' },
        },
      },
      beta: { type: 'number', exclusiveMinimum: 0, maximum: 10, default: 2, description: "F-beta's beta (2: recall counts more than precision)." },
      patience: { type: 'integer', minimum: 1, maximum: 1000, description: 'Stop after this many epochs without a new best checkpoint (default: run all epochs).' },
    },
  };
}
