// The optional `features` input: the extract stage's features are a probe's clean features when they
// come from the same backbone, weights file and preprocessing — used as they are (the pool is not run
// through the backbone again), giving what computing them would; any mismatch leaves them unused.

import { promises as fs } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatureTable, ModelArtifact } from '@neuro-ssl/core';
import { IMAGENET_NORMALIZATION } from '@neuro-ssl/core/image';
import { featureExtractor, loadClassifier } from '@neuro-ssl/core/learn';
import { foldForInference, runOnImages } from '@neuro-ssl/core/models';
import { SYNTHETIC_PREPROCESS, runSslStage, syntheticSslData, type SyntheticSslData } from './__fixtures__/synthetic-ssl-run.js';
import { sslStage } from './ssl-stage.js';

let data: SyntheticSslData;
/** The fixture's probe model, as if its backbone's weights came from a file (the table must name the same one). */
let model: ModelArtifact;
let features: FeatureTable;
const WEIGHTS = { spec: 'weights.safetensors', path: '/weights.safetensors', sha256: 'a'.repeat(64), format: 'safetensors' as const };
const CONFIG = { evaluation: 'holdout', schedule: { type: 'linear', from: 0.6, to: 0.9, rounds: 2 }, epochs: 6, learningRate: 0.01, views: 2, batchSize: 8, bootstrap: 100 };

beforeAll(async () => {
  data = await syntheticSslData('ssl-features-');
  model = { ...data.model, meta: { ...data.model.meta, weights: WEIGHTS } };
  // What the extract stage writes: the backbone's pooled features (BatchNorm folded) of every image.
  const { model: classifier, meta } = await loadClassifier(data.tf, model);
  const extractor = foldForInference(data.tf, featureExtractor(data.tf, classifier));
  const dim = extractor.outputs[0]!.shape[1] as number;
  const images = data.dataset.images;
  const values = await runOnImages(data.tf, extractor, images.slice(), { preprocess: SYNTHETIC_PREPROCESS, normalization: IMAGENET_NORMALIZATION, batchSize: 5, concurrency: 2, outputDim: dim });
  extractor.dispose();
  classifier.dispose();
  features = {
    ids: images.map((r) => r.id),
    paths: images.map((r) => r.path),
    splits: images.map((r) => r.split),
    labels: images.map((r) => r.label),
    dim,
    values,
    meta: { backbone: meta.spec.backbone, width: meta.spec.width, imageSize: meta.spec.imageSize, normalization: IMAGENET_NORMALIZATION.name, weights: WEIGHTS, preprocess: SYNTHETIC_PREPROCESS, inference: 'tfjs' },
  };
}, 300_000);

afterAll(async () => {
  await fs.rm(data.dir, { recursive: true, force: true });
});

const run = (extra: { features?: FeatureTable }) => runSslStage(data, sslStage, CONFIG, { batchSize: 8, poolLabels: data.truthLabels, model, ...extra });
const reuseLine = (lines: string[]): string | undefined => lines.find((l) => l.includes('features: the extract stage'));

describe('ssl stage: the extract stage’s features', () => {
  it('are the probe’s clean features when they match: used as they are, with the results of computing them', async () => {
    const alone = await run({});
    const reused = await run({ features });
    expect(reuseLine(alone.lines)).toBeUndefined();
    expect(reuseLine(reused.lines)).toMatch(/features: the extract stage's features of 60 image\(s\) \(computed on tfjs\) are this backbone's clean features; the pool is not run again/);
    // The pool ran through the backbone in the run without them only.
    const clean = (bars: string[]): string[] => bars.filter((b) => b.startsWith('backbone features (clean)'));
    expect(clean(alone.bars)).toEqual(['backbone features (clean) (40)', 'backbone features (clean) (8)']);
    expect(clean(reused.bars)).toEqual([]);
    expect(reused.out.pseudoLabels).toEqual(alone.out.pseudoLabels);
    expect(reused.out.metrics).toEqual(alone.out.metrics);
  }, 300_000);

  it('are what the pool is scored on (other values, other pseudo-labels)', async () => {
    const alone = await run({});
    const shifted = { ...features, values: features.values.map((v, i) => (i % 2 ? v * 3 : 0)) };
    const reused = await run({ features: shifted });
    expect(reuseLine(reused.lines)).toMatch(/features of 60 image/);
    expect(reused.out.pseudoLabels).not.toEqual(alone.out.pseudoLabels);
  }, 300_000);

  it('are left unused, with the reason, for another weights file, another preprocessing, or a random backbone', async () => {
    const other = await run({ features: { ...features, meta: { ...features.meta, weights: { ...WEIGHTS, sha256: 'b'.repeat(64) }, preprocess: { ...SYNTHETIC_PREPROCESS, clahe: true } } } });
    expect(reuseLine(other.lines)).toMatch(
      new RegExp(`features: the extract stage's features are not used \\(not the same backbone and input: weights sha256 ${'b'.repeat(64)} ≠ ${'a'.repeat(64)}, preprocess .*"clahe":true.* ≠ .*"clahe":false.*\\)`),
    );
    const random = await runSslStage(data, sslStage, CONFIG, { batchSize: 8, poolLabels: data.truthLabels, features });
    expect(reuseLine(random.lines)).toMatch(/not used \(the backbone has no pretrained weights file \(random initialisation\)\)/);
    expect(other.out.pseudoLabels).toEqual(random.out.pseudoLabels);
  }, 300_000);
});
