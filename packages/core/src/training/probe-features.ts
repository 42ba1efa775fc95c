// Features of the frozen backbone, computed once per image and per view and then reused by every
// epoch, fold and self-training round of the probe mode: the backbone is the expensive part, the
// head trains in seconds on what is cached here.

import type { LayersModel } from '@tensorflow/tfjs';
import type { PreprocessConfig } from '../data/data-config.js';
import { augment } from '../image/augment.js';
import type { GreyImage } from '../image/grey-image.js';
import type { ImageBatchItem } from '../image/image-batches.js';
import { loadPreprocessed } from '../image/preprocess.js';
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
  /**
   * View v of an image is augmented (weak) with rng.fork(`view-${v}`).fork(image id): a view depends
   * on the image alone, not on which other images were computed with it, so caching lazily is
   * deterministic.
   */
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

  /**
   * `count` weakly augmented views of every item (the clean view is not one of them). An item with its
   * own `views` count uses that many (cycled over the slots); `views: 0` means its clean features in
   * every slot — e.g. pseudo-labelled pool images, whose features were computed clean for scoring.
   */
  async views(items: readonly (ImageBatchItem & { views?: number })[], count: number): Promise<FeatureViews> {
    const dim = this.dim;
    const per = items.map((item) => item.views ?? count);
    const clean = per.some((n) => n === 0) ? await this.clean(items.filter((_, i) => per[i] === 0)) : new Float32Array();
    const cleanRow = new Map<string, Float32Array>();
    items.filter((_, i) => per[i] === 0).forEach((item, k) => cleanRow.set(item.id, clean.subarray(k * dim, (k + 1) * dim)));
    const views: Float32Array[] = [];
    for (let v = 0; v < count; v++) {
      const wanted = items.filter((_, i) => (per[i] as number) > 0 && v < (per[i] as number));
      await this.view(wanted, v);
      const out = new Float32Array(items.length * dim);
      items.forEach((item, i) => {
        const n = per[i] as number;
        out.set(n === 0 ? cleanRow.get(item.id)! : this.rows.get(`${v % n}\0${item.id}`)!, i * dim);
      });
      views.push(out);
    }
    return { dim, views };
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
          ...(view === 'clean' ? {} : { load: this.augmentedLoader(view) }),
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

  private augmentedLoader(view: number): (item: ImageBatchItem) => Promise<GreyImage> {
    const rng = this.options.rng.fork(`view-${view}`);
    return async (item) => augment(await loadPreprocessed(item.path, this.options.preprocess), 'weak', rng.fork(item.id));
  }
}
