// Where a consistency step's rows come from. Probe mode: the frozen backbone's features of views cached
// once (K weak and K strong per pool image, weak ones per labelled image); each step picks one cached
// view per row. finetune/partial: the images themselves, decoded and augmented on the fly.

import type { PreprocessConfig, Rng } from '@neuro-ssl/core';
import { imageBatches, type AugmentLevel, type ImageBatchItem, type Normalization, type StrongAugmentPolicy } from '@neuro-ssl/core/image';
import type { FeatureViews } from '@neuro-ssl/core/learn';

export interface ConsistencyViews {
  /** One row's shape: [dim] features or [s, s, 3] images. */
  rowShape: number[];
  /** Weakly augmented labelled rows. */
  labelled(indices: readonly number[], rng: Rng): Promise<Float32Array>;
  /** Weakly augmented pool rows (what the pseudo-label is read from). */
  poolWeak(indices: readonly number[], rng: Rng): Promise<Float32Array>;
  /** Strongly augmented pool rows (what is trained on the pseudo-label). */
  poolStrong(indices: readonly number[], rng: Rng): Promise<Float32Array>;
}

function pickViews(features: FeatureViews, rows: number, what: string): (indices: readonly number[], rng: Rng) => Promise<Float32Array> {
  const { dim, views } = features;
  if (views.length === 0) throw new Error(`consistency views: no cached ${what} view`);
  for (const v of views) if (v.length !== rows * dim) throw new Error(`consistency views: a ${what} view has ${v.length / dim} rows, expected ${rows}`);
  return async (indices, rng) => {
    const out = new Float32Array(indices.length * dim);
    indices.forEach((item, row) => out.set(views[rng.int(views.length)]!.subarray(item * dim, (item + 1) * dim), row * dim));
    return out;
  };
}

/** Cached rows (probe: features; partial: trunk output, `rowShape` e.g. [7, 7, 56]): `labelled` in labelled order, `weak`/`strong` in pool order. */
export function cachedFeatureViews(o: { labelled: FeatureViews; labelledCount: number; weak: FeatureViews; strong: FeatureViews; poolSize: number; rowShape?: readonly number[] }): ConsistencyViews {
  if (o.labelled.dim !== o.weak.dim || o.weak.dim !== o.strong.dim) throw new Error('consistency views: labelled, weak and strong features differ in dimension');
  const rowShape = o.rowShape ? [...o.rowShape] : [o.weak.dim];
  if (rowShape.reduce((a, b) => a * b, 1) !== o.weak.dim) throw new Error(`consistency views: rows of [${rowShape.join(', ')}] do not hold ${o.weak.dim} numbers`);
  return {
    rowShape,
    labelled: pickViews(o.labelled, o.labelledCount, 'labelled'),
    poolWeak: pickViews(o.weak, o.poolSize, 'weak'),
    poolStrong: pickViews(o.strong, o.poolSize, 'strong'),
  };
}

export interface ImageViewOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  concurrency: number;
  /** The strong views' RandAugment policy (absent: core's default). */
  strongAugment?: StrongAugmentPolicy;
  signal?: AbortSignal;
}

/** Images decoded and augmented per step (finetune, partial). */
export function onTheFlyImageViews(labelled: readonly ImageBatchItem[], pool: readonly ImageBatchItem[], o: ImageViewOptions): ConsistencyViews {
  const size = o.preprocess.imageSize;
  const load = (items: readonly ImageBatchItem[], level: AugmentLevel) => async (indices: readonly number[], rng: Rng): Promise<Float32Array> => {
    if (indices.length === 0) return new Float32Array();
    const stream = imageBatches(
      indices.map((i) => items[i]!),
      { preprocess: o.preprocess, normalization: o.normalization, batchSize: indices.length, concurrency: o.concurrency, augment: level, rng, ...(level === 'strong' && o.strongAugment ? { strongAugment: o.strongAugment } : {}), ...(o.signal ? { signal: o.signal } : {}) },
    );
    for await (const batch of stream) return batch.data;
    throw new Error('consistency views: no image batch');
  };
  return { rowShape: [size, size, 3], labelled: load(labelled, 'weak'), poolWeak: load(pool, 'weak'), poolStrong: load(pool, 'strong') };
}
