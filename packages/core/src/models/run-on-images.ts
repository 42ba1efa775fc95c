// Streams images through a model and collects one output row per image (features for a backbone,
// a logit for a classifier). Every batch's tensors are disposed inside tf.tidy, so the tensor count
// stays flat over thousands of images.

import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import type { PreprocessConfig } from '../data/data-config.js';
import type { GreyImage } from '../image/grey-image.js';
import type { AugmentLevel } from '../image/augment.js';
import { imageBatches, type ImageBatchItem } from '../image/image-batches.js';
import type { Normalization } from '../image/normalization.js';
import type { Progress } from '../progress/progress.js';
import type { Tf } from '../tf/types.js';
import type { Rng } from '../util/rng.js';
import type { InferenceEngine } from './onnx/inference-engine.js';

export interface RunOnImagesOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  batchSize: number;
  concurrency: number;
  /** Numbers the model returns per image. */
  outputDim: number;
  /** A random view of every image (e.g. the probe mode's cached augmented views); needs `rng`. */
  augment?: AugmentLevel;
  rng?: Rng;
  progress?: Progress;
  signal?: AbortSignal;
  /** Called after each batch with the number of images done so far (for memory/throughput metrics). */
  onBatch?: (done: number) => void;
  /** Override decode + preprocess (e.g. to record unreadable files and go on). */
  load?: (item: ImageBatchItem) => Promise<GreyImage>;
  /** Runs the forward pass (e.g. on ONNX Runtime); default: `model.predict` on TF.js. */
  engine?: Pick<InferenceEngine, 'forward'>;
}

/** Row-major [items.length × outputDim]; rows in item order. */
export async function runOnImages(tf: Tf, model: LayersModel, items: ImageBatchItem[], options: RunOnImagesOptions): Promise<Float32Array> {
  const values = new Float32Array(items.length * options.outputDim);
  let row = 0;
  const batches = imageBatches(items, {
    preprocess: options.preprocess,
    normalization: options.normalization,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    ...(options.augment ? { augment: options.augment } : {}),
    ...(options.rng ? { rng: options.rng } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.load ? { load: options.load } : {}),
  });
  for await (const batch of batches) {
    if (options.signal?.aborted) break;
    let data: Float32Array | Uint8Array | Int32Array;
    if (options.engine) data = await options.engine.forward(batch.data, batch.shape);
    else {
      const output = tf.tidy(() => model.predict(tf.tensor4d(batch.data, batch.shape)) as Tensor);
      data = await output.data();
      output.dispose();
    }
    if (data.length !== batch.ids.length * options.outputDim) {
      throw new Error(`model returned ${data.length / batch.ids.length} numbers per image, expected ${options.outputDim}`);
    }
    values.set(data, row * options.outputDim);
    row += batch.ids.length;
    options.progress?.tick(batch.ids.length);
    options.onBatch?.(row);
  }
  return values;
}
