// Streams image batches through a backbone and collects one feature row per image. Every batch's
// tensors are disposed inside tf.tidy, so tensor count stays flat over thousands of images.

import { imageBatches, type ImageBatchItem, type LayersModel, type Normalization, type PreprocessConfig, type Progress, type Tf, type Tensor } from '@neuro-ssl/core';

export interface ExtractOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  batchSize: number;
  concurrency: number;
  featureDim: number;
  progress?: Progress;
  signal?: AbortSignal;
  /** Called after each batch with the number of images done so far (for memory/throughput metrics). */
  onBatch?: (done: number) => void;
}

/** Row-major [items.length × featureDim]; rows in item order. */
export async function extractFeatures(tf: Tf, model: LayersModel, items: ImageBatchItem[], options: ExtractOptions): Promise<Float32Array> {
  const values = new Float32Array(items.length * options.featureDim);
  let row = 0;
  const batches = imageBatches(items, {
    preprocess: options.preprocess,
    normalization: options.normalization,
    batchSize: options.batchSize,
    concurrency: options.concurrency,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  for await (const batch of batches) {
    if (options.signal?.aborted) break;
    const output = tf.tidy(() => model.predict(tf.tensor4d(batch.data, batch.shape)) as Tensor);
    const data = await output.data();
    output.dispose();
    if (data.length !== batch.ids.length * options.featureDim) {
      throw new Error(`backbone returned ${data.length / batch.ids.length} features per image, expected ${options.featureDim}`);
    }
    values.set(data, row * options.featureDim);
    row += batch.ids.length;
    options.progress?.tick(batch.ids.length);
    options.onBatch?.(row);
  }
  return values;
}
