import { describe, expect, it } from 'vitest';
import { loadTensorflow } from '../tf/runtime.js';
import { createRng } from '../util/rng.js';
import { seededInit } from './seeded-init.js';

describe('seededInit', () => {
  it('same seed, same weights; other seed, other weights; BN starts as identity', async () => {
    const { tf } = await loadTensorflow({ backend: 'cpu' });
    const build = () => {
      const input = tf.input({ shape: [8, 8, 3] });
      const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'c' }).apply(input) as import('@tensorflow/tfjs').SymbolicTensor;
      const bn = tf.layers.batchNormalization({ name: 'bn' }).apply(conv) as import('@tensorflow/tfjs').SymbolicTensor;
      return tf.model({ inputs: input, outputs: bn });
    };
    const weights = (m: import('@tensorflow/tfjs').LayersModel) => m.getWeights().map((w) => Array.from(w.dataSync()));
    const a = build();
    const b = build();
    const c = build();
    seededInit(tf, a, createRng(3));
    seededInit(tf, b, createRng(3));
    seededInit(tf, c, createRng(4));
    expect(weights(a)).toEqual(weights(b));
    expect(weights(a)[0]).not.toEqual(weights(c)[0]);
    const kernel = weights(a)[0]!;
    const std = Math.sqrt(kernel.reduce((s, v) => s + v * v, 0) / kernel.length);
    expect(std).toBeGreaterThan(0.18); // He-normal: sqrt(2 / 27) ≈ 0.27 expected, sample of 108
    expect(std).toBeLessThan(0.4);
    const gamma = a.getLayer('bn').getWeights()[0]!.dataSync();
    expect(Array.from(gamma)).toEqual([1, 1, 1, 1]);
    for (const m of [a, b, c]) m.dispose();
  });
});
