// FixMatch and FlexMatch's shared arm: what is trained on which rows in each mode, then one
// consistency training (consistency-training.ts). Probe: the head alone, on the frozen backbone's
// cached features — K weak and K strong views per pool image computed once, weak views of the labelled
// images — and copied back into the classifier. finetune and partial: the classifier itself (the
// layers its mode trains) on images decoded and augmented at every step.

import type { LayersModel, Tensor } from '@neuro-ssl/core';
import { buildHead, copyHeadWeights, setTrainable } from '@neuro-ssl/core/learn';
import { partialSplit, runOnImages } from '@neuro-ssl/core/models';
import type { ProbeFeatureCache } from '@neuro-ssl/core/learn';
import { cachedFeatureViews, onTheFlyImageViews, type ConsistencyViews } from './consistency-views.js';
import { trainConsistency } from './consistency-training.js';
import type { ArmContext, ArmResult } from './ssl-algorithm.js';
import type { ThresholdPolicy } from './threshold-policy.js';

/** The options FixMatch and FlexMatch share (their YAML blocks). */
export interface ConsistencyOptions {
  /** τ on the confidence max(p, 1 − p). */
  threshold: number;
  /** λu. */
  unlabelledWeight: number;
  /** μ. */
  ratio: number;
  distributionAlignment: boolean;
  /** Decay of the weights' moving average; null: none. */
  ema: number | null;
  /** Probe: weak and strong views cached per pool image (each). */
  views: number;
}

export async function trainConsistencyArm(ctx: ArmContext, o: ConsistencyOptions, policy: ThresholdPolicy): Promise<ArmResult> {
  const { tf, probe, settings } = ctx;
  const common = {
    labelledTargets: ctx.labelled.map((t) => t.target),
    poolSize: ctx.pool.length,
    batchSize: settings.batchSize,
    ratio: o.ratio,
    epochs: settings.epochs,
    learningRate: settings.learningRate,
    weightDecay: settings.weightDecay,
    posWeight: settings.posWeight,
    unlabelledWeight: o.unlabelledWeight,
    policy,
    temperature: ctx.temperature,
    alignPrior: o.distributionAlignment ? ctx.prior : null,
    ema: o.ema,
    validationLabels: ctx.validation.map((v) => v.label),
    evaluation: ctx.evaluation,
    checkpoint: ctx.checkpoint,
    checkpointDir: ctx.checkpointDir,
    resumeKey: ctx.resumeKey,
    rng: ctx.rng,
    logger: ctx.logger,
    ...(ctx.truth ? { truth: ctx.truth } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
    ...(ctx.onEpoch ? { onEpoch: ctx.onEpoch } : {}),
  };
  const finish = (r: Awaited<ReturnType<typeof trainConsistency>>): ArmResult => ({
    bestEpoch: r.bestEpoch,
    history: r.history,
    validationLogits: r.validationLogits,
    pseudoLabels: { labels: r.lastPseudoLabels, confidences: r.lastConfidences },
  });

  // Cached rows (probe: features; partial: trunk output) and the model that trains on them.
  const onCache = async (cache: ProbeFeatureCache, model: LayersModel): Promise<ArmResult> => {
    const views: ConsistencyViews = cachedFeatureViews({
      labelled: await cache.views(ctx.labelled, settings.views),
      labelledCount: ctx.labelled.length,
      weak: await cache.views(ctx.pool, o.views, 'weak'),
      strong: await cache.views(ctx.pool, o.views, 'strong'),
      poolSize: ctx.pool.length,
      rowShape: cache.rowShape,
    });
    const validationRows = await cache.clean(ctx.validation);
    const validate = async (): Promise<Float32Array> => {
      const n = ctx.validation.length;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i += settings.batchSize) {
        const k = Math.min(settings.batchSize, n - i);
        const logits = tf.tidy(() => model.predict(tf.tensor(validationRows.subarray(i * cache.dim, (i + k) * cache.dim), [k, ...cache.rowShape])) as Tensor);
        out.set((await logits.data()) as Float32Array, i);
        logits.dispose();
      }
      return out;
    };
    return finish(await trainConsistency(tf, { ...common, model, views, validate }));
  };

  if (ctx.mode === 'probe') {
    if (!probe) throw new Error('consistency training: probe mode needs a ProbeFeatureCache');
    const head = buildHead(tf, probe.dim, ctx.spec.head);
    try {
      copyHeadWeights(ctx.classifier, head);
      const result = await onCache(probe, head);
      copyHeadWeights(head, ctx.classifier);
      return result;
    } finally {
      head.dispose();
    }
  }

  setTrainable(ctx.classifier, ctx.spec.backbone, ctx.mode, 'batch');
  if (ctx.mode === 'partial' && ctx.trunk) {
    // The top applies the classifier's own layers: what it learns is the classifier's weights.
    const { top, cutShape } = partialSplit(tf, ctx.classifier, ctx.spec.backbone);
    try {
      if (cutShape.join(',') !== ctx.trunk.rowShape.join(',')) throw new Error(`consistency training: the trunk cache holds rows [${ctx.trunk.rowShape.join(', ')}], but the partial-mode cut is [${cutShape.join(', ')}]`);
      return await onCache(ctx.trunk, top);
    } finally {
      top.dispose();
    }
  }

  const views = onTheFlyImageViews(ctx.labelled, ctx.pool, {
    preprocess: ctx.preprocess,
    normalization: ctx.normalization,
    concurrency: ctx.concurrency,
    ...(settings.strongAugment ? { strongAugment: settings.strongAugment } : {}),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const validate = (): Promise<Float32Array> =>
    runOnImages(tf, ctx.classifier, ctx.validation.slice(), {
      preprocess: ctx.preprocess,
      normalization: ctx.normalization,
      batchSize: settings.batchSize,
      concurrency: ctx.concurrency,
      outputDim: 1,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  return finish(await trainConsistency(tf, { ...common, model: ctx.classifier, views, validate }));
}
