// A backbone's weights as named float tensors, whatever file they came from, and the one place
// where they are copied into a TF.js model: every model weight must be matched exactly once, with
// the right shape, or nothing is loaded (never a silent partial or random init).

import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../tf/types.js';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

/** Tensor name → tensor, in the naming of wherever it came from (torchvision, timm, keras...). */
export type StateDict = Map<string, NamedTensor>;

export interface MisshapedTensor {
  name: string;
  expected: number[];
  got: number[];
}

const fmt = (shape: number[]): string => `[${shape.join(', ')}]`;

export class WeightMismatchError extends Error {
  constructor(
    readonly source: string,
    readonly missing: { name: string; shape: number[] }[],
    readonly unexpected: { name: string; shape: number[] }[],
    readonly misshaped: MisshapedTensor[],
  ) {
    const list = (title: string, items: string[]): string =>
      items.length ? `\n  ${title} (${items.length}):\n    ${items.slice(0, 25).join('\n    ')}${items.length > 25 ? `\n    … ${items.length - 25} more` : ''}` : '';
    super(
      `weights in ${source} do not fit the model:` +
        list('missing', missing.map((m) => `${m.name} ${fmt(m.shape)}`)) +
        list('unexpected', unexpected.map((u) => `${u.name} ${fmt(u.shape)}`)) +
        list('wrong shape', misshaped.map((m) => `${m.name}: expected ${fmt(m.expected)}, got ${fmt(m.got)}`)),
    );
    this.name = 'WeightMismatchError';
  }
}

/** "layerName/role" (role = kernel, bias, gamma, beta, moving_mean, moving_variance, depthwise_kernel...) for each model weight. */
export function modelWeightKeys(model: LayersModel): Map<string, { layer: string; index: number; shape: number[] }> {
  const keys = new Map<string, { layer: string; index: number; shape: number[] }>();
  for (const layer of model.layers) {
    layer.weights.forEach((w, index) => {
      // originalName is "layer/role"; `name` may carry a process-wide uniqueness suffix.
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      keys.set(`${layer.name}/${role}`, { layer: layer.name, index, shape: [...w.shape] as number[] });
    });
  }
  return keys;
}

/**
 * Copies tensors keyed "layerName/role" into the model. Throws WeightMismatchError (listing every
 * missing, unexpected and mis-shaped tensor) before changing anything if they do not match exactly.
 * `sourceNames` maps our keys back to the file's own names, for error messages.
 */
export function assignNamedWeights(tf: Tf, model: LayersModel, tensors: Map<string, NamedTensor>, source: string, sourceNames?: Map<string, string>): void {
  const keys = modelWeightKeys(model);
  const missing: { name: string; shape: number[] }[] = [];
  const misshaped: MisshapedTensor[] = [];
  for (const [key, info] of keys) {
    const t = tensors.get(key);
    if (!t) missing.push({ name: key, shape: info.shape });
    else if (t.shape.length !== info.shape.length || t.shape.some((d, i) => d !== info.shape[i])) {
      misshaped.push({ name: sourceNames?.get(key) ?? key, expected: info.shape, got: t.shape });
    }
  }
  const unexpected = [...tensors.entries()].filter(([k]) => !keys.has(k)).map(([k, t]) => ({ name: sourceNames?.get(k) ?? k, shape: t.shape }));
  if (missing.length || unexpected.length || misshaped.length) throw new WeightMismatchError(source, missing, unexpected, misshaped);
  for (const layer of model.layers) {
    if (!layer.weights.length) continue;
    const values = layer.weights.map((w) => {
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const t = tensors.get(`${layer.name}/${role}`) as NamedTensor;
      return tf.tensor(t.data, t.shape, 'float32');
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** PyTorch conv weight [O, I, kh, kw] → TF.js conv2d kernel [kh, kw, I, O]. */
export function oihwToHwio(t: NamedTensor): NamedTensor {
  const [o, i, h, w] = t.shape as [number, number, number, number];
  const out = new Float32Array(t.data.length);
  for (let oo = 0; oo < o; oo++)
    for (let ii = 0; ii < i; ii++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((y * w + x) * i + ii) * o + oo] = t.data[((oo * i + ii) * h + y) * w + x] as number;
  return { shape: [h, w, i, o], data: out };
}

/** PyTorch depthwise conv weight [C, 1, kh, kw] → TF.js depthwise kernel [kh, kw, C, 1]. */
export function depthwiseToHwc1(t: NamedTensor): NamedTensor {
  const [c, m, h, w] = t.shape as [number, number, number, number];
  if (m !== 1) throw new Error(`depthwise weight must be [C, 1, kh, kw], got [${t.shape.join(', ')}]`);
  const out = new Float32Array(t.data.length);
  for (let cc = 0; cc < c; cc++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * c + cc] = t.data[(cc * h + y) * w + x] as number;
  return { shape: [h, w, c, 1], data: out };
}

