// Features of the frozen backbone, computed once per image and per view and then reused by every
// epoch, fold and self-training round of the probe mode: the backbone is the expensive part, the
// head trains in seconds on what is cached here. The same cache holds the frozen trunk's activations
// of `mode: partial` (rows shaped like the cut, e.g. [7, 7, 56]), on which the backbone's top trains.

import type { LayersModel } from '@tensorflow/tfjs';
import type { PreprocessConfig } from '../data/data-config.js';
import { augment, type AugmentLevel } from '../image/augment.js';
import type { StrongAugmentPolicy } from '../image/rand-augment.js';
import type { GreyImage } from '../image/grey-image.js';
import type { ImageBatchItem } from '../image/image-batches.js';
import { loadPreprocessed } from '../image/preprocess.js';
import type { Normalization } from '../image/normalization.js';
import { foldForInference } from '../models/fold-batchnorm.js';
import { createInferenceEngine, type InferenceEngine, type InferenceRequest } from '../models/onnx/inference-engine.js';
import { runOnImages } from '../models/run-on-images.js';
import { silentLogger, type Logger } from '../progress/logger.js';
import type { ProgressFactory } from '../progress/progress.js';
import type { Tf } from '../tf/types.js';
import type { Rng } from '../util/rng.js';
import type { FeatureViews } from './batch-sources.js';

export interface ProbeFeatureOptions {
  preprocess: PreprocessConfig;
  normalization: Normalization;
  batchSize: number;
  concurrency: number;
  /** Numbers per image (the product of `rowShape` when that is given). */
  featureDim: number;
  /** Shape of one image's row (default [featureDim]): e.g. [7, 7, 56] for a partial-mode trunk. */
  rowShape?: readonly number[];
  /**
   * Which engine runs the frozen model: ONNX Runtime where it is installed (`auto`), or TF.js.
   * Absent: TF.js.
   */
  inference?: { request: InferenceRequest; threads: number };
  /**
   * View v of an image is augmented (weak) with rng.fork(`view-${v}`).fork(image id) — strong views
   * with rng.fork(`strong-view-${v}`) —: a view depends on the image alone, not on which other images
   * were computed with it, so caching lazily is deterministic.
   */
  rng: Rng;
  /** How strong the strong views are (default DEFAULT_STRONG_AUGMENT). */
  strongAugment?: StrongAugmentPolicy;
  progress?: ProgressFactory;
  signal?: AbortSignal;
  /** Where the BatchNorm folding line (debug) and the engine line (info) go. */
  logger?: Logger;
}

/** The frozen model folded for inference, and the engine that runs it (created on first use). */
interface Runner {
  model: LayersModel;
  engine: InferenceEngine | null;
}

export class ProbeFeatureCache {
  /** Key: view ("clean", a number for weak views, "strong" + number) + "\0" + image id. */
  private readonly rows = new Map<string, Float32Array>();
  private runner: Promise<Runner> | null = null;
  readonly rowShape: number[];

  constructor(
    private readonly tf: Tf,
    /** Image → pooled features (the frozen backbone), or → the cut activation (a partial-mode trunk). */
    private readonly extractor: LayersModel,
    private readonly options: ProbeFeatureOptions,
  ) {
    this.rowShape = options.rowShape ? [...options.rowShape] : [options.featureDim];
    const size = this.rowShape.reduce((a, b) => a * b, 1);
    if (size !== options.featureDim) throw new Error(`ProbeFeatureCache: rowShape [${this.rowShape.join(', ')}] holds ${size} numbers, featureDim says ${options.featureDim}`);
  }

  /** Numbers per row. */
  get dim(): number {
    return this.options.featureDim;
  }

  /** Rows cached so far and their size in bytes (every view of every image). */
  get size(): { rows: number; bytes: number } {
    return { rows: this.rows.size, bytes: this.rows.size * this.dim * 4 };
  }

  /** Releases the folded model and the engine (the cached rows stay readable). */
  async dispose(): Promise<void> {
    const runner = this.runner;
    this.runner = null;
    if (!runner) return;
    const { model, engine } = await runner;
    await engine?.dispose();
    if (model !== this.extractor) model.dispose();
  }

  /**
   * Clean rows computed elsewhere — the extract stage's features of the same frozen backbone (see
   * reusableFeatures) — taken as they are; returns how many were new to the cache.
   */
  adoptClean(rows: ReadonlyMap<string, Float32Array>): number {
    let added = 0;
    for (const [id, row] of rows) {
      if (row.length !== this.dim) throw new Error(`ProbeFeatureCache.adoptClean: image "${id}" has ${row.length} numbers, the cache's rows ${this.dim}`);
      const key = keyOf('clean', id);
      if (this.rows.has(key)) continue;
      this.rows.set(key, row);
      added++;
    }
    return added;
  }

  /** Un-augmented features, row-major [items × dim]. */
  async clean(items: readonly ImageBatchItem[]): Promise<Float32Array> {
    return this.view(items, 'clean');
  }

