// The backbone a cross-validated arm starts from: the weights the train stage started from, never
// the ones it trained — those saw labels of images that a fold holds out. A probe's backbone never
// trains, so the input model's own is the pretrained one; otherwise the weights are loaded again from
// where the Model's meta says they came from (checked against their sha256).

import type { LayersModel, Logger, Rng, Tf } from '@neuro-ssl/core';
import { attachHead, buildBackbone, type ClassifierMeta } from '@neuro-ssl/core/learn';
import { getBackbone, loadWeightSource, seededInit, sha256Of } from '@neuro-ssl/core/models';

export async function pretrainedClassifier(tf: Tf, meta: ClassifierMeta, rng: Rng, logger: Logger): Promise<LayersModel> {
  const backbone = buildBackbone(tf, meta.spec);
  const weights = meta.weights;
  if (weights && weights.path && weights.format !== 'none') {
    if (weights.sha256) {
      const sha = await sha256Of(weights.path);
      if (sha !== weights.sha256) {
        backbone.dispose();
        throw new Error(`the input model's starting weights ${weights.path} have changed since training (sha256 ${sha}, the model says ${weights.sha256}): evaluation: cv needs them to train its folds from the same start`);
      }
    }
    await getBackbone(meta.spec.backbone).loadWeights(tf, backbone, await loadWeightSource(weights.path, weights.spec));
  } else {
    logger.debug(`weights: none — the folds start from a seeded random ${meta.spec.backbone} of their own`);
    seededInit(tf, backbone, rng);
  }
  return attachHead(tf, backbone, meta.spec);
}
