// What the training loop feeds on. Images: a seeded shuffle per epoch (or a BatchPlan), decoded and augmented on the
// fly. Cached features (probe mode; partial mode's trunk activations): every image was run through the
// frozen part once per augmented view; each epoch picks one view per image, so the trained part still
// sees augmentation without the frozen part running again.

import type { PreprocessConfig } from '../data/data-config.js';
import type { AugmentLevel } from '../image/augment.js';
import type { StrongAugmentPolicy } from '../image/rand-augment.js';
import { imageBatches } from '../image/image-batches.js';
import type { Normalization } from '../image/normalization.js';
import type { Rng } from '../util/rng.js';
import type { BatchSource, TrainBatch } from './fit.js';

export interface TrainItem {
  id: string;
  path: string;
  /** Target in [0, 1] (hard labels 0/1; soft pseudo-labels in between). */
  target: number;
  /** Loss weight (default 1). */
  weight?: number;
  /** Probe mode: cached augmented views of this image (default: the training's `views`; 0 = clean features only). */
  views?: number;
}

/**
 * Replaces a source's seeded shuffle (self-training: a minimum of labelled rows per batch, mixup):
 * which items make up each batch of an epoch, and an optional rewrite of each loaded batch.
 */
export interface BatchPlan {
  /**
   * The batches of one epoch as item indices (repeats allowed: oversampling). For image sources every
   * batch but the last must hold exactly `batchSize` items (the image stream is cut by it).
   */
  batches(epoch: number, rng: Rng): number[][];
  /** Rewrites a loaded batch whose rows are the items `indices` (e.g. mixup); may use `rng`. */
  transform?(batch: TrainBatch, indices: readonly number[], rng: Rng): TrainBatch;
}

export interface ImageSourceOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  batchSize: number;
  concurrency: number;
  /** Augmentation of training images (null: none). */
  augment: AugmentLevel | null;
  /** How strong a strong view is (default DEFAULT_STRONG_AUGMENT). */
  strongAugment?: StrongAugmentPolicy;
  /** Shuffling and augmentation; epoch e uses rng.fork(`epoch-${e}`). */
  rng: Rng;
  signal?: AbortSignal;
  /** Batches from this plan instead of a plain shuffle. */
  plan?: BatchPlan;
}

/** Splits a shuffled order into batches; a last batch of one is dropped (BatchNorm cannot train on it). */
function batchOrder(order: number[], batchSize: number): number[][] {
  const batches: number[][] = [];
  for (let i = 0; i < order.length; i += batchSize) batches.push(order.slice(i, i + batchSize));
  if (batches.length > 1 && batches[batches.length - 1]!.length === 1) batches.pop();
  return batches;
}

function targetsOf(items: readonly TrainItem[], indices: readonly number[]): Pick<TrainBatch, 'targets' | 'weights'> {
  const targets = Float32Array.from(indices, (i) => items[i]!.target);
  const weighted = indices.some((i) => items[i]!.weight !== undefined && items[i]!.weight !== 1);
  return weighted ? { targets, weights: Float32Array.from(indices, (i) => items[i]!.weight ?? 1) } : { targets };
}

/** The plan's batches (checked), or the seeded shuffle cut into batches. */
function epochBatches(items: readonly TrainItem[], batchSize: number, epoch: number, rng: Rng, plan: BatchPlan | undefined, exact: boolean): number[][] {
  if (!plan) return batchOrder(rng.fork('shuffle').shuffle(items.map((_, i) => i)), batchSize);
  const batches = plan.batches(epoch, rng.fork('plan'));
  batches.forEach((b, k) => {
    const wrongSize = b.length === 0 || b.length > batchSize || (exact && k < batches.length - 1 && b.length !== batchSize);
    if (wrongSize) throw new Error(`batch plan: batch ${k} has ${b.length} items, expected ${exact && k < batches.length - 1 ? 'exactly' : '1 to'} ${batchSize}`);
    for (const i of b) if (!Number.isInteger(i) || i < 0 || i >= items.length) throw new Error(`batch plan: batch ${k} names item ${i}, outside 0..${items.length - 1}`);
  });
  return batches;
}

export function imageBatchSource(items: readonly TrainItem[], options: ImageSourceOptions): BatchSource {
  return async function* (epoch: number) {
    const rng = options.rng.fork(`epoch-${epoch}`);
    const batches = epochBatches(items, options.batchSize, epoch, rng, options.plan, true);
    const plan = options.plan;
    const mixRng = rng.fork('transform');
    const ordered = batches.flat();
    const stream = imageBatches(
      ordered.map((i) => items[i]!),
      {
        preprocess: options.preprocess,
        normalization: options.normalization,
        batchSize: options.batchSize,
        concurrency: options.concurrency,
        ...(options.augment ? { augment: options.augment, rng: rng.fork('augment') } : {}),
        ...(options.strongAugment ? { strongAugment: options.strongAugment } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    let b = 0;
    for await (const batch of stream) {
      const indices = batches[b++]!;
      const loaded: TrainBatch = { data: batch.data, shape: batch.shape, ...targetsOf(items, indices) };
      yield plan?.transform ? plan.transform(loaded, indices, mixRng) : loaded;
    }
  };
}

export interface FeatureViews {
  dim: number;
  /** views[v] is row-major [items × dim]: every item's features under augmented view v. */
  views: Float32Array[];
  /** One row's shape (default [dim]): batches are [n, ...rowShape] (e.g. a partial-mode trunk's [7, 7, 56]). */
  rowShape?: readonly number[];
}

export function featureBatchSource(items: readonly TrainItem[], features: FeatureViews, batchSize: number, rng: Rng, plan?: BatchPlan): BatchSource {
  const { dim, views } = features;
  const rowShape = features.rowShape ? [...features.rowShape] : [dim];
  if (rowShape.reduce((a, b) => a * b, 1) !== dim) throw new Error(`featureBatchSource: rowShape [${rowShape.join(', ')}] does not hold ${dim} numbers`);
  if (views.length === 0) throw new Error('featureBatchSource: no feature views');
  for (const v of views) if (v.length !== items.length * dim) throw new Error(`featureBatchSource: a view has ${v.length / dim} rows, expected ${items.length}`);
  return async function* (epoch: number) {
    const r = rng.fork(`epoch-${epoch}`);
    const batches = epochBatches(items, batchSize, epoch, r, plan, false);
    const pick = r.fork('views');
    const mixRng = r.fork('transform');
    for (const indices of batches) {
      const data = new Float32Array(indices.length * dim);
      indices.forEach((item, row) => {
        const view = views[pick.int(views.length)]!;
        data.set(view.subarray(item * dim, (item + 1) * dim), row * dim);
      });
      const batch: TrainBatch = { data, shape: [indices.length, ...rowShape], ...targetsOf(items, indices) };
      yield plan?.transform ? plan.transform(batch, indices, mixRng) : batch;
    }
  };
}
