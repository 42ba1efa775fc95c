import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTensorflow } from '../../tf/runtime.js';
import type { Tf } from '../../tf/types.js';
import { buildEfficientNetB0, efficientnetB0Config, efficientnetB0FeatureDim, makeDivisible } from './efficientnet.js';
import { efficientnetB0 } from './index.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
});

/** Deterministic pseudo-random floats in [-1, 1). */
function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) / 2 ** 32) * 2 - 1;
  });
}

/** Reference PyTorch conv2d (NCHW semantics on NHWC data): symmetric zero padding (k-1)/2, given stride, groups 1 or depthwise. */
function torchConv(x: Float32Array, [n, h, w, c]: number[], kernel: Float32Array, k: number, stride: number, outC: number, depthwise: boolean): { data: Float32Array; shape: number[] } {
  const pad = (k - 1) >> 1;
  const oh = Math.floor((h! + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w! + 2 * pad - k) / stride) + 1;
  const out = new Float32Array(n! * oh * ow * outC);
  for (let b = 0; b < n!; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let o = 0; o < outC; o++) {
          let acc = 0;
          for (let ky = 0; ky < k; ky++)
            for (let kx = 0; kx < k; kx++) {
              const iy = oy * stride - pad + ky;
              const ix = ox * stride - pad + kx;
              if (iy < 0 || ix < 0 || iy >= h! || ix >= w!) continue;
              const base = ((b * h! + iy) * w! + ix) * c!;
              if (depthwise) acc += x[base + o]! * kernel[(ky * k + kx) * c! + o]!; // [k, k, C, 1]
              else for (let i = 0; i < c!; i++) acc += x[base + i]! * kernel[((ky * k + kx) * c! + i) * outC + o]!; // [k, k, I, O]
            }
          out[((b * oh + oy) * ow + ox) * outC + o] = acc;
        }
  return { data: out, shape: [n!, oh, ow, outC] };
}

describe('efficientnet_b0 configuration', () => {
  it('follows torchvision _make_divisible', () => {
    expect(makeDivisible(32)).toBe(32);
    expect(makeDivisible(4)).toBe(8);
    expect(makeDivisible(10)).toBe(16); // 8 would be more than 10% below 10
    expect(makeDivisible(28)).toBe(32);
    expect(makeDivisible(80)).toBe(80);
    expect(makeDivisible(16 * 6)).toBe(96);
  });

  it('has torchvision b0 channels at width 1', () => {
    const c = efficientnetB0Config(1);
    expect(c.stemChannels).toBe(32);
    expect(c.headChannels).toBe(1280);
    expect(c.blocks).toHaveLength(16);
    expect(c.blocks.map((b) => b.path)).toEqual([
      'features.1.0',
      ...['features.2.0', 'features.2.1', 'features.3.0', 'features.3.1'],
      ...['features.4.0', 'features.4.1', 'features.4.2', 'features.5.0', 'features.5.1', 'features.5.2'],
      ...['features.6.0', 'features.6.1', 'features.6.2', 'features.6.3', 'features.7.0'],
    ]);
    const first = c.blocks[0]!;
    expect(first).toMatchObject({ inputChannels: 32, expandedChannels: 32, squeezeChannels: 8, outChannels: 16, expand: false, residual: false });
    // SE squeeze channels come from the block input (16 // 4), not the expanded 96 channels.
    expect(c.blocks[1]).toMatchObject({ inputChannels: 16, expandedChannels: 96, squeezeChannels: 4, outChannels: 24, stride: 2, residual: false });
    expect(c.blocks[2]).toMatchObject({ inputChannels: 24, expandedChannels: 144, squeezeChannels: 6, stride: 1, residual: true });
    expect(c.blocks.filter((b) => b.residual)).toHaveLength(9);
    expect(efficientnetB0FeatureDim()).toBe(1280);
    expect(efficientnetB0.featureDim({ imageSize: 224 })).toBe(1280);
  });

  it('keeps small widths valid (multiples of 8, at least 8)', () => {
    const c = efficientnetB0Config(0.25);
    expect(c.stemChannels).toBe(8);
    expect(c.headChannels).toBe(320);
    for (const b of c.blocks) {
      for (const ch of [b.inputChannels, b.expandedChannels, b.outChannels]) expect(ch % 8).toBe(0);
      expect(b.squeezeChannels).toBeGreaterThanOrEqual(1);
    }
    expect(efficientnetB0.featureDim({ imageSize: 64, width: 0.25 })).toBe(320);
    expect(() => efficientnetB0Config(0)).toThrow(RangeError);
    expect(() => buildEfficientNetB0(tf, { imageSize: 0 })).toThrow(RangeError);
  });
});