  /**
   * `count` weakly augmented views of every item (the clean view is not one of them). An item with its
   * own `views` count uses that many (cycled over the slots); `views: 0` means its clean features in
   * every slot — e.g. pseudo-labelled pool images, whose features were computed clean for scoring.
   * `level: 'strong'` gives strongly augmented views, cached apart from the weak ones.
   */
  async views(items: readonly (ImageBatchItem & { views?: number })[], count: number, level: AugmentLevel = 'weak'): Promise<FeatureViews> {
    const dim = this.dim;
    const per = items.map((item) => item.views ?? count);
    const clean = per.some((n) => n === 0) ? await this.clean(items.filter((_, i) => per[i] === 0)) : new Float32Array();
    const cleanRow = new Map<string, Float32Array>();
    items.filter((_, i) => per[i] === 0).forEach((item, k) => cleanRow.set(item.id, clean.subarray(k * dim, (k + 1) * dim)));
    const views: Float32Array[] = [];
    // An image is decoded and preprocessed once for all the views of this call, not once per view:
    // the views differ only in the augmentation drawn on top.
    const decoded = new Map<string, Promise<GreyImage>>();
    const loadOnce = (item: ImageBatchItem): Promise<GreyImage> => {
      let image = decoded.get(item.id);
      if (!image) {
        image = loadPreprocessed(item.path, this.options.preprocess);
        // A failure surfaces where the image is awaited; a cached copy left unawaited must not crash the process.
        image.catch(() => undefined);
        decoded.set(item.id, image);
      }
      return image;
    };
    for (let v = 0; v < count; v++) {
      const wanted = items.filter((_, i) => (per[i] as number) > 0 && v < (per[i] as number));
      const view: View = level === 'weak' ? v : { strong: v };
      await this.view(wanted, view, loadOnce);
      const out = new Float32Array(items.length * dim);
      items.forEach((item, i) => {
        const n = per[i] as number;
        out.set(n === 0 ? cleanRow.get(item.id)! : this.rows.get(keyOf(level === 'weak' ? v % n : { strong: v % n }, item.id))!, i * dim);
      });
      views.push(out);
    }
    return { dim, views, rowShape: this.rowShape };
  }

  /**
   * The frozen model only runs inference here: BatchNorm folded into its convolutions (the same
   * features to float rounding, much faster), and the engine built once for every batch of every view.
   */
  private run(): Promise<Runner> {
    this.runner ??= (async () => {
      const { logger, inference } = this.options;
      const model = foldForInference(this.tf, this.extractor, logger);
      if (!inference) return { model, engine: null };
      try {
        const engine = await createInferenceEngine(this.tf, model, { request: inference.request, threads: inference.threads, logger: logger ?? silentLogger });
        logger?.info(`${this.extractor.name}: frozen features on ${engine.description}`);
        return { model, engine };
      } catch (err) {
        if (model !== this.extractor) model.dispose();
        throw err;
      }
    })();
    return this.runner;
  }

  private async view(items: readonly ImageBatchItem[], view: View, load?: (item: ImageBatchItem) => Promise<GreyImage>): Promise<Float32Array> {
    const dim = this.dim;
    const key = (id: string): string => keyOf(view, id);
    const missing = items.filter((item) => !this.rows.has(key(item.id)));
    if (missing.length > 0) {
      const { progress, logger: _logger, inference: _inference, rowShape: _rowShape, ...rest } = this.options;
      const { model, engine } = await this.run();
      const label = view === 'clean' ? 'clean' : typeof view === 'number' ? `view ${view + 1}` : `strong view ${view.strong + 1}`;
      const bar = progress?.({ label: `backbone features (${label})`, total: missing.length, unit: 'img' });
      const values = await runOnImages(this.tf, model, missing.slice(), {
        ...rest,
        outputDim: dim,
        ...(view === 'clean' ? {} : { load: this.augmentedLoader(view, load) }),
        ...(bar ? { progress: bar } : {}),
        ...(engine ? { engine } : {}),
      });
      bar?.done();
      this.options.signal?.throwIfAborted();
      missing.forEach((item, i) => this.rows.set(key(item.id), values.slice(i * dim, (i + 1) * dim)));
    }
    const out = new Float32Array(items.length * dim);
    items.forEach((item, i) => out.set(this.rows.get(key(item.id))!, i * dim));
    return out;
  }

  private augmentedLoader(
    view: number | { strong: number },
    load: (item: ImageBatchItem) => Promise<GreyImage> = (item) => loadPreprocessed(item.path, this.options.preprocess),
  ): (item: ImageBatchItem) => Promise<GreyImage> {
    const weak = typeof view === 'number';
    const rng = this.options.rng.fork(weak ? `view-${view}` : `strong-view-${view.strong}`);
    const level: AugmentLevel = weak ? 'weak' : 'strong';
    return async (item) => augment(await load(item), level, rng.fork(item.id), this.options.strongAugment);
  }
}

/** The clean row, weak view v (a number, the keys of old), or strong view v. */
type View = 'clean' | number | { strong: number };

function keyOf(view: View, id: string): string {
  return `${typeof view === 'object' ? `strong${view.strong}` : view}\0${id}`;
}
