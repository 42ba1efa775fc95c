import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { io, LayersModel, Tensor } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTensorflow } from '../../tf/runtime.js';
import type { Tf } from '../../tf/types.js';
import { modelWeightKeys, WeightMismatchError, type NamedTensor } from '../../weights/state-dict.js';
import { buildMobileNetV2, kerasNamedTensors, makeDivisible, mobilenetV2, mobileNetV2FeatureDim } from './index.js';
import { MOBILENET_V2_WEIGHTS_DIR } from '../../__fixtures__/shared-paths.js';

const SHARED = MOBILENET_V2_WEIGHTS_DIR;
const haveShared = existsSync(path.join(SHARED, 'model.json')) && existsSync(path.join(SHARED, 'weights.bin'));

interface KerasLayer {
  name: string;
  class_name: string;
  config: Record<string, unknown>;
  inbound_nodes: [string, number, number, unknown][][];
}
interface ModelJson {
  modelTopology: { class_name: string; config: { layers: KerasLayer[] } };
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
}

async function readShared(): Promise<{ json: ModelJson; weightData: ArrayBuffer }> {
  const json = JSON.parse(await readFile(path.join(SHARED, 'model.json'), 'utf8')) as ModelJson;
  const buffers = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(SHARED, p))));
  const all = Buffer.concat(buffers);
  return { json, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer };
}

/** The shared file loaded by TF.js itself (its own topology and weights), + global average pool. */
async function referenceModel(tf: Tf): Promise<LayersModel> {
  const { json, weightData } = await readShared();
  const handler: io.IOHandler = {
    load: async () => ({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
  };
  return tf.loadLayersModel(handler);
}

function referenceFeatures(tf: Tf, model: LayersModel, x: Tensor): Tensor {
  return tf.tidy(() => tf.mean(model.predict(x) as Tensor, [1, 2]));
}

function randomInput(tf: Tf, n: number, size: number, seed: number): Tensor {
  return tf.randomUniform([n, size, size, 3], -1, 1, 'float32', seed);
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Writes a TF.js layers-model folder holding a model's own (random) weights, optionally altered. */
async function writeFolderFrom(
  model: LayersModel,
  dir: string,
  alter: (tensors: Map<string, NamedTensor>) => void = () => undefined,
): Promise<void> {
  const tensors = new Map<string, NamedTensor>();
  for (const layer of model.layers) {
    for (const w of layer.weights) {
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      tensors.set(`${layer.name}/${role}`, { shape: [...w.shape] as number[], data: w.read().dataSync() as Float32Array });
    }
  }
  alter(tensors);
  const weights = [...tensors.entries()].map(([name, t]) => ({ name, shape: t.shape, dtype: 'float32' }));
  const bin = Buffer.concat([...tensors.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)));
  await writeFile(path.join(dir, 'weights.bin'), bin);
  await writeFile(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: null, weightsManifest: [{ paths: ['weights.bin'], weights }] }));
}

