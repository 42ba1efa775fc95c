// Streaming preprocessed images to a model as Float32 NHWC batches.
//
// Decoding (sharp, off the main thread) runs up to `concurrency` images at a time and up to
// `prefetchBatches` batches ahead of the consumer, so the model rarely waits on the disk or the
// decoder. Batches come out in input order however the decodes finish, and each item's augmentation
// uses its own Rng forked from (call key, item index): the bytes do not depend on decode timing.

import type { PreprocessConfig } from '../data/data-config.js';
import type { Rng } from '../util/rng.js';
import { augment as augmentImage, type AugmentLevel } from './augment.js';
import type { GreyImage } from './grey-image.js';
import { toFloatRGB, type Normalization } from './normalization.js';
import { loadPreprocessed } from './preprocess.js';
import { checkStrongAugmentPolicy, type StrongAugmentPolicy } from './rand-augment.js';

export interface ImageBatchItem {
  id: string;
  path: string;
}

export interface ImageBatch {
  ids: string[];
  /** shape[0] * imageSize * imageSize * 3 floats, NHWC. */
  data: Float32Array;
  /** [n, imageSize, imageSize, 3]; n < batchSize only for the last batch. */
  shape: [number, number, number, number];
}

export interface ImageBatchOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  batchSize: number;
  /** Images decoded at the same time. */
  concurrency: number;
  /** Random weak or strong view of every image; needs `rng`. */
  augment?: AugmentLevel;
  /** How strong a strong view is (default DEFAULT_STRONG_AUGMENT); unused by weak. */
  strongAugment?: StrongAugmentPolicy;
  /**
   * Augmentation randomness. One number is drawn from it when imageBatches is called, so two calls
   * with the same Rng (e.g. two epochs) give different views, and a re-run with the same seed gives
   * the same ones.
   */
  rng?: Rng;
  /** Stops decoding and makes the generator throw the signal's reason. */
  signal?: AbortSignal;
  /** Batches decoded ahead of the one being consumed. Default 2. */
  prefetchBatches?: number;
  /** Override decode + preprocess (e.g. a cache lookup); must return imageSize x imageSize. */
  load?: (item: ImageBatchItem) => Promise<GreyImage>;
}

export function imageBatches(items: ImageBatchItem[], options: ImageBatchOptions): AsyncGenerator<ImageBatch> {
  const { batchSize, concurrency } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new RangeError(`concurrency must be a positive integer, got ${concurrency}`);
  const prefetch = options.prefetchBatches ?? 2;
  if (!Number.isInteger(prefetch) || prefetch < 0) throw new RangeError(`prefetchBatches must be a non-negative integer, got ${prefetch}`);
  if (options.augment && !options.rng) throw new Error('imageBatches: augment needs an rng');
  if (options.strongAugment) checkStrongAugmentPolicy(options.strongAugment);
  // Drawn now, not when iteration starts, so the result does not depend on when the caller first awaits.
  const callKey = options.augment && options.rng ? options.rng.int(0x100000000) : 0;
  return generate(items.slice(), options, callKey, prefetch);
}

async function* generate(items: ImageBatchItem[], options: ImageBatchOptions, callKey: number, prefetch: number): AsyncGenerator<ImageBatch> {
  const { batchSize, concurrency, signal, normalization } = options;
  const size = options.preprocess.imageSize;
  const floatsPerImage = size * size * 3;
  const load = options.load ?? ((item: ImageBatchItem) => loadPreprocessed(item.path, options.preprocess));
  const n = items.length;
  const pending: (Promise<GreyImage> | undefined)[] = new Array(n);
  let nextToStart = 0;
  let running = 0;
  let startLimit = 0;
  let stopped = false;

  const prepare = async (index: number): Promise<GreyImage> => {
    const item = items[index]!;
    try {
      signal?.throwIfAborted();
      let img = await load(item);
      if (img.width !== size || img.height !== size) {
        throw new Error(`loaded ${img.width}x${img.height}, expected ${size}x${size}`);
      }
      if (options.augment && options.rng) img = augmentImage(img, options.augment, options.rng.fork(`${callKey}:${index}`), options.strongAugment);
      return img;
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const message = err instanceof Error ? err.message : String(err);
      throw new Error(`image "${item.id}": ${message}`, { cause: err });
    }
  };

  // Start work in input order while under both the concurrency and the prefetch limits.
  const pump = (): void => {
    while (!stopped && !signal?.aborted && running < concurrency && nextToStart < startLimit) {
      const index = nextToStart++;
      running++;
      const task = (async () => {
        try {
          return await prepare(index);
        } finally {
          running--;
          pump();
        }
      })();
      // Failures surface when the consumer reaches this item; never as an unhandled rejection.
      task.catch(() => undefined);
      pending[index] = task;
    }
  };

  try {
    for (let start = 0; start < n; start += batchSize) {
      signal?.throwIfAborted();
      const end = Math.min(n, start + batchSize);
      startLimit = Math.min(n, end + prefetch * batchSize);
      pump();
      const data = new Float32Array((end - start) * floatsPerImage);
      const ids: string[] = [];
      for (let i = start; i < end; i++) {
        const img = await abortable(pending[i]!, signal);
        pending[i] = undefined;
        toFloatRGB(img, normalization, data, (i - start) * floatsPerImage);
        ids.push(items[i]!.id);
      }
      yield { ids, data, shape: [end - start, size, size, 3] };
    }
  } finally {
    // Consumer broke out, threw, or aborted: start nothing more (running decodes finish and are dropped).
    stopped = true;
  }
}

/** Await `promise`, but reject with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