describe('buildEfficientNetB0', () => {
  it('maps [N, s, s, 3] to [N, featureDim]', () => {
    for (const imageSize of [32, 45, 64]) {
      const model = efficientnetB0.build(tf, { imageSize, width: 0.25 });
      expect(model.inputs[0]!.shape).toEqual([null, imageSize, imageSize, 3]);
      expect(model.outputs[0]!.shape).toEqual([null, 320]);
      const before = tf.memory().numTensors;
      const y = tf.tidy(() => model.predict(tf.tensor4d(noise(2 * imageSize * imageSize * 3, imageSize), [2, imageSize, imageSize, 3])) as Tensor);
      expect(y.shape).toEqual([2, 320]);
      expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
      y.dispose();
      expect(tf.memory().numTensors).toBe(before);
      model.dispose();
    }
  });

  it('has exactly torchvision efficientnet_b0 parameters without the classifier at width 1', () => {
    const model = buildEfficientNetB0(tf, { imageSize: 32 });
    const size = (shape: readonly (number | null)[]): number => shape.reduce<number>((a, d) => a * (d ?? 1), 1);
    const trainable = model.trainableWeights.reduce((a, w) => a + size(w.shape), 0);
    // torchvision: 5,288,548 parameters − classifier 1280×1000 + 1000 = 4,007,548
    expect(trainable).toBe(4_007_548);
    // plus BatchNorm running mean/var (buffers in PyTorch): 2 × 21,008 channels
    expect(model.countParams()).toBe(4_007_548 + 2 * 21_008);
    expect(model.outputs[0]!.shape).toEqual([null, 1280]);
    model.dispose();
  });

  it('names layers after torchvision modules, with PyTorch BatchNorm settings', () => {
    const model = buildEfficientNetB0(tf, { imageSize: 32, width: 0.25 });
    const cls = (name: string): string => model.getLayer(name).getClassName();
    expect(cls('features_0_0')).toBe('Conv2D');
    expect(cls('features_0_1')).toBe('BatchNormalization');
    expect(cls('features_1_0_block_0_0')).toBe('DepthwiseConv2D');
    expect(cls('features_1_0_block_1_fc1')).toBe('Conv2D');
    expect(cls('features_1_0_block_2_0')).toBe('Conv2D');
    expect(cls('features_2_0_block_0_0')).toBe('Conv2D');
    expect(cls('features_2_0_block_1_0')).toBe('DepthwiseConv2D');
    expect(cls('features_2_0_block_2_fc2')).toBe('Conv2D');
    expect(cls('features_2_0_block_3_1')).toBe('BatchNormalization');
    expect(cls('features_8_0')).toBe('Conv2D');
    const weighted = model.layers.filter((l) => l.weights.length > 0).map((l) => l.name);
    for (const name of weighted) expect(name).toMatch(/^features_\d+(_\d+)*(_block_\d+(_\d+|_fc[12]))?$/);
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      expect(layer.getConfig()).toMatchObject({ epsilon: 1e-5, momentum: 0.9, axis: -1 });
    }
    model.dispose();
  });

  it('pads stride-2 convs symmetrically like PyTorch (not TF "same")', () => {
    const model: LayersModel = buildEfficientNetB0(tf, { imageSize: 32, width: 0.25 });
    // stem 3×3 s2 conv and a 5×5 s2 depthwise conv, on even and odd input sizes
    const cases = [
      { conv: 'features_0_0', k: 3, inC: 3, depthwise: false },
      { conv: 'features_3_0_block_1_0', k: 5, inC: efficientnetB0Config(0.25).blocks[3]!.expandedChannels, depthwise: true },
    ];
    for (const { conv, k, inC, depthwise } of cases) {
      for (const side of [8, 9]) {
        const shape = [2, side, side, inC];
        const x = noise(shape.reduce((a, b) => a * b), side + k);
        const kernel = model.getLayer(conv).getWeights()[0]!;
        const outC = depthwise ? inC : kernel.shape[3]!;
        const want = torchConv(x, shape, kernel.dataSync() as Float32Array, k, 2, outC, depthwise);
        const got = tf.tidy(() => {
          const t = tf.tensor4d(x, shape as [number, number, number, number]);
          const padded = model.getLayer(`${conv}_pad`).apply(t) as Tensor;
          return model.getLayer(conv).apply(padded) as Tensor;
        });
        expect(got.shape).toEqual(want.shape);
        const g = got.dataSync();
        let maxDiff = 0;
        for (let i = 0; i < g.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i]! - want.data[i]!));
        expect(maxDiff).toBeLessThan(1e-5);
        got.dispose();
      }
    }
    model.dispose();
  });

  it('training mode uses batch statistics (BatchNorm layers are live)', () => {
    const model = buildEfficientNetB0(tf, { imageSize: 32, width: 0.25 });
    const [a, b] = tf.tidy(() => {
      const x = tf.tensor4d(noise(2 * 32 * 32 * 3, 7), [2, 32, 32, 3]);
      return [model.apply(x, { training: false }) as Tensor, model.apply(x, { training: true }) as Tensor];
    });
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a!, b!))).dataSync()[0]!);
    expect(diff).toBeGreaterThan(0);
    tf.dispose([a!, b!]);
    model.dispose();
  });
});
