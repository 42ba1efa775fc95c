// What the training loop feeds on. Images: a seeded shuffle per epoch, decoded and augmented on the
// fly. Cached features (probe mode): every image was run through the frozen backbone once per
// augmented view; each epoch picks one view per image, so the head still sees augmentation without
// the backbone running again.

import type { PreprocessConfig } from '../config/experiment.js';
import type { AugmentLevel } from '../image/augment.js';
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
}

export interface ImageSourceOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  batchSize: number;
  concurrency: number;
  /** Augmentation of training images (null: none). */
  augment: AugmentLevel | null;
  /** Shuffling and augmentation; epoch e uses rng.fork(`epoch-${e}`). */
  rng: Rng;
  signal?: AbortSignal;
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

export function imageBatchSource(items: readonly TrainItem[], options: ImageSourceOptions): BatchSource {
  return async function* (epoch: number) {
    const rng = options.rng.fork(`epoch-${epoch}`);
    const order = rng.fork('shuffle').shuffle(items.map((_, i) => i));
    const batches = batchOrder(order, options.batchSize);
    const ordered = batches.flat();
    const stream = imageBatches(
      ordered.map((i) => items[i]!),
      {
        preprocess: options.preprocess,
        normalization: options.normalization,
        batchSize: options.batchSize,
        concurrency: options.concurrency,
        ...(options.augment ? { augment: options.augment, rng: rng.fork('augment') } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
    let b = 0;
    for await (const batch of stream) {
      const indices = batches[b++]!;
      yield { data: batch.data, shape: batch.shape, ...targetsOf(items, indices) };
    }
  };
}

export interface FeatureViews {
  dim: number;
  /** views[v] is row-major [items × dim]: every item's features under augmented view v. */
  views: Float32Array[];
}

export function featureBatchSource(items: readonly TrainItem[], features: FeatureViews, batchSize: number, rng: Rng): BatchSource {
  const { dim, views } = features;
  if (views.length === 0) throw new Error('featureBatchSource: no feature views');
  for (const v of views) if (v.length !== items.length * dim) throw new Error(`featureBatchSource: a view has ${v.length / dim} rows, expected ${items.length}`);
  return async function* (epoch: number) {
    const r = rng.fork(`epoch-${epoch}`);
    const order = r.fork('shuffle').shuffle(items.map((_, i) => i));
    const pick = r.fork('views');
    for (const indices of batchOrder(order, batchSize)) {
      const data = new Float32Array(indices.length * dim);
      indices.forEach((item, row) => {
        const view = views[pick.int(views.length)]!;
        data.set(view.subarray(item * dim, (item + 1) * dim), row * dim);
      });
      yield { data, shape: [indices.length, dim], ...targetsOf(items, indices) };
    }
  };
}
