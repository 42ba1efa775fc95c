import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadTensorflow } from '../../tf/runtime.js';
import type { Tf } from '../../tf/types.js';
import { WeightMismatchError, type StateDict } from '../../weights/state-dict.js';
import { buildEfficientNetB0 } from './efficientnet.js';
import { mapEfficientNetB0StateDict, timmToTorchvisionPath, torchvisionToTimmPath } from './efficientnet-weights.js';
import { efficientnetB0 } from './index.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
});

const WIDTH = 0.25;
const SIZE = 32;

/** Independent pseudo-random floats in [lo, hi), one stream per seed. */
function randomArray(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  return Float32Array.from({ length: n }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return lo + ((s >>> 0) / 2 ** 32) * (hi - lo);
  });
}

// --- The inverse mapping, written independently of efficientnet-weights.ts (test only) ---------

const TORCH_PARAM: Record<string, string> = { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var', kernel: 'weight', depthwise_kernel: 'weight', bias: 'bias' };

/** Our key "features_2_0_block_1_0/depthwise_kernel" → "features.2.0.block.1.0.weight". */
function torchvisionName(key: string): string {
  const [layer, role] = key.split('/') as [string, string];
  return `${layer.split('_').join('.')}.${TORCH_PARAM[role]}`;
}

/** TF.js shape of a weight → the PyTorch shape of the same tensor. */
function torchShapeOf(role: string, shape: number[]): number[] {
  if (role === 'kernel') return [shape[3]!, shape[2]!, shape[0]!, shape[1]!]; // [kh,kw,I,O] → [O,I,kh,kw]
  if (role === 'depthwise_kernel') return [shape[2]!, 1, shape[0]!, shape[1]!]; // [kh,kw,C,1] → [C,1,kh,kw]
  return shape;
}

/** The value our weight should hold at TF.js flat index `i`, read from the PyTorch-layout tensor. */
function expectedAt(role: string, tfShape: number[], torch: Float32Array, i: number): number {
  if (role !== 'kernel' && role !== 'depthwise_kernel') return torch[i]!;
  const [kh, kw, ci, co] = tfShape as [number, number, number, number];
  const o = i % co;
  const c = Math.floor(i / co) % ci;
  const x = Math.floor(i / (co * ci)) % kw;
  const y = Math.floor(i / (co * ci * kw));
  return role === 'kernel' ? torch[((o * ci + c) * kh + y) * kw + x]! : torch[(c * kh + y) * kw + x]!;
}

interface Reference {
  stateDict: StateDict;
  /** our key → [torchvision name, role] */
  keys: Map<string, { name: string; role: string; tfShape: number[] }>;
}

/** A torchvision-named state dict for `model`, every tensor its own random array (+ buffers and classifier). */
function torchvisionStateDict(model: LayersModel, seed = 1): Reference {
  const stateDict: StateDict = new Map();
  const keys = new Map<string, { name: string; role: string; tfShape: number[] }>();
  let n = seed * 1000;
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const key = `${layer.name}/${role}`;
      const tfShape = [...w.shape] as number[];
      const shape = torchShapeOf(role, tfShape);
      const size = shape.reduce((a, b) => a * b, 1);
      const data = role === 'moving_variance' ? randomArray(size, ++n, 0.5, 2) : randomArray(size, ++n);
      const name = torchvisionName(key);
      stateDict.set(name, { shape, data });
      keys.set(key, { name, role, tfShape });
      if (role === 'moving_variance') stateDict.set(name.replace(/running_var$/, 'num_batches_tracked'), { shape: [], data: new Float32Array([100]) });
    }
  }
  const features = model.outputs[0]!.shape[1] as number;
  stateDict.set('classifier.1.weight', { shape: [1000, features], data: randomArray(1000 * features, ++n) });
  stateDict.set('classifier.1.bias', { shape: [1000], data: randomArray(1000, ++n) });
  return { stateDict, keys };
}

/** torchvision names → timm names, written out by hand for the b0 layout (test only). */
function timmName(tv: string): string {
  const top: Record<string, string> = { 'features.0.0': 'conv_stem', 'features.0.1': 'bn1', 'features.8.0': 'conv_head', 'features.8.1': 'bn2', 'classifier.1': 'classifier' };
  const dot = tv.lastIndexOf('.');
  const [path, param] = [tv.slice(0, dot), tv.slice(dot + 1)];
  if (top[path]) return `${top[path]}.${param}`;
  const m = /^features\.(\d)\.(\d)\.block\.(.+)$/.exec(path)!;
  const ds: Record<string, string> = { '0.0': 'conv_dw', '0.1': 'bn1', '1.fc1': 'se.conv_reduce', '1.fc2': 'se.conv_expand', '2.0': 'conv_pw', '2.1': 'bn2' };
  const ir: Record<string, string> = { '0.0': 'conv_pw', '0.1': 'bn1', '1.0': 'conv_dw', '1.1': 'bn2', '2.fc1': 'se.conv_reduce', '2.fc2': 'se.conv_expand', '3.0': 'conv_pwl', '3.1': 'bn3' };
  const sub = (m[1] === '1' ? ds : ir)[m[3]!];
  return `blocks.${Number(m[1]) - 1}.${m[2]}.${sub}.${param}`;
}

