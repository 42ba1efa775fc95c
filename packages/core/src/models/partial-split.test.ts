import { beforeAll, describe, expect, it } from 'vitest';
import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { attachHead, buildBackbone, initHead, type ClassifierSpec } from '../training/classifier.js';
import { createRng } from '../util/rng.js';
import { PartialSplitError, partialSplit } from './partial-split.js';
import { seededInit } from './seeded-init.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
});

/** Small seeded classifiers, BatchNorm statistics away from identity so the trunk's BN mode matters. */
function classifierOf(backbone: string, width: number): LayersModel {
  const spec: ClassifierSpec = { backbone, width, imageSize: 32, head: { type: 'mlp', hidden: 8, dropout: 0 } };
  const model = buildBackbone(tf, spec);
  seededInit(tf, model, createRng(11));
  const rng = createRng(12);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    layer.setWeights(layer.getWeights().map((w, i) => tf.tensor(Float32Array.from({ length: w.size }, () => (i === 3 ? 0.5 + rng.next() : 0.2 * (rng.next() - 0.5) + (i === 0 ? 1 : 0))), w.shape)));
  }
  const classifier = attachHead(tf, model, spec);
  initHead(tf, classifier, rng.fork('head'));
  return classifier;
}

const CASES: [string, number, number[], string][] = [
  ['mobilenet_v2', 0.35, [1, 1, 56], 'block_16_expand'],
  ['resnet18', 0.125, [2, 2, 32], 'layer4_0_conv1_pad'],
  ['resnet34', 0.125, [2, 2, 32], 'layer4_0_conv1_pad'],
  ['efficientnet_b0', 0.25, [1, 1, 48], 'features_7_0_block_0_0'],
];

describe('partialSplit', () => {
  it.each(CASES)('%s: top(trunk(x)) equals the classifier, cut before the last stage', (backbone, width, cutShape, first) => {
    const classifier = classifierOf(backbone, width);
    const { trunk, top, cutShape: shape, firstTrainable } = partialSplit(tf, classifier, backbone);
    expect(shape).toEqual(cutShape);
    expect(firstTrainable).toBe(first);
    const x = tf.randomUniform([3, 32, 32, 3], -1, 1, 'float32', 5);
    const whole = (classifier.predict(x) as Tensor).dataSync();
    const cut = trunk.predict(x) as Tensor;
    expect(cut.shape).toEqual([3, ...cutShape]);
    const split = (top.predict(cut) as Tensor).dataSync();
    expect(split.length).toBe(3);
    for (let i = 0; i < 3; i++) expect(Math.abs((split[i] as number) - (whole[i] as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(whole[i] as number)));
    // The top holds the classifier's own weights: a change through one is seen by the other.
    const head = top.getLayer('head_logit');
    expect(head).toBe(classifier.getLayer('head_logit'));
    tf.dispose([x, cut]);
    classifier.dispose();
  });

  it('names the layer when a skip connection crosses the cut', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const a = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'a' }).apply(input) as SymbolicTensor;
    const b = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'b' }).apply(a) as SymbolicTensor;
    const e = tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'block_16_expand' }).apply(b) as SymbolicTensor;
    const sum = tf.layers.add({ name: 'block_16_add' }).apply([e, a]) as SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: sum, name: 'crossing' });
    expect(() => partialSplit(tf, model, 'mobilenet_v2')).toThrow(PartialSplitError);
    expect(() => partialSplit(tf, model, 'mobilenet_v2')).toThrow(/"block_16_add" reads "a" from the trunk besides the cut "b"/);
    model.dispose();
  });
});
