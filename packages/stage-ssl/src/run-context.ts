// What both ways of running the self-training stage (holdout, cv) share: the stage's context and
// config, the input model loaded, and the pieces built from them the same way for both.

import { createHash } from 'node:crypto';
import type { DatasetIndex, FeatureTable, Figure, LayersModel, Logger, Metrics, ModelArtifact, PoolLabels, PseudoLabels, StageContext, Tf } from '@neuro-ssl/core';
import { ProbeFeatureCache, createTrunkCache, featureExtractor, reusableFeatures, type ProbeFeatureOptions, type BatchPlan, type InferenceSetting, type ClassifierMeta, type ResolvedTrainingOptions, type TrainItem, type TrainMode, type TrainSettings } from '@neuro-ssl/core/learn';
import { stableStringify } from '@neuro-ssl/core/util';
import type { StrongAugmentPolicy } from '@neuro-ssl/core/image';
import type { ArmSettings, SslAlgorithm } from './algorithms/ssl-algorithm.js';
import { sslBatchPlan } from './ssl-batches.js';
import type { ScheduleConfig, SslConfig } from './ssl-config.js';
import type { RoundRule } from './threshold-schedule.js';

export interface SslRun {
  ctx: StageContext;
  config: SslConfig;
  dataset: DatasetIndex;
  poolLabels: PoolLabels;
  /** The extract stage's features (optional input): a probe's clean features when they match. */
  features?: FeatureTable;
  tf: Tf;
  backend: string;
  /** The input model (the train stage's). */
  classifier: LayersModel;
  meta: ClassifierMeta;
  /** [negative, positive] class names. */
  names: [string, string];
  mode: TrainMode;
  training: ResolvedTrainingOptions;
  batchSize: number;
  schedule: ScheduleConfig;
  rules: RoundRule[];
  /** `with.algorithm` (algorithms/registry.ts) and its options block resolved (undefined for `rounds` algorithms). */
  algorithm: SslAlgorithm;
  algorithmOptions: unknown;
}

export interface SslOutputs {
  model: ModelArtifact;
  pseudoLabels: PseudoLabels;
  metrics: Metrics;
  figures: Figure;
}

/**
 * Probe mode: the frozen backbone's features, computed once per image and view. `pretrained`: the
 * backbone holds the weights file's weights (the classifier was a probe, or it is rebuilt pretrained),
 * so the extract stage's features (the optional `features` input) are its clean rows when they match.
 */
export function probeCache(run: SslRun, backboneOf: LayersModel, pretrained: boolean): ProbeFeatureCache {
  const { ctx, meta } = run;
  // Shares the classifier's layers (do not dispose it): the backbone never trains in probe mode, so its features stay valid.
  const extractor = featureExtractor(run.tf, backboneOf);
  const cache = new ProbeFeatureCache(run.tf, extractor, { ...frozenCacheOptionsOf(run), featureDim: extractor.outputs[0]!.shape[1] as number });
  if (run.features) {
    const reuse = pretrained ? reusableFeatures(run.features, meta) : { reason: `the backbone was trained (the model is a ${meta.mode} model)` };
    if ('rows' in reuse) {
      const added = cache.adoptClean(reuse.rows);
      ctx.logger.info(`features: the extract stage's features of ${added} image(s) (computed on ${reuse.engine}) are this backbone's clean features; the pool is not run again`);
    } else ctx.logger.info(`features: the extract stage's features are not used (${reuse.reason})`);
  }
  return cache;
}

/** What the probe's feature cache and partial's trunk cache share: how images are read, viewed and run. */
function frozenCacheOptionsOf(run: SslRun): Omit<ProbeFeatureOptions, 'featureDim' | 'rowShape' | 'logger'> & { logger: Logger } {
  const { ctx, meta } = run;
  return {
    preprocess: meta.preprocess,
    normalization: meta.normalization,
    batchSize: run.batchSize,
    concurrency: ctx.runtime.concurrency,
    rng: ctx.rng.fork('views'),
    progress: ctx.progress,
    signal: ctx.signal,
    logger: ctx.logger,
    inference: inferenceOf(run),
    ...strongAugmentOf(run),
  };
}

/** `strongAugment` as the caches and image sources take it (absent when the YAML leaves it out). */
function strongAugmentOf(run: SslRun): { strongAugment?: StrongAugmentPolicy } {
  const policy = run.training.settings.strongAugment;
  return policy ? { strongAugment: policy } : {};
}

/** What a one-go algorithm (FixMatch, FlexMatch, a plugin's) trains with: the `with:` block's settings. */
export function armSettingsOf(run: SslRun): ArmSettings {
  const { config, training } = run;
  return {
    epochs: config.epochs,
    learningRate: config.learningRate,
    batchSize: run.batchSize,
    weightDecay: training.settings.weightDecay,
    posWeight: config.posWeight,
    views: config.views,
    ...strongAugmentOf(run),
  };
}

/** The engine of forward passes that train nothing (runtime.inference, runtime.threads). */
export function inferenceOf(run: SslRun): InferenceSetting {
  return { request: run.ctx.runtime.inference, threads: run.ctx.runtime.threads };
}

/**
 * Partial mode with `trunkCache: views`: the frozen trunk's output per image and view, computed once
 * for every round (the trunk never trains in partial mode). Shares `backboneOf`'s layers; undefined
 * otherwise, or when the cache would be too large (warned).
 */
export function trunkCacheOf(run: SslRun, backboneOf: LayersModel, images: number): ProbeFeatureCache | undefined {
  const { meta } = run;
  if (run.mode !== 'partial' || run.training.trunkCache === 'off') return undefined;
  return (
    createTrunkCache(run.tf, backboneOf, meta.spec.backbone, { ...frozenCacheOptionsOf(run), images, views: run.config.views }) ?? undefined
  );
}

/** A round's trainer settings; the learning rate is the loop's, per round. */
export function roundSettingsOf(run: SslRun): Omit<TrainSettings, 'mode' | 'learningRate'> {
  const { learningRate: _perRound, ...settings } = run.training.settings;
  return settings;
}

/** The batch plan of a round's training set (minLabelledPerBatch, mixup), if any. */
export function planOf(run: SslRun): (items: readonly TrainItem[], labelled: number) => BatchPlan | undefined {
  const { config, batchSize } = run;
  return (items, n) => sslBatchPlan({ labelled: n, pseudo: items.length - n, batchSize, minLabelledPerBatch: config.minLabelledPerBatch, mixupAlpha: config.mixup?.alpha ?? null });
}

/** The identity of this run's work (a checkpoint left by another is not resumed). */
export function resumeKeyOf(run: SslRun, plugin: { name: string; version: string }, extra: Record<string, unknown>): string {
  return createHash('sha256')
    .update(stableStringify({ plugin: plugin.name, version: plugin.version, config: run.config, mode: run.mode, meta: run.meta, seed: run.ctx.seed, ...extra }))
    .digest('hex');
}
