// The extract stage: DatasetIndex → FeatureTable (one row per readable image, labelled and unlabelled).

import { defineStage, type FeatureTable, type LayersModel } from '@neuro-ssl/core';
import {
  createInferenceEngine,
  foldForInference,
  resolveBackboneConfig,
  resolveWeights,
  runOnImages,
  seededInit,
  weightsFingerprint,
  weightsProblems,
  type InferenceEngine,
} from '@neuro-ssl/core/models';
import { extractConfigSchema, type ExtractConfig } from './extract-config.js';

export const extractStage = defineStage({
  name: '@neuro-ssl/stage-extract',
  version: '0.1.0',
  description: 'One feature vector per image from a CNN backbone (ImageNet weights, a file, or none).',
  configSchema: extractConfigSchema(),
  inputs: { dataset: 'DatasetIndex' },
  outputs: { features: 'FeatureTable' },

  // The weight file's content, not just its path, decides the features: put it in the cache key.
  fingerprint: (config: ExtractConfig, env) => weightsFingerprint(config, env.experimentDir),
  // A weights path that is not there fails --dry-run and the run before any stage starts.
  check: (config: ExtractConfig, env) => weightsProblems(config, env.experimentDir),

  async run(ctx, config: ExtractConfig, { dataset }) {
    const { definition, width, imageSize, normalization } = resolveBackboneConfig(config, dataset.preprocess.imageSize, ctx.logger);
    const { tf, backend } = await ctx.tf();
    const weights = await resolveWeights(definition, config.weights, { baseDir: ctx.experimentDir, logger: ctx.logger, progress: ctx.progress });
    const baseline = tf.memory().numTensors;
    let model: LayersModel = definition.build(tf, { imageSize, width });
    let engine: InferenceEngine | undefined;
    try {
      if (weights.source) await definition.loadWeights(tf, model, weights.source);
      else seededInit(tf, model, ctx.rng.fork('init'));
      // Inference only: BatchNorm merged into the convolutions — the same features to float rounding,
      // and on wasm much faster (BatchNorm is its slowest kernel there). The unfolded model is not needed after.
      const folded = foldForInference(tf, model, ctx.logger);
      if (folded !== model) {
        model.dispose();
        model = folded;
      }
      const featureDim = definition.featureDim({ imageSize, width });
      engine = await createInferenceEngine(tf, model, { request: ctx.runtime.inference, threads: ctx.runtime.threads, logger: ctx.logger });
      ctx.logger.info(
        `extracting ${definition.name} (width ${width}, ${imageSize}px, ${featureDim}-d, ${normalization.name} normalisation) on ${engine.description} for ${dataset.images.length} images`,
      );
      const bar = ctx.progress({ label: 'extract', total: dataset.images.length, unit: 'img' });
      const started = Date.now();
      const values = await runOnImages(tf, model, dataset.images, {
        engine,
        preprocess: { ...dataset.preprocess, imageSize },
        normalization,
        batchSize: config.batchSize ?? ctx.runtime.batchSize,
        concurrency: ctx.runtime.concurrency,
        outputDim: featureDim,
        progress: bar,
        signal: ctx.signal,
        // Memory over the run, in metrics.jsonl: it must stay flat however many images there are.
        onBatch: (done) => {
          const t = (Date.now() - started) / 1000;
          ctx.metric({ step: done, imagesPerSecond: done / t, rssMB: Math.round(process.memoryUsage().rss / 2 ** 20), tensors: tf.memory().numTensors });
        },
      });
      bar.done();
      const features: FeatureTable = {
        ids: dataset.images.map((r) => r.id),
        paths: dataset.images.map((r) => r.path),
        splits: dataset.images.map((r) => r.split),
        labels: dataset.images.map((r) => r.label),
        dim: featureDim,
        values,
        meta: {
          backbone: definition.name,
          width,
          imageSize,
          normalization: normalization.name,
          weights: weights.identity,
          backend,
          inference: engine.name,
          preprocess: { ...dataset.preprocess, imageSize },
          // Class names travel with the features: a consumer (the cluster stage's legends) needs no other input.
          classes: { ...dataset.classes },
        },
      };
      return { features };
    } finally {
      await engine?.dispose();
      model.dispose();
      const leaked = tf.memory().numTensors - baseline;
      if (leaked !== 0) ctx.logger.warn(`extract: ${leaked} tensor(s) still allocated after the stage`);
    }
  },
});
