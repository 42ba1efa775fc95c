// Features of the frozen backbone, computed once per image and per view and then reused by every
// epoch, fold and self-training round of the probe mode: the backbone is the expensive part, the
// head trains in seconds on what is cached here.

import type { LayersModel } from '@tensorflow/tfjs';
import type { PreprocessConfig } from '../config/experiment.js';
import type { ImageBatchItem } from '../image/image-batches.js';
import type { Normalization } from '../image/normalization.js';
import { foldForInference } from '../models/fold-batchnorm.js';
import { runOnImages } from '../models/run-on-images.js';
import type { Logger } from '../progress/logger.js';
import type { ProgressFactory } from '../progress/progress.js';
import type { Tf } from '../tf/types.js';
import type { Rng } from '../util/rng.js';
import type { FeatureViews } from './batch-sources.js';

export interface ProbeFeatureOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  batchSize: number;
  concurrency: number;
  featureDim: number;
  /** View v of an image is augmented with rng.fork(`view-${v}`) (weak augmentation). */
  rng: Rng;
  progress?: ProgressFactory;
  signal?: AbortSignal;
  /** Where the BatchNorm folding line goes (debug). */
  logger?: Logger;
}

export class ProbeFeatureCache {
  /** Key: view ("clean" or a number) + "\0" + image id. */
  private readonly rows = new Map<string, Float32Array>();
  private foldLogged = false;

  constructor(
    private readonly tf: Tf,
    /** Image → pooled features (the frozen backbone). */
    private readonly extractor: LayersModel,
    private readonly options: ProbeFeatureOptions,
  ) {}

  get dim(): number {
    return this.options.featureDim;
  }

  /** Un-augmented features, row-major [items × dim]. */
  async clean(items: readonly ImageBatchItem[]): Promise<Float32Array> {
    return this.view(items, 'clean');
  }

  /** `count` weakly augmented views of every item (plus nothing else: the clean view is not one of them). */
  async views(items: readonly ImageBatchItem[], count: number): Promise<FeatureViews> {
    const views: Float32Array[] = [];
    for (let v = 0; v < count; v++) views.push(await this.view(items, v));
    return { dim: this.dim, views };
  }

  private async view(items: readonly ImageBatchItem[], view: 'clean' | number): Promise<Float32Array> {
    const dim = this.dim;
    const key = (id: string): string => `${view}\0${id}`;
    const missing = items.filter((item) => !this.rows.has(key(item.id)));
    if (missing.length > 0) {
      const { progress, logger, ...rest } = this.options;
      // The backbone only runs inference here: BatchNorm folded into its convolutions (the same
      // features to float rounding, much faster on wasm). Folded for each batch of missing images and
      // released right after — a fraction of a second against minutes of backbone time — so the cache
      // holds no tensors and needs no dispose().
      const model = foldForInference(this.tf, this.extractor, this.foldLogged ? undefined : logger);
      this.foldLogged = true;
      const bar = progress?.({ label: `backbone features (${view === 'clean' ? 'clean' : `view ${view + 1}`})`, total: missing.length, unit: 'img' });
      let values: Float32Array;
      try {
        values = await runOnImages(this.tf, model, missing.slice(), {
          ...rest,
          outputDim: dim,
          ...(view === 'clean' ? {} : { augment: 'weak' as const, rng: this.options.rng.fork(`view-${view}`) }),
          ...(bar ? { progress: bar } : {}),
        });
      } finally {
        if (model !== this.extractor) model.dispose();
      }
      bar?.done();
      this.options.signal?.throwIfAborted();
      missing.forEach((item, i) => this.rows.set(key(item.id), values.slice(i * dim, (i + 1) * dim)));
    }
    const out = new Float32Array(items.length * dim);
    items.forEach((item, i) => out.set(this.rows.get(key(item.id))!, i * dim));
    return out;
  }
}
