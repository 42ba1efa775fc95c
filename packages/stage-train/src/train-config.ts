// The `with:` block of the train stage. Defaults are the notebook's: fine-tune everything with Adam
// at 1e-4 for 30 epochs, BCE with pos_weight 3, weak augmentation, 20% validation, F2.

import { backboneConfigProperties, type BackboneConfig, type BatchNormMode, type CheckpointRule, type HeadConfig, type JsonSchema, type TrainMode } from '@neuro-ssl/core';

export interface TrainConfig extends BackboneConfig {
  mode: TrainMode;
  head: HeadConfig;
  epochs: number;
  learningRate: number;
  /** Default: runtime.batchSize. */
  batchSize?: number;
  posWeight: number;
  labelSmoothing: number;
  weightDecay: number;
  augment: 'weak' | 'strong' | 'none';
  /** Probe: augmented views cached per training image. */
  views: number;
  batchNorm: BatchNormMode;
  testSize: number;
  /** Repeated stratified group k-fold on the labelled images, for intervals (optional). */
  cv?: { folds: number; repeats: number };
  beta: number;
  eceBins: number;
  checkpoint: CheckpointRule;
  /** A probability, or `fbeta`: the threshold that maximises F-beta on validation. */
  threshold: number | 'fbeta';
  /** Fit a temperature on the validation logits. */
  temperature: boolean;
  /** Bootstrap resamples for the validation intervals. */
  bootstrap: number;
  /** Stop after this many epochs without a new best (default: run all epochs). */
  patience?: number;
}

const METRICS = ['fBeta', 'prAuc', 'rocAuc', 'accuracy', 'loss', 'ece', 'brier'];

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
      epochs: { type: 'integer', minimum: 1, maximum: 1000, default: 30, description: 'Training epochs.' },
      learningRate: { type: 'number', exclusiveMinimum: 0, maximum: 1, default: 1e-4, description: 'Adam learning rate.' },
      batchSize: { type: 'integer', minimum: 2, maximum: 1024, description: 'Training batch size; default runtime.batchSize.' },
      posWeight: { type: 'number', exclusiveMinimum: 0, maximum: 100, default: 3, description: "Weight of the positive (tumour) term of the BCE loss (torch's pos_weight)." },
      labelSmoothing: { type: 'number', minimum: 0, maximum: 0.5, default: 0, description: 'Targets y become y(1-ε) + ε/2.' },
      weightDecay: { type: 'number', minimum: 0, maximum: 1, default: 0, description: "L2 penalty added to the gradient (torch Adam's weight_decay)." },
      augment: { enum: ['weak', 'strong', 'none'], default: 'weak', description: 'Augmentation of training images (validation is never augmented).' },
      views: { type: 'integer', minimum: 1, maximum: 64, default: 8, description: 'Probe mode: weakly augmented views cached per training image.' },
      batchNorm: {
        enum: ['batch', 'frozen'],
        default: 'batch',
        description: "Trainable BatchNorm layers: `batch` statistics with torch's momentum 0.1 (the notebook's model.train()), or `frozen` in inference mode with the pretrained statistics (γ, β still learn).",
      },
      testSize: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2, description: 'Share of each class held out for validation (near-duplicate groups stay on one side).' },
      cv: {
        type: 'object',
        additionalProperties: false,
        description: 'Also run repeated stratified group k-fold on the labelled images: each metric gets its mean and a 95% bootstrap interval over folds.',
        properties: {
          folds: { type: 'integer', minimum: 2, maximum: 20, default: 5, description: 'Folds per repeat.' },
          repeats: { type: 'integer', minimum: 1, maximum: 20, default: 2, description: 'Repeats, each with a new shuffle.' },
        },
      },
      beta: { type: 'number', exclusiveMinimum: 0, maximum: 10, default: 2, description: "F-beta's beta (2: recall counts more than precision)." },
      eceBins: { type: 'integer', minimum: 2, maximum: 100, default: 15, description: 'Equal-width bins of the expected calibration error.' },
      checkpoint: {
        default: { rule: 'notebook', keepFBeta: 0.9 },
        description: 'Which epoch is kept: `{rule: notebook, keepFBeta: 0.9}` (PR-AUC or F-beta improves and F-beta ≥ 0.9 × best) or `{rule: metric, metric: prAuc}`.',
        oneOf: [
          {
            type: 'object',
            additionalProperties: false,
            required: ['rule'],
            properties: { rule: { const: 'notebook' }, keepFBeta: { type: 'number', minimum: 0, maximum: 1, default: 0.9 } },
          },
          {
            type: 'object',
            additionalProperties: false,
            required: ['rule', 'metric'],
            properties: { rule: { const: 'metric' }, metric: { enum: METRICS } },
          },
        ],
      },
      threshold: {
        default: 0.5,
        description: 'Decision threshold on the calibrated probability: a number, or `fbeta` (the one maximising F-beta on validation).',
        oneOf: [
          { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
          { const: 'fbeta' },
        ],
      },
      temperature: { type: 'boolean', default: true, description: 'Fit temperature scaling on the validation logits (stored in the Model).' },
      bootstrap: { type: 'integer', minimum: 100, maximum: 100000, default: 1000, description: 'Bootstrap resamples for the 95% intervals.' },
      patience: { type: 'integer', minimum: 1, maximum: 1000, description: 'Stop after this many epochs without a new best checkpoint (default: run all epochs).' },
    },
  };
}
