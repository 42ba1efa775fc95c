// The grouping of webgpu's AddN without a GPU: a stand-in AddN kernel registered under the "webgpu"
// name (this file never imports the real backend) records the groups it is given. On a real adapter
// webgpu.test.ts sums 40 tensors on the device.
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTensorflow } from './runtime.js';
import { addNInputLimit, registerWebgpuAddN } from './webgpu-addn.js';

describe('webgpu AddN in groups the device can bind', () => {
  it('sums at most maxStorageBuffersPerShaderStage − 1 inputs per shader, then the sums, and frees the partial sums', async () => {
    const { tf } = await loadTensorflow({ backend: 'cpu' });
    const groups: number[][] = [];
    const disposed: object[] = [];
    let next = 1000;
    // A value per TensorInfo: inputs are 0..n−1, each sum gets a new id whose value is recorded.
    const values = new Map<object, number>();
    const info = (value: number): TensorInfo => {
      const t = { dataId: { id: next++ }, shape: [1], dtype: 'float32' } as unknown as TensorInfo;
      values.set(t.dataId, value);
      return t;
    };
    const standIn: KernelFunc = ({ inputs }) => {
      const list = inputs as unknown as TensorInfo[];
      groups.push(list.map((t) => values.get(t.dataId)!));
      return info(list.reduce((s, t) => s + values.get(t.dataId)!, 0));
    };
    const backend = { device: { limits: { maxStorageBuffersPerShaderStage: 8 } }, disposeData: (id: object) => disposed.push(id) > 0 };
    expect(addNInputLimit(backend)).toBe(7);

    tf.registerKernel({ kernelName: 'AddN', backendName: 'webgpu', kernelFunc: standIn });
    try {
      registerWebgpuAddN(tf);
      registerWebgpuAddN(tf); // idempotent: not wrapped twice
      const kernel = tf.getKernel('AddN', 'webgpu')!;
      const run = (n: number): number => {
        groups.length = 0;
        disposed.length = 0;
        const inputs = Array.from({ length: n }, (_, i) => info(i));
        const out = kernel.kernelFunc({ inputs: inputs as never, backend, attrs: {} }) as TensorInfo;
        return values.get(out.dataId)!;
      };

      // Up to the limit: one shader, as before.
      expect(run(7)).toBe(21);
      expect(groups).toEqual([[0, 1, 2, 3, 4, 5, 6]]);
      expect(disposed).toEqual([]);

      // 158 terms (MobileNetV2's trainable weights): 23 groups of ≤ 7, then 4 sums of sums, then one.
      expect(run(158)).toBe((157 * 158) / 2);
      expect(groups.every((g) => g.length >= 2 && g.length <= 7)).toBe(true);
      expect(groups.map((g) => g.length)).toEqual([...Array(22).fill(7), 4, 7, 7, 7, 2, 4]);
      // Every partial sum is freed; the result is not.
      expect(disposed).toHaveLength(groups.length - 1);
    } finally {
      tf.unregisterKernel('AddN', 'webgpu');
    }
  });
});
