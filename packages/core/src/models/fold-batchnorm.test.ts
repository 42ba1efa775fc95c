import type { io, LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../progress/logger.js';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { attachHead, initHead, type ClassifierSpec } from '../training/classifier.js';
import { createRng, type Rng } from '../util/rng.js';
import { FoldBatchNormError, foldBatchNorm, foldBatchNormReport, foldForInference } from './fold-batchnorm.js';
import { getBackbone } from './registry.js';
import { seededInit } from './seeded-init.js';

let tf: Tf;
beforeAll(async () => {
  ({ tf } = await loadTensorflow({ backend: 'cpu' }));
});

const BN = 'BatchNormalization';
const countBn = (m: LayersModel): number => m.layers.filter((l) => l.getClassName() === BN).length;

/** seededInit, then BatchNorm statistics and affine parameters far from the identity. */
function randomise(model: LayersModel, rng: Rng): void {
  seededInit(tf, model, rng.fork('init'));
  for (const layer of model.layers) {
    if (layer.getClassName() !== BN) continue;
    const values = layer.weights.map((w) => {
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const n = w.shape[0] as number;
      const data = Float32Array.from({ length: n }, () => {
        if (role === 'gamma') return 0.5 + rng.next();
        if (role === 'moving_variance') return 0.5 + 1.5 * rng.next();
        return 0.2 * rng.normal(); // beta, moving_mean
      });
      return tf.tensor1d(data);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

function snapshot(model: LayersModel): Map<string, number[]> {
  return new Map(model.weights.map((w) => [w.name, Array.from(w.read().dataSync())]));
}

function predict(model: LayersModel, x: Tensor): Float32Array {
  const y = model.predict(x) as Tensor;
  const data = y.dataSync() as Float32Array;
  y.dispose();
  return data;
}

/** max |a − b| / max |a|. */
function relativeDiff(a: Float32Array, b: Float32Array): number {
  expect(b.length).toBe(a.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  expect(scale).toBeGreaterThan(0);
  return diff / scale;
}

const BACKBONES = [
  { name: 'resnet18', width: 0.125 },
  { name: 'efficientnet_b0', width: 0.25 },
  { name: 'mobilenet_v2', width: 0.35 },
] as const;

describe('foldBatchNorm', () => {
  for (const { name, width } of BACKBONES) {
    it(`${name} (width ${width}): same features, no BatchNorm left, the original untouched, no leak`, () => {
      const model = getBackbone(name).build(tf, { imageSize: 32, width });
      randomise(model, createRng(11));
      const x = tf.randomUniform([3, 32, 32, 3], -2, 2, 'float32', 5);
      const before = snapshot(model);
      const reference = predict(model, x);
      const bnCount = countBn(model);
      expect(bnCount).toBeGreaterThan(0);
      const tensors = tf.memory().numTensors;

      const report = foldBatchNormReport(tf, model);
      const folded = report.model;
      expect(report.folded).toHaveLength(bnCount);
      expect(report.kept).toEqual([]);
      expect(countBn(folded)).toBe(0);
      expect(folded.layers).toHaveLength(model.layers.length - bnCount);
      expect(folded.inputs.map((t) => t.shape)).toEqual(model.inputs.map((t) => t.shape));
      expect(folded.outputs.map((t) => t.shape)).toEqual(model.outputs.map((t) => t.shape));
      // Nothing shared: every weight of the folded model is a variable of its own.
      const originalVars = new Set(model.weights.map((w) => w.read()));
      expect(folded.weights.some((w) => originalVars.has(w.read()))).toBe(false);

      const out = predict(folded, x);
      expect(relativeDiff(reference, out)).toBeLessThan(1e-4);
      expect(snapshot(model)).toEqual(before);

      folded.dispose();
      expect(tf.memory().numTensors).toBe(tensors);
      expect(predict(model, x)).toEqual(reference);
      expect(snapshot(model)).toEqual(before);
      x.dispose();
      model.dispose();
    });
  }

  it('folds the classifier (backbone + MLP head with dropout), also loaded from disk, and predicts the same logits', async () => {
    const spec: ClassifierSpec = { backbone: 'mobilenet_v2', width: 0.35, imageSize: 32, head: { type: 'mlp', hidden: 8, dropout: 0.3 } };
    const backbone = getBackbone(spec.backbone).build(tf, { imageSize: spec.imageSize, width: spec.width });
    randomise(backbone, createRng(3));
    const classifier = attachHead(tf, backbone, spec);
    initHead(tf, classifier, createRng(4));
    const x = tf.randomUniform([4, 32, 32, 3], -1, 1, 'float32', 9);
    const reference = predict(classifier, x);
    const tensors = tf.memory().numTensors;
    const folded = foldBatchNorm(tf, classifier);
    expect(countBn(folded)).toBe(0);
    expect(folded.layers.filter((l) => l.name.startsWith('head_')).map((l) => l.getClassName())).toEqual(['Dense', 'Dropout', 'Dense']);
    expect(relativeDiff(reference, predict(folded, x))).toBeLessThan(1e-4);
    folded.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(predict(classifier, x)).toEqual(reference);

    // The same classifier saved and loaded back (what `runner predict` folds).
    let artifacts: io.ModelArtifacts | undefined;
    await classifier.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
    const report = foldBatchNormReport(tf, loaded);
    expect(report.folded).toHaveLength(countBn(classifier));
    expect(relativeDiff(reference, predict(report.model, x))).toBeLessThan(1e-4);
    report.model.dispose();
    loaded.dispose();
    x.dispose();
    classifier.dispose();
  });

  it('folds conv biases and depth multipliers; keeps a BatchNorm it cannot fold and says why', () => {
    const L = tf.layers;
    const input = tf.input({ shape: [6, 6, 2], name: 'in' });
    const a = L.conv2d({ filters: 3, kernelSize: 3, padding: 'same', useBias: true, biasInitializer: 'randomNormal', name: 'biased' }).apply(input) as SymbolicTensor;
    const aBn = L.batchNormalization({ name: 'biased_bn', epsilon: 0.01 }).apply(a) as SymbolicTensor;
    const d = L.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'valid', name: 'dw' }).apply(aBn) as SymbolicTensor;
    const dBn = L.batchNormalization({ name: 'dw_bn' }).apply(d) as SymbolicTensor;
    // Conv output also read by the Add: BN must stay.
    const c = L.conv2d({ filters: 6, kernelSize: 1, name: 'shared_out' }).apply(dBn) as SymbolicTensor;
    const cBn = L.batchNormalization({ name: 'shared_out_bn' }).apply(c) as SymbolicTensor;
    const sum = L.add({ name: 'sum' }).apply([c, cBn]) as SymbolicTensor;
    // Conv with an activation: BN after it must stay.
    const r = L.conv2d({ filters: 4, kernelSize: 1, activation: 'relu', name: 'with_relu' }).apply(sum) as SymbolicTensor;
    const rBn = L.batchNormalization({ name: 'after_relu_bn' }).apply(r) as SymbolicTensor;
    // A layer applied twice (shared weights).
    const shared = L.conv2d({ filters: 4, kernelSize: 1, name: 'twice' });
    const t1 = shared.apply(rBn) as SymbolicTensor;
    const t2 = shared.apply(t1) as SymbolicTensor;
    const out = L.globalAveragePooling2d({ name: 'pool' }).apply(t2) as SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [out, dBn], name: 'toy' });
    randomise(model, createRng(8));
    model.getLayer('biased').setWeights([model.getLayer('biased').getWeights()[0]!, tf.tensor1d([0.5, -1, 2])]);

    const x = tf.randomNormal([2, 6, 6, 2], 0, 1, 'float32', 1);
    const ref = model.predict(x) as Tensor[];
    const report = foldBatchNormReport(tf, model);
    expect(report.folded).toEqual([
      { batchNorm: 'biased_bn', conv: 'biased' },
      { batchNorm: 'dw_bn', conv: 'dw' },
    ]);
    expect(report.kept.map((k) => k.batchNorm)).toEqual(['shared_out_bn', 'after_relu_bn']);
    expect(report.kept[0]!.reason).toMatch(/also read elsewhere/);
    expect(report.kept[1]!.reason).toMatch(/activation relu/);
    const got = report.model.predict(x) as Tensor[];
    expect(got).toHaveLength(2);
    for (let i = 0; i < 2; i++) expect(relativeDiff(ref[i]!.dataSync() as Float32Array, got[i]!.dataSync() as Float32Array)).toBeLessThan(1e-5);
    // The layer applied twice stays one layer (one set of weights).
    expect(report.model.layers.filter((l) => l.name === 'twice')).toHaveLength(1);
    tf.dispose([x, ...ref, ...got]);
    report.model.dispose();
    model.dispose();
  });

  it('names a layer it cannot rebuild; foldForInference then runs the original and warns', () => {
    const inner = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'inner_dense' })], name: 'inner' });
    const input = tf.input({ shape: [3], name: 'in' });
    const model = tf.model({ inputs: input, outputs: inner.apply(input) as SymbolicTensor, name: 'nested' });
    const tensors = tf.memory().numTensors;
    expect(() => foldBatchNorm(tf, model)).toThrow(FoldBatchNormError);
    expect(() => foldBatchNorm(tf, model)).toThrow(/layer "inner".*nested model/);
    expect(tf.memory().numTensors).toBe(tensors);
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sinks: [(level, line) => lines.push(`${level} ${line}`)] });
    expect(foldForInference(tf, model, logger)).toBe(model);
    expect(lines).toEqual([expect.stringMatching(/^warn .*nested model.*without BatchNorm folding/)]);
    model.dispose();
  });

  it('foldForInference logs how many layers it folded, and returns the model itself when there is nothing to fold', () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', sinks: [(level, line) => lines.push(`${level} ${line}`)] });
    const model = getBackbone('resnet18').build(tf, { imageSize: 32, width: 0.125 });
    const folded = foldForInference(tf, model, logger);
    expect(folded).not.toBe(model);
    expect(lines).toEqual([`debug BatchNorm folding: 20 BatchNormalization layer(s) of resnet18 merged into their convolutions`]);
    folded.dispose();
    model.dispose();

    const input = tf.input({ shape: [3] });
    const plain = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(input) as SymbolicTensor });
    const tensors = tf.memory().numTensors;
    expect(foldForInference(tf, plain, logger)).toBe(plain);
    expect(tf.memory().numTensors).toBe(tensors);
    plain.dispose();
  });
});