function snapshot(model: LayersModel): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const layer of model.layers) layer.getWeights().forEach((t, i) => out.set(`${layer.name}#${i}`, t.dataSync() as Float32Array));
  return out;
}

function predict(model: LayersModel, seed: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(randomArray(2 * SIZE * SIZE * 3, seed), [2, SIZE, SIZE, 3])) as Tensor).dataSync() as Float32Array);
}

async function mismatch(model: LayersModel, stateDict: StateDict): Promise<WeightMismatchError> {
  const err = await efficientnetB0.loadWeights(tf, model, { kind: 'state-dict', tensors: stateDict, origin: 'test.safetensors' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WeightMismatchError);
  return err as WeightMismatchError;
}

describe('efficientnet_b0 weights', () => {
  it('round-trips a torchvision state dict into every weight, in TF.js layout', async () => {
    const model = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    const { stateDict, keys } = torchvisionStateDict(model);
    await efficientnetB0.loadWeights(tf, model, { kind: 'state-dict', tensors: stateDict, origin: 'tv.safetensors' });
    let checked = 0;
    for (const layer of model.layers) {
      const values = layer.getWeights();
      layer.weights.forEach((w, i) => {
        const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        const ref = keys.get(`${layer.name}/${role}`)!;
        const torch = stateDict.get(ref.name)!.data;
        const got = values[i]!.dataSync();
        expect(got.length).toBe(torch.length);
        for (let j = 0; j < got.length; j++) if (got[j] !== expectedAt(role, ref.tfShape, torch, j)) throw new Error(`${ref.name} differs at ${j}`);
        checked++;
      });
    }
    expect(checked).toBe(keys.size);
    // 16 blocks: convs, depthwise, SE fc1/fc2 (weight + bias), BN ×4 — all present
    expect([...keys.values()].filter((k) => k.role === 'depthwise_kernel')).toHaveLength(16);
    expect([...keys.values()].filter((k) => k.name.endsWith('fc1.bias'))).toHaveLength(16);
    model.dispose();
  });

  it('loads the same tensors under timm names to the same model', async () => {
    const a = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    const b = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    const { stateDict } = torchvisionStateDict(a);
    const timm: StateDict = new Map([...stateDict].map(([name, t]) => [timmName(name), t]));
    expect(timm.has('blocks.0.0.conv_dw.weight')).toBe(true);
    expect(timm.has('blocks.5.3.conv_pwl.weight')).toBe(true);
    await efficientnetB0.loadWeights(tf, a, { kind: 'state-dict', tensors: stateDict, origin: 'tv' });
    await efficientnetB0.loadWeights(tf, b, { kind: 'state-dict', tensors: timm, origin: 'timm' });
    expect(predict(b, 3)).toEqual(predict(a, 3));
    expect(mapEfficientNetB0StateDict(timm).naming).toBe('timm');
    expect(mapEfficientNetB0StateDict(stateDict).naming).toBe('torchvision');
    a.dispose();
    b.dispose();
  });

  it('translates module paths both ways', () => {
    expect(timmToTorchvisionPath('conv_stem')).toBe('features.0.0');
    expect(timmToTorchvisionPath('blocks.0.0.conv_pw')).toBe('features.1.0.block.2.0');
    expect(timmToTorchvisionPath('blocks.1.0.conv_pw')).toBe('features.2.0.block.0.0');
    expect(timmToTorchvisionPath('blocks.6.0.se.conv_expand')).toBe('features.7.0.block.2.fc2');
    expect(timmToTorchvisionPath('blocks.7.0.conv_pw')).toBeUndefined();
    expect(timmToTorchvisionPath('blocks.0.0.conv_pwl')).toBeUndefined();
    expect(torchvisionToTimmPath('features.4.2.block.3.1')).toBe('blocks.3.2.bn3');
    expect(torchvisionToTimmPath('features.8.1')).toBe('bn2');
  });

  it('reports missing, extra and mis-shaped tensors by their file names, loading nothing', async () => {
    const model = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    const before = snapshot(model);
    const { stateDict } = torchvisionStateDict(model);
    const bad: StateDict = new Map(stateDict);
    bad.delete('features.2.0.block.2.fc1.bias');
    bad.delete('features.3.1.block.1.0.weight');
    bad.set('features.9.0.weight', { shape: [4, 4, 1, 1], data: new Float32Array(16) });
    bad.set('features.0.0.bias', { shape: [8], data: new Float32Array(8) });
    const stem = stateDict.get('features.0.0.weight')!;
    expect(stem.shape).toEqual([8, 3, 3, 3]);
    bad.set('features.0.0.weight', { shape: [16, 3, 3, 3], data: new Float32Array(16 * 27) });
    bad.set('features.8.1.running_var', { shape: [7], data: new Float32Array(7) });
    const err = await mismatch(model, bad);
    expect(err.source).toBe('test.safetensors');
    expect(err.missing.map((m) => m.name).sort()).toEqual(['features.2.0.block.2.fc1.bias', 'features.3.1.block.1.0.weight']);
    expect(err.missing.find((m) => m.name === 'features.3.1.block.1.0.weight')!.shape).toEqual([96, 1, 5, 5]);
    expect(err.unexpected.map((u) => u.name).sort()).toEqual(['features.0.0.bias', 'features.9.0.weight']);
    expect(err.unexpected.find((u) => u.name === 'features.9.0.weight')!.shape).toEqual([4, 4, 1, 1]);
    expect(err.misshaped).toEqual(
      expect.arrayContaining([
        { name: 'features.0.0.weight', expected: [8, 3, 3, 3], got: [16, 3, 3, 3] },
        { name: 'features.8.1.running_var', expected: [320], got: [7] },
      ]),
    );
    expect(err.misshaped).toHaveLength(2);
    expect(err.message).toContain('features.2.0.block.2.fc1.bias');
    expect(err.message).toContain('features.9.0.weight');
    expect(err.message).toContain('features.0.0.weight: expected [8, 3, 3, 3], got [16, 3, 3, 3]');
    // nothing was loaded
    const after = snapshot(model);
    for (const [k, v] of before) expect(after.get(k)).toEqual(v);
    model.dispose();
  });

  it('names missing tensors in timm terms for a timm file, and rejects two names for one weight', async () => {
    const model = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    const { stateDict } = torchvisionStateDict(model);
    const timm: StateDict = new Map([...stateDict].map(([name, t]) => [timmName(name), t]));
    timm.delete('blocks.2.1.se.conv_reduce.weight');
    timm.set('features.0.0.weight', stateDict.get('features.0.0.weight')!); // same weight as conv_stem.weight
    const err = await mismatch(model, timm);
    expect(err.missing.map((m) => m.name)).toEqual(['blocks.2.1.se.conv_reduce.weight']);
    expect(err.unexpected.map((u) => u.name)).toEqual(['features.0.0.weight']);
    model.dispose();
  });

  it('rejects a non-4D conv weight and a grouped depthwise weight as mis-shaped', async () => {
    const model = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    const { stateDict } = torchvisionStateDict(model);
    const bad: StateDict = new Map(stateDict);
    bad.set('features.1.0.block.2.0.weight', { shape: [8, 8], data: new Float32Array(64) });
    bad.set('features.1.0.block.0.0.weight', { shape: [4, 2, 3, 3], data: new Float32Array(72) });
    const err = await mismatch(model, bad);
    expect(err.missing).toEqual([]);
    expect(err.misshaped.map((m) => [m.name, m.expected, m.got])).toEqual(
      expect.arrayContaining([
        ['features.1.0.block.2.0.weight', [8, 8, 1, 1], [8, 8]],
        ['features.1.0.block.0.0.weight', [8, 1, 3, 3], [4, 2, 3, 3]],
      ]),
    );
    model.dispose();
  });

  it('ignores num_batches_tracked and the classifier only', () => {
    const model = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    const { stateDict } = torchvisionStateDict(model);
    const mapped = mapEfficientNetB0StateDict(stateDict);
    expect(mapped.dropped).toContain('classifier.1.weight');
    expect(mapped.dropped).toContain('features.0.1.num_batches_tracked');
    expect(mapped.dropped.every((n) => n.startsWith('classifier.') || n.endsWith('.num_batches_tracked'))).toBe(true);
    expect(mapped.tensors.size).toBe(stateDict.size - mapped.dropped.length);
    model.dispose();
  });

  it('refuses a TF.js layers folder with a clear message', async () => {
    const model = buildEfficientNetB0(tf, { imageSize: SIZE, width: WIDTH });
    await expect(efficientnetB0.loadWeights(tf, model, { kind: 'tfjs-layers', dir: '/tmp/x', origin: 'cache' })).rejects.toThrow(/PyTorch state dicts.*not a TF\.js layers model folder: \/tmp\/x/);
    model.dispose();
  });

  it('declares the timm ImageNet weights', () => {
    expect(efficientnetB0.name).toBe('efficientnet_b0');
    expect(efficientnetB0.defaultImageSize).toBe(224);
    expect(efficientnetB0.normalization.name).toBe('imagenet');
    expect(efficientnetB0.imagenet).toMatchObject({
      file: 'efficientnet_b0.ra_in1k.safetensors',
      format: 'safetensors',
      url: 'https://huggingface.co/timm/efficientnet_b0.ra_in1k/resolve/main/model.safetensors',
    });
  });
});
