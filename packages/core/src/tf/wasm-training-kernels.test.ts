import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';
import { seededInit } from '../models/seeded-init.js';
import { attachHead, buildBackbone, initHead, type ClassifierSpec } from '../training/classifier.js';
import { createRng } from '../util/rng.js';
import { loadTensorflow } from './runtime.js';
import type { Tf } from './types.js';
import { registerWasmTrainingKernels, WASM_REPLACED_KERNELS, WASM_TRAINING_KERNELS } from './wasm-training-kernels.js';

let tf: Tf;

beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'wasm' })).tf;
  registerWasmTrainingKernels(tf);
  await loadTensorflow({ backend: 'cpu' });
}, 60_000);

/** Seeded uniform [-1, 1) values (core's Rng). */
function rand(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
}

async function onBackend<T>(name: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  await tf.setBackend(name);
  return fn();
}

/** max |a − b| / max(1, max |b|). */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let maxDiff = 0;
  let scale = 1;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return maxDiff / scale;
}

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  x: [number, number, number, number];
  k: number;
  kw?: number;
  co: number;
  stride: number;
  pad: Pad;
}

const explicit: Pad = [
  [0, 0],
  [1, 2],
  [2, 0],
  [0, 0],
];

const CONV_CASES: ConvCase[] = [
  { name: 'same, stride 1', x: [2, 7, 9, 3], k: 3, co: 5, stride: 1, pad: 'same' },
  { name: 'same, stride 2, odd size', x: [3, 9, 11, 4], k: 3, co: 6, stride: 2, pad: 'same' },
  { name: 'valid, stride 1', x: [2, 8, 7, 5], k: 3, co: 2, stride: 1, pad: 'valid' },
  { name: 'valid, stride 2, odd size', x: [2, 11, 9, 3], k: 3, kw: 2, co: 4, stride: 2, pad: 'valid' },
  { name: 'same, stride 2, 7x7 kernel', x: [2, 15, 15, 3], k: 7, co: 4, stride: 2, pad: 'same' },
  { name: '1x1, stride 2', x: [2, 9, 9, 4], k: 1, co: 3, stride: 2, pad: 'valid' },
  { name: 'explicit, stride 1', x: [2, 6, 7, 3], k: 3, co: 4, stride: 1, pad: explicit },
  { name: 'explicit, stride 2', x: [3, 9, 8, 2], k: 3, co: 5, stride: 2, pad: explicit },
];

describe('registerWasmTrainingKernels', () => {
  it('registers the missing kernels once', () => {
    for (const k of [...WASM_TRAINING_KERNELS, ...WASM_REPLACED_KERNELS]) expect(tf.getKernel(k, 'wasm')).toBeDefined();
    expect(registerWasmTrainingKernels(tf)).toEqual([]);
  });
});

/** The input gradient of sum(conv2d(x, w) · r) on a backend (tf.grads, so through the Conv2DBackpropInput kernel). */
async function inputGrad(backend: 'cpu' | 'wasm', xShape: number[], wShape: number[], strides: number | [number, number], pad: Pad): Promise<Float32Array> {
  return onBackend(backend, () => {
    const before = tf.memory().numTensors;
    const dx = tf.tidy(() => {
      const x = tf.tensor4d(rand(xShape.reduce((a, b) => a * b), 11), xShape as [number, number, number, number]);
      const w = tf.tensor4d(rand(wShape.reduce((a, b) => a * b), 12), wShape as [number, number, number, number]);
      const yShape = tf.conv2d(x, w, strides, pad).shape;
      const r = tf.tensor(rand(yShape.reduce((a, b) => a * b), 13), yShape);
      const g = tf.grad((xx: Tensor) => tf.sum(tf.mul(tf.conv2d(xx as typeof x, w, strides, pad), r)));
      return g(x).dataSync() as Float32Array;
    });
    expect(tf.memory().numTensors).toBe(before);
    return dx;
  });
}