describe('MobileNetV2 (keras.applications topology)', () => {
  let tf: Tf;
  let tmp: string;
  beforeAll(async () => {
    tf = (await loadTensorflow({ backend: 'cpu' })).tf;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'mnv2-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('rounds channels like keras _make_divisible', () => {
    // Block output channels at alpha 0.35 (int(filters · alpha), then rounded): 32·0.35 → 11 → 8 would lose > 10%, so 16.
    expect([16, 24, 32, 64, 96, 160, 320].map((f) => makeDivisible(Math.trunc(f * 0.35)))).toEqual([8, 8, 16, 24, 32, 56, 112]);
    expect(makeDivisible(32 * 0.35)).toBe(16); // Conv1
    expect(makeDivisible(32 * 1)).toBe(32);
    expect(mobileNetV2FeatureDim(0.35)).toBe(1280);
    expect(mobileNetV2FeatureDim(1)).toBe(1280);
    expect(mobileNetV2FeatureDim(1.4)).toBe(1792);
  });

  it('maps [n, s, s, 3] to [n, 1280] and has the Keras parameter counts', () => {
    const model = buildMobileNetV2(tf, { imageSize: 64, width: 0.35 });
    expect(model.inputs[0]!.shape).toEqual([null, 64, 64, 3]);
    expect(model.outputs[0]!.shape).toEqual([null, 1280]);
    expect(model.getLayer('out_relu').outputShape).toEqual([null, 2, 2, 1280]);
    expect(model.countParams()).toBe(410_208); // keras MobileNetV2(alpha=0.35, include_top=False)
    const y = tf.tidy(() => model.predict(randomInput(tf, 2, 64, 1)) as Tensor);
    expect(y.shape).toEqual([2, 1280]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    model.dispose();

    const full = buildMobileNetV2(tf, { imageSize: 32 });
    expect(full.countParams()).toBe(2_257_984); // keras MobileNetV2(alpha=1.0, include_top=False)
    expect(full.getLayer('out_relu').outputShape).toEqual([null, 1, 1, 1280]);
    full.dispose();

    // Odd sides: correct_pad pads ((1, 1), (1, 1)) before a stride-2 'valid' conv, like TF 'same'.
    const odd = buildMobileNetV2(tf, { imageSize: 33, width: 0.35 });
    expect(odd.getLayer('Conv1_pad').getConfig()['padding']).toEqual([
      [1, 1],
      [1, 1],
    ]);
    expect(odd.getLayer('out_relu').outputShape).toEqual([null, 2, 2, 1280]);
    odd.dispose();
  });

  it('the registered definition defaults to the ImageNet width 0.35', () => {
    expect(mobilenetV2.name).toBe('mobilenet_v2');
    expect(mobilenetV2.defaultWidth).toBe(0.35);
    expect(mobilenetV2.imagenetWidths).toEqual([0.35]);
    expect(mobilenetV2.featureDim({ imageSize: 224 })).toBe(1280);
    expect(mobilenetV2.normalization.name).toBe('minus-one-one');
    expect(mobilenetV2.imagenet.format).toBe('tfjs-layers');
    const model = mobilenetV2.build(tf, { imageSize: 32 });
    expect(model.getLayer('Conv1').getWeights()[0]!.shape).toEqual([3, 3, 3, 16]);
    expect(model.countParams()).toBe(410_208);
    model.dispose();
  });

  it('rejects bad sizes and widths', () => {
    expect(() => buildMobileNetV2(tf, { imageSize: 16 })).toThrow(/imageSize must be an integer ≥ 32/);
    expect(() => buildMobileNetV2(tf, { imageSize: 64.5 })).toThrow(/imageSize/);
    expect(() => buildMobileNetV2(tf, { imageSize: 64, width: 0 })).toThrow(/width \(alpha\)/);
  });

  it.skipIf(!haveShared)('has the layer names, order, configs, connections and weight shapes of the shared Keras export', async () => {
    const { json } = await readShared();
    const fileLayers = json.modelTopology.config.layers;
    const model = buildMobileNetV2(tf, { imageSize: 224, width: 0.35 });
    const ours = model.toJSON(null, false) as unknown as { config: { layers: KerasLayer[] } };
    const ourLayers = ours.config.layers.filter((l) => l.name !== 'avg_pool');
    expect(ours.config.layers.at(-1)!.class_name).toBe('GlobalAveragePooling2D');
    expect(ourLayers.map((l) => l.name)).toEqual(fileLayers.map((l) => l.name));
    expect(ourLayers.map((l) => l.class_name)).toEqual(fileLayers.map((l) => l.class_name));
    const inbound = (l: KerasLayer): string[] => (l.inbound_nodes[0] ?? []).map((n) => n[0]);
    const keys = ['filters', 'kernel_size', 'strides', 'padding', 'use_bias', 'activation', 'depth_multiplier', 'epsilon', 'momentum', 'max_value', 'axis', 'batch_input_shape'];
    ourLayers.forEach((ourLayer, i) => {
      const fileLayer = fileLayers[i]!;
      expect(inbound(ourLayer), ourLayer.name).toEqual(inbound(fileLayer));
      for (const k of keys) {
        if (k in fileLayer.config) expect(ourLayer.config[k], `${ourLayer.name}.${k}`).toEqual(fileLayer.config[k]);
      }
    });
    // Every manifest weight is a model weight with the same shape, and per layer in the same order.
    const manifest = json.weightsManifest.flatMap((g) => g.weights);
    const ourKeys = modelWeightKeys(model);
    expect(manifest).toHaveLength(260);
    expect(ourKeys.size).toBe(260);
    for (const w of manifest) expect(ourKeys.get(w.name)?.shape, w.name).toEqual(w.shape);
    const perLayer = (names: string[]): Map<string, string[]> => {
      const m = new Map<string, string[]>();
      for (const n of names) {
        const layer = n.slice(0, n.lastIndexOf('/'));
        m.set(layer, [...(m.get(layer) ?? []), n]);
      }
      return m;
    };
    expect(perLayer([...ourKeys.keys()])).toEqual(perLayer(manifest.map((w) => w.name)));
    model.dispose();
  });

  it('a folder missing a tensor, or with a wrongly shaped one, is rejected naming it, and nothing is loaded', async () => {
    const source = buildMobileNetV2(tf, { imageSize: 32, width: 0.35 });
    const target = buildMobileNetV2(tf, { imageSize: 32, width: 0.35 });
    const before = target.getLayer('Conv_1_bn').getWeights()[3]!.dataSync().slice();

    const missingDir = path.join(tmp, 'missing');
    const misshapedDir = path.join(tmp, 'misshaped');
    await mkdir(missingDir);
    await mkdir(misshapedDir);
    await writeFolderFrom(source, missingDir, (t) => t.delete('block_7_depthwise_BN/moving_variance'));
    await writeFolderFrom(source, misshapedDir, (t) => {
      const k = t.get('block_3_expand/kernel')!; // [1, 1, 8, 48]
      t.set('block_3_expand/kernel', { shape: [1, 1, 48, 8], data: k.data });
    });
    const err1 = await mobilenetV2.loadWeights(tf, target, { kind: 'tfjs-layers', dir: missingDir, origin: missingDir }).catch((e: unknown) => e);
    expect(err1).toBeInstanceOf(WeightMismatchError);
    expect((err1 as WeightMismatchError).missing).toEqual([{ name: 'block_7_depthwise_BN/moving_variance', shape: [144] }]);
    expect((err1 as Error).message).toContain('block_7_depthwise_BN/moving_variance [144]');
    expect((err1 as Error).message).toContain(missingDir);

    const err2 = await mobilenetV2.loadWeights(tf, target, { kind: 'tfjs-layers', dir: misshapedDir, origin: misshapedDir }).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(WeightMismatchError);
    expect((err2 as WeightMismatchError).misshaped).toEqual([{ name: 'block_3_expand/kernel', expected: [1, 1, 8, 48], got: [1, 1, 48, 8] }]);
    expect((err2 as Error).message).toContain('block_3_expand/kernel: expected [1, 1, 8, 48], got [1, 1, 48, 8]');

    expect(target.getLayer('Conv_1_bn').getWeights()[3]!.dataSync()).toEqual(before);

    // The intact folder loads, and the loaded model computes what the source model computes.
    const okDir = path.join(tmp, 'ok');
    await mkdir(okDir);
    await writeFolderFrom(source, okDir);
    await mobilenetV2.loadWeights(tf, target, { kind: 'tfjs-layers', dir: okDir, origin: okDir });
    const x = randomInput(tf, 2, 32, 5);
    const [a, b] = tf.tidy(() => [(source.predict(x) as Tensor).dataSync() as Float32Array, (target.predict(x) as Tensor).dataSync() as Float32Array]);
    expect(maxAbsDiff(a!, b!)).toBe(0);
    x.dispose();
    source.dispose();
    target.dispose();
  });

  it('a keras-style state dict ("model/layer/role:0") loads too', async () => {
    const source = buildMobileNetV2(tf, { imageSize: 32, width: 0.35 });
    const target = buildMobileNetV2(tf, { imageSize: 32, width: 0.35 });
    const tensors = new Map<string, NamedTensor>();
    for (const [key, info] of modelWeightKeys(source)) {
      const w = source.getLayer(info.layer).weights[info.index]!;
      tensors.set(`mobilenetv2_0.35_224/${key}:0`, { shape: info.shape, data: w.read().dataSync() as Float32Array });
    }
    await mobilenetV2.loadWeights(tf, target, { kind: 'state-dict', tensors, origin: 'memory' });
    expect(target.getLayer('block_16_project').getWeights()[0]!.dataSync()).toEqual(source.getLayer('block_16_project').getWeights()[0]!.dataSync());

    tensors.delete('mobilenetv2_0.35_224/Conv1/kernel:0');
    tensors.set('extra/kernel:0', { shape: [1], data: new Float32Array(1) });
    const err = await mobilenetV2.loadWeights(tf, target, { kind: 'state-dict', tensors, origin: 'memory' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightMismatchError);
    expect((err as WeightMismatchError).missing.map((m) => m.name)).toEqual(['Conv1/kernel']);
    expect((err as WeightMismatchError).unexpected.map((m) => m.name)).toEqual(['extra/kernel:0']);

    expect(() =>
      kerasNamedTensors(
        new Map([
          ['a/Conv1/kernel:0', { shape: [1], data: new Float32Array(1) }],
          ['b/Conv1/kernel:0', { shape: [1], data: new Float32Array(1) }],
        ]),
        'x.h5',
      ),
    ).toThrow('"a/Conv1/kernel:0" and "b/Conv1/kernel:0" both name the weight Conv1/kernel');
    source.dispose();
    target.dispose();
  });

  it('a forward pass inside tf.tidy leaves no tensors behind, and loading weights leaks none', async () => {
    const model = buildMobileNetV2(tf, { imageSize: 48, width: 0.35 });
    const afterBuild = tf.memory().numTensors;
    if (haveShared) {
      await mobilenetV2.loadWeights(tf, model, { kind: 'tfjs-layers', dir: SHARED, origin: SHARED });
      expect(tf.memory().numTensors).toBe(afterBuild);
    }
    const baseline = tf.memory().numTensors;
    const sum = tf.tidy(() => (model.predict(randomInput(tf, 3, 48, 2)) as Tensor).sum().dataSync()[0]!);
    expect(Number.isFinite(sum)).toBe(true);
    expect(tf.memory().numTensors).toBe(baseline);
    model.dispose();
  });

  it.skipIf(!haveShared)('width 1 cannot take the 0.35 ImageNet weights: WeightMismatchError', async () => {
    const model = buildMobileNetV2(tf, { imageSize: 32, width: 1 });
    const err = await mobilenetV2.loadWeights(tf, model, { kind: 'tfjs-layers', dir: SHARED, origin: SHARED }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeightMismatchError);
    expect((err as WeightMismatchError).misshaped.find((m) => m.name === 'Conv1/kernel')).toEqual({ name: 'Conv1/kernel', expected: [3, 3, 3, 32], got: [3, 3, 3, 16] });
    model.dispose();
  });

  for (const backend of ['cpu', 'wasm'] as const) {
    it.skipIf(!haveShared)(`with the shared ImageNet weights, matches TF.js's own load of the file + average pool within 1e-5 (${backend})`, async () => {
      const handle = await loadTensorflow({ backend });
      const t = handle.tf;
      expect(t.getBackend()).toBe(backend);
      try {
        const ours = mobilenetV2.build(t, { imageSize: 224 });
        const x = randomInput(t, 2, 224, 7);
        const random = t.tidy(() => (ours.predict(x) as Tensor).dataSync() as Float32Array);
        await mobilenetV2.loadWeights(t, ours, { kind: 'tfjs-layers', dir: SHARED, origin: SHARED });
        const ref = await referenceModel(t);
        expect(ref.countParams()).toBe(410_208);
        const a = t.tidy(() => (ours.predict(x) as Tensor).dataSync() as Float32Array);
        const b = t.tidy(() => referenceFeatures(t, ref, x).dataSync() as Float32Array);
        const diff = maxAbsDiff(a, b);
        console.log(`mobilenet_v2 0.35 parity on ${backend}: max |diff| = ${diff.toExponential(2)}; mean feature ${(a.reduce((s, v) => s + v, 0) / a.length).toFixed(4)}`);
        expect(diff).toBeLessThanOrEqual(1e-5);
        expect(maxAbsDiff(random, b)).toBeGreaterThan(1e-2); // the weights were really loaded
        // Not a trivial match: features vary across images and channels.
        expect(maxAbsDiff(a.subarray(0, 1280), a.subarray(1280))).toBeGreaterThan(1e-3);
        x.dispose();
        ours.dispose();
        ref.dispose();
      } finally {
        await loadTensorflow({ backend: 'cpu' });
      }
    }, 120_000);
  }
});
