import { beforeAll, describe, expect, it } from 'vitest';
import { loadTensorflow } from './runtime.js';
import type { Tf } from './types.js';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNELS } from './wasm-training-kernels.js';

let tf: Tf;

beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'wasm' })).tf;
  registerWasmTrainingKernels(tf);
  await loadTensorflow({ backend: 'cpu' });
}, 60_000);

/** Deterministic pseudo-random values in [-1, 1). */
function rand(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
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
    for (const k of WASM_TRAINING_KERNELS) expect(tf.getKernel(k, 'wasm')).toBeDefined();
    expect(registerWasmTrainingKernels(tf)).toEqual([]);
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