describe('Conv2DBackpropInput on wasm (ours, XNNPACK) matches cpu', () => {
  // kernel 1/3/5/7 × stride 1/2 × valid/same × odd/even input × batch 1/3, in ≠ out channels.
  for (const k of [1, 3, 5, 7]) {
    for (const stride of [1, 2]) {
      for (const pad of ['valid', 'same'] as const) {
        it(`${k}×${k}, stride ${stride}, ${pad}`, async () => {
          for (const [size, batch] of [
            [11, 1],
            [12, 3],
            [9, 3],
            [10, 1],
          ] as const) {
            const xShape = [batch, size, size + 1, 3];
            const wShape = [k, k, 3, 5];
            const cpu = await inputGrad('cpu', xShape, wShape, stride, pad);
            const wasm = await inputGrad('wasm', xShape, wShape, stride, pad);
            expect(relDiff(wasm, cpu), `input ${size}×${size + 1}, batch ${batch}`).toBeLessThanOrEqual(1e-4);
          }
        });
      }
    }
  }
  it('explicit and asymmetric padding, stride 3 and (2, 1), more output than input channels', async () => {
    const cases: Array<{ x: number[]; w: number[]; s: number | [number, number]; pad: Pad }> = [
      { x: [2, 10, 9, 4], w: [3, 3, 4, 2], s: 2, pad: explicit },
      { x: [2, 9, 9, 3], w: [5, 3, 3, 6], s: 2, pad: [[0, 0], [3, 0], [0, 2], [0, 0]] },
      { x: [1, 13, 11, 2], w: [3, 3, 2, 4], s: 3, pad: 'same' },
      { x: [2, 14, 10, 3], w: [5, 5, 3, 4], s: 3, pad: 'valid' },
      { x: [2, 9, 8, 3], w: [3, 3, 3, 4], s: [2, 1], pad: 'same' },
      { x: [2, 9, 8, 3], w: [1, 1, 3, 4], s: 2, pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
    ];
    for (const c of cases) {
      const cpu = await inputGrad('cpu', c.x, c.w, c.s, c.pad);
      const wasm = await inputGrad('wasm', c.x, c.w, c.s, c.pad);
      expect(relDiff(wasm, cpu), JSON.stringify(c)).toBeLessThanOrEqual(1e-4);
    }
  });
  it('NCHW falls back to TF.js own wasm kernel', async () => {
    const run = (backend: 'cpu' | 'wasm') =>
      onBackend(backend, () =>
        tf.tidy(() => {
          const dy = tf.tensor4d(rand(2 * 4 * 4 * 5, 21), [2, 5, 4, 4]); // NCHW
          const w = tf.tensor4d(rand(3 * 3 * 3 * 5, 22), [3, 3, 3, 5]);
          return (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: w }, { strides: [2, 2], pad: 'same', dataFormat: 'NCHW', inputShape: [2, 3, 8, 7] }) as Tensor).dataSync();
        }),
      );
    const cpu = await run('cpu');
    const wasm = await run('wasm');
    expect(relDiff(wasm, cpu)).toBeLessThanOrEqual(1e-4);
  });
});

