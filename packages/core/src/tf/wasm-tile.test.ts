import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tensorflow/tfjs';
import { createRng } from '../util/rng.js';
import { loadTensorflow } from './runtime.js';
import type { Tf } from './types.js';
import { tileInto } from './wasm-tile.js';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';

let tf: Tf;

beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'wasm' })).tf;
  registerWasmTrainingKernels(tf);
  await loadTensorflow({ backend: 'cpu' });
}, 60_000);

/** The definition, one output element at a time: out[i] = x[i mod shape] per axis. */
function naiveTile(src: ArrayLike<number>, shape: number[], reps: number[]): number[] {
  const outShape = shape.map((d, i) => d * reps[i]!);
  const size = outShape.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let srcIndex = 0;
    let stride = 1;
    for (let a = shape.length - 1; a >= 0; a--) {
      const coord = rest % outShape[a]!;
      rest = Math.floor(rest / outShape[a]!);
      srcIndex += (coord % shape[a]!) * stride;
      stride *= shape[a]!;
    }
    out.push(src[srcIndex]!);
  }
  return out;
}

const CASES: [number[], number[]][] = [
  [[1, 1, 1, 5], [2, 3, 4, 1]],
  [[2, 3], [3, 2]],
  [[3, 1, 2], [1, 4, 1]],
  [[4], [5]],
  [[2, 1, 3, 1], [1, 3, 1, 2]],
  [[2, 2], [1, 1]],
  [[3, 2], [0, 2]],
];

describe('wasm Tile as block copies', () => {
  it('tileInto equals the definition', () => {
    for (const [shape, reps] of CASES) {
      const n = shape.reduce((a, b) => a * b, 1);
      const src = Float32Array.from({ length: n }, (_, i) => i + 1);
      const dst = new Float32Array(naiveTile(src, shape, reps).length);
      tileInto(src, shape, reps, dst);
      expect(Array.from(dst), `${shape} × ${reps}`).toEqual(naiveTile(src, shape, reps));
    }
  });

  it('the registered wasm kernel equals the cpu backend for float32, int32 and bool, and in a BatchNorm gradient', async () => {
    const rng = createRng(11);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      for (const [shape, reps] of CASES) {
        const n = shape.reduce((a, b) => a * b, 1);
        const values = Array.from({ length: n }, () => (dtype === 'float32' ? rng.uniform(-1, 1) : rng.int(2)));
        const results: number[][] = [];
        for (const backend of ['wasm', 'cpu']) {
          await tf.setBackend(backend);
          const x = tf.tensor(values, shape, dtype);
          const y = tf.tile(x, reps);
          expect(y.dtype).toBe(dtype);
          results.push(Array.from(await y.data()));
          tf.dispose([x, y]);
        }
        expect(results[0], `${dtype} ${shape} × ${reps}`).toEqual(results[1]);
      }
    }
    // TF.js's FusedBatchNorm gradient tiles the per-channel factor to the activation's shape.
    const grads: Float32Array[] = [];
    for (const backend of ['wasm', 'cpu']) {
      await tf.setBackend(backend);
      const r = createRng(3);
      const x = tf.tensor4d(Float32Array.from({ length: 2 * 3 * 3 * 4 }, () => r.uniform(-1, 1)), [2, 3, 3, 4]);
      const mean = tf.tensor1d([0.1, -0.2, 0.3, 0]);
      const variance = tf.tensor1d([1, 0.5, 2, 0.25]);
      const offset = tf.tensor1d([0, 0.1, -0.1, 0.2]);
      const scale = tf.tensor1d([1.5, 0.5, 1, 2]);
      const g = tf.grad((input: Tensor) => tf.sum(tf.mul(tf.batchNorm(input, mean, variance, offset, scale, 1e-3), input)))(x);
      grads.push((await g.data()) as Float32Array);
      tf.dispose([x, mean, variance, offset, scale, g]);
    }
    for (let i = 0; i < grads[1]!.length; i++) expect(grads[0]![i]).toBeCloseTo(grads[1]![i]!, 5);
    await tf.setBackend('wasm');
  });
});
