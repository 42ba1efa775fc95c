// A Model artifact as the train stage writes it, built the same way at test size: a seeded random
// backbone (resnet18 width 0.125, 32 px) whose linear head is trained in probe mode on the labelled
// training split, calibrated on the validation split, saved with its ClassifierMeta.

import path from 'node:path';
import { createRng, silentLogger, type DatasetIndex, type ModelArtifact, type PreprocessConfig, type Tf } from '@neuro-ssl/core';
import { IMAGENET_NORMALIZATION } from '@neuro-ssl/core/image';
import { CLASSIFIER_KIND, DEFAULT_CHECKPOINT_RULE, ProbeFeatureCache, attachHead, buildBackbone, calibrate, featureExtractor, saveModelFolder, trainClassifier, type ClassifierMeta, type ClassifierSpec } from '@neuro-ssl/core/learn';
import { seededInit } from '@neuro-ssl/core/models';

export const SPEC: ClassifierSpec = { backbone: 'resnet18', width: 0.125, imageSize: 32, head: { type: 'linear', hidden: 0, dropout: 0 } };

/** Per class, sorted ids: the first `trainPerClass` train, the rest validate. */
export function fixedSplit(dataset: DatasetIndex, trainPerClass: number): { train: string[]; validation: string[] } {
  const train: string[] = [];
  const validation: string[] = [];
  for (const label of [0, 1]) {
    const ids = dataset.images.filter((r) => r.split === 'labelled' && r.label === label).map((r) => r.id).sort();
    train.push(...ids.slice(0, trainPerClass));
    validation.push(...ids.slice(trainPerClass));
  }
  return { train, validation };
}

export async function writeSupervisedModel(
  tf: Tf,
  options: { dir: string; dataset: DatasetIndex; preprocess: PreprocessConfig; trainPerClass: number; epochs: number; seed: number },
): Promise<ModelArtifact> {
  const { dataset, preprocess } = options;
  const records = new Map(dataset.images.map((r) => [r.id, r]));
  const split = fixedSplit(dataset, options.trainPerClass);
  const backbone = buildBackbone(tf, SPEC);
  seededInit(tf, backbone, createRng(options.seed));
  const classifier = attachHead(tf, backbone, SPEC);
  const probe = new ProbeFeatureCache(tf, featureExtractor(tf, classifier), {
    preprocess,
    normalization: IMAGENET_NORMALIZATION,
    batchSize: 8,
    concurrency: 2,
    featureDim: 64,
    rng: createRng(options.seed + 1),
  });
  const settings = { epochs: options.epochs, learningRate: 0.05, loss: { posWeight: 1 }, weightDecay: 0, augment: null, views: 2, batchSize: 8 };
  const validation = split.validation.map((id) => ({ id, path: records.get(id)!.path, label: records.get(id)!.label }));
  const trained = await trainClassifier(tf, {
    spec: SPEC,
    classifier,
    settings: { mode: 'probe', ...settings },
    preprocess,
    normalization: IMAGENET_NORMALIZATION,
    concurrency: 2,
    train: split.train.map((id) => ({ id, path: records.get(id)!.path, target: records.get(id)!.label })),
    validation,
    evaluation: { threshold: 0.5, beta: 2, eceBins: 15 },
    checkpoint: DEFAULT_CHECKPOINT_RULE,
    checkpointDir: path.join(options.dir, 'checkpoints'),
    resumeKey: 'fixture',
    rng: createRng(options.seed + 2),
    logger: silentLogger,
    initHead: true,
    probe,
  });
  const c = calibrate(
    validation.map((v) => v.label),
    trained.validationLogits,
    { threshold: { rule: 'fixed', value: 0.5 }, beta: 2, eceBins: 15, temperature: true },
  );
  const modelDir = path.join(options.dir, 'model');
  await saveModelFolder(tf, classifier, modelDir);
  trained.optimizer.dispose();
  classifier.dispose();
  const meta: ClassifierMeta = {
    kind: CLASSIFIER_KIND,
    spec: SPEC,
    mode: 'probe',
    preprocess,
    normalization: IMAGENET_NORMALIZATION,
    classes: dataset.classes,
    temperature: c.temperature,
    threshold: c.threshold,
    beta: 2,
    epoch: trained.bestEpoch,
    metrics: { ...c.calibrated },
    split,
    weights: null,
    backend: 'cpu',
    seed: options.seed,
    training: { settings, checkpoint: DEFAULT_CHECKPOINT_RULE, calibration: { threshold: { rule: 'fixed', value: 0.5 }, temperature: true } },
  };
  return { dir: modelDir, meta: { ...meta } };
}