describe('Conv2DBackpropFilter on wasm matches cpu', () => {
  for (const c of CONV_CASES) {
    it(c.name, async () => {
      const kw = c.kw ?? c.k;
      const wShape: [number, number, number, number] = [c.k, kw, c.x[3], c.co];
      const xv = rand(c.x.reduce((a, b) => a * b), 1);
      const wv = rand(wShape.reduce((a, b) => a * b), 2);
      const grads = async (backend: 'cpu' | 'wasm') =>
        onBackend(backend, () => {
          const before = tf.memory().numTensors;
          const [dx, dw] = tf.tidy(() => {
            const x = tf.tensor4d(xv, c.x);
            const w = tf.tensor4d(wv, wShape);
            const yShape = tf.conv2d(x, w, c.stride, c.pad).shape;
            const r = tf.tensor(rand(yShape.reduce((a, b) => a * b), 3), yShape);
            const g = tf.grads((...args: import('@tensorflow/tfjs').Tensor[]) => tf.sum(tf.mul(tf.conv2d(args[0] as typeof x, args[1] as typeof w, c.stride, c.pad), r)));
            const [gx, gw] = g([x, w]);
            return [gx!.dataSync().slice(), gw!.dataSync().slice()];
          });
          expect(tf.memory().numTensors).toBe(before);
          return { dx, dw };
        });
      const cpu = await grads('cpu');
      const wasm = await grads('wasm');
      expect(relDiff(wasm.dw, cpu.dw)).toBeLessThanOrEqual(1e-4);
      expect(relDiff(wasm.dx, cpu.dx)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('depthwise conv gradients on wasm match cpu', () => {
  const cases: Array<Omit<ConvCase, 'co'> & { m: number }> = [
    { name: 'same, stride 1', x: [2, 7, 9, 3], k: 3, m: 1, stride: 1, pad: 'same' },
    { name: 'same, stride 2, odd size', x: [3, 9, 11, 4], k: 3, m: 1, stride: 2, pad: 'same' },
    { name: 'same, stride 2, even size', x: [2, 8, 10, 3], k: 3, m: 1, stride: 2, pad: 'same' },
    { name: 'valid, stride 2, 5x5', x: [2, 11, 12, 3], k: 5, m: 1, stride: 2, pad: 'valid' },
    { name: 'valid, stride 1, multiplier 2', x: [2, 8, 7, 3], k: 3, m: 2, stride: 1, pad: 'valid' },
    { name: 'same, stride 2, multiplier 3', x: [2, 9, 9, 2], k: 3, m: 3, stride: 2, pad: 'same' },
    { name: 'explicit, stride 2', x: [2, 9, 8, 3], k: 3, m: 1, stride: 2, pad: explicit },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const wShape: [number, number, number, number] = [c.k, c.k, c.x[3], c.m];
      const xv = rand(c.x.reduce((a, b) => a * b), 4);
      const wv = rand(wShape.reduce((a, b) => a * b), 5);
      const grads = async (backend: 'cpu' | 'wasm') =>
        onBackend(backend, () => {
          const before = tf.memory().numTensors;
          const out = tf.tidy(() => {
            const x = tf.tensor4d(xv, c.x);
            const w = tf.tensor4d(wv, wShape);
            const yShape = tf.depthwiseConv2d(x, w, c.stride, c.pad).shape;
            const r = tf.tensor(rand(yShape.reduce((a, b) => a * b), 6), yShape);
            const g = tf.grads((...args: import('@tensorflow/tfjs').Tensor[]) => tf.sum(tf.mul(tf.depthwiseConv2d(args[0] as typeof x, args[1] as typeof w, c.stride, c.pad), r)));
            const [gx, gw] = g([x, w]);
            return { dx: gx!.dataSync().slice(), dw: gw!.dataSync().slice() };
          });
          expect(tf.memory().numTensors).toBe(before);
          return out;
        });
      const cpu = await grads('cpu');
      const wasm = await grads('wasm');
      expect(relDiff(wasm.dw, cpu.dw)).toBeLessThanOrEqual(1e-4);
      expect(relDiff(wasm.dx, cpu.dx)).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('a small conv net trains the same on wasm and cpu', () => {
  it('5 Adam steps: losses match within 1e-3 relative, no tensors leak', async () => {
    const n = 4;
    const size = 32;
    const xv = rand(n * size * size * 3, 7);
    const yv = rand(n, 8);
    // Initial weights, made once on cpu so both runs start from the same values.
    const build = () => {
      const input = tf.input({ shape: [size, size, 3] });
      let h = tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', useBias: false }).apply(input) as ReturnType<typeof tf.input>;
      h = tf.layers.batchNormalization().apply(h) as typeof h;
      h = tf.layers.reLU().apply(h) as typeof h;
      h = tf.layers.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same' }).apply(h) as typeof h;
      h = tf.layers.conv2d({ filters: 12, kernelSize: 3, strides: 1, padding: 'valid', activation: 'relu' }).apply(h) as typeof h;
      h = tf.layers.globalAveragePooling2d({}).apply(h) as typeof h;
      const out = tf.layers.dense({ units: 1 }).apply(h) as typeof h;
      return tf.model({ inputs: input, outputs: out });
    };
    await tf.setBackend('cpu');
    const first = build();
    const init = first.getWeights().map((w) => ({ shape: w.shape, values: w.dataSync().slice() }));
    first.dispose();

    const train = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const model = build();
      const weights = init.map((w) => tf.tensor(w.values, w.shape));
      model.setWeights(weights);
      tf.dispose(weights);
      const x = tf.tensor4d(xv, [n, size, size, 3]);
      const y = tf.tensor2d(yv, [n, 1]);
      const opt = tf.train.adam(0.01);
      const losses: number[] = [];
      for (let step = 0; step < 5; step++) {
        const loss = opt.minimize(() => tf.losses.meanSquaredError(y, model.apply(x, { training: true }) as typeof y), true);
        losses.push(loss!.dataSync()[0]!);
        loss!.dispose();
      }
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
      return { losses, leaked: tf.memory().numTensors - before };
    };
    const cpu = await train('cpu');
    const wasm = await train('wasm');
    for (let i = 0; i < 5; i++) expect(Math.abs(wasm.losses[i]! - cpu.losses[i]!) / Math.max(1e-6, Math.abs(cpu.losses[i]!))).toBeLessThanOrEqual(1e-3);
    expect(cpu.losses[4]!).toBeLessThan(cpu.losses[0]!);
    expect(wasm.leaked).toBe(0);
  }, 60_000);
});

describe('ResNet18 trains the same on wasm and cpu', () => {
  it('one SGD step (width 0.125, 32 px, batch 3): same loss and weight updates, no tensors leak', async () => {
    const spec: ClassifierSpec = { backbone: 'resnet18', width: 0.125, imageSize: 32, head: { type: 'linear', hidden: 0, dropout: 0 } };
    const n = 3;
    const xv = rand(n * 32 * 32 * 3, 31);
    const step = async (backend: 'cpu' | 'wasm') => {
      await tf.setBackend(backend);
      const before = tf.memory().numTensors;
      const model = attachHead(tf, buildBackbone(tf, spec), spec);
      seededInit(tf, model, createRng(1));
      initHead(tf, model, createRng(2));
      const init = model.trainableWeights.map((w) => Float32Array.from(w.read().dataSync()));
      const x = tf.tensor4d(xv, [n, 32, 32, 3]);
      const y = tf.tensor2d([1, 0, 1], [n, 1]);
      const opt = tf.train.sgd(0.1);
      const loss = opt.minimize(() => tf.losses.sigmoidCrossEntropy(y, model.apply(x, { training: true }) as typeof y), true)!;
      const lossValue = loss.dataSync()[0]!;
      const updates = model.trainableWeights.map((w, i) => {
        const now = Float32Array.from(w.read().dataSync());
        return { name: w.originalName, delta: now.map((v, j) => v - init[i]![j]!) };
      });
      tf.dispose([x, y, loss]);
      opt.dispose();
      model.dispose();
      return { lossValue, updates, leaked: tf.memory().numTensors - before };
    };
    const cpu = await step('cpu');
    const wasm = await step('wasm');
    expect(Math.abs(wasm.lossValue - cpu.lossValue) / Math.abs(cpu.lossValue)).toBeLessThanOrEqual(1e-4);
    expect(wasm.updates.map((u) => u.name)).toEqual(cpu.updates.map((u) => u.name));
    // Every conv kernel moved; each weight's update matches cpu relative to the largest update of that weight.
    expect(cpu.updates.filter((u) => u.name.endsWith('kernel') && u.delta.every((d) => d === 0))).toEqual([]);
    for (let i = 0; i < cpu.updates.length; i++) {
      const c = cpu.updates[i]!.delta;
      const w = wasm.updates[i]!.delta;
      const scale = c.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
      const diff = c.reduce((m, v, j) => Math.max(m, Math.abs(v - w[j]!)), 0);
      expect(diff / scale, cpu.updates[i]!.name).toBeLessThanOrEqual(1e-3);
    }
    expect(wasm.leaked).toBe(0);
  }, 120_000);
});
