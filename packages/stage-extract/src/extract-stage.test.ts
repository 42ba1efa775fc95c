import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, createTestContext, silentLogger, type DatasetIndex, type FeatureTable } from '@neuro-ssl/core';
import { scanDataset, type DataConfig } from '@neuro-ssl/core/data';
import { toFloatRGB, loadPreprocessed } from '@neuro-ssl/core/image';
import { MissingWeightsError, getBackbone } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { extractStage } from './extract-stage.js';
import type { ExtractConfig } from './extract-config.js';

let dir: string;
let data: DataConfig;
let dataset: DatasetIndex;

async function head(size: number, shade: number, blob: boolean): Promise<Buffer> {
  const tumour = blob ? `<circle cx="${size * 0.6}" cy="${size * 0.45}" r="${size * 0.12}" fill="white"/>` : '';
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="100%" height="100%" fill="black"/>
    <ellipse cx="${size / 2}" cy="${size / 2}" rx="${size * 0.3}" ry="${size * 0.38}" fill="rgb(${shade},${shade},${shade})"/>${tumour}</svg>`;
  return sharp(Buffer.from(svg)).jpeg().toBuffer();
}

const run = (config: Partial<ExtractConfig>, lines: string[] = [], inference: 'tfjs' | 'onnx' = 'tfjs'): Promise<{ features: FeatureTable }> =>
  extractStage.run(
    createTestContext({ experimentDir: dir, lines, runtime: { inference, threads: 1 } }),
    { weights: 'none', normalization: 'weights', backbone: 'resnet18', ...config } as ExtractConfig,
    { dataset },
  );

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'extract-'));
  for (const [cls, blob] of [['Cancer', true], ['Normal', false]] as const) {
    await fs.mkdir(path.join(dir, 'data', 'avec_labels', cls), { recursive: true });
    for (let i = 0; i < 3; i++) await fs.writeFile(path.join(dir, 'data', 'avec_labels', cls, `${i}.jpg`), await head(60 + 10 * i, 90 + 40 * i, blob));
  }
  data = {
    root: path.join(dir, 'data'),
    labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } },
    onBadFile: 'skip',
    duplicates: { threshold: 0 },
    preprocess: { normalize: true, clahe: false, crop: 'brain', imageSize: 32 },
  };
  dataset = await scanDataset(data, { logger: silentLogger });
}, 60_000);

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('extract stage', () => {
  it('weights: none — one finite row per image, a warning, no leaked tensors', async () => {
    const { tf } = await loadTensorflow({ backend: 'cpu' });
    const before = tf.memory().numTensors;
    const lines: string[] = [];
    const { features } = await run({ backbone: 'resnet18', width: 0.125, imageSize: 32 }, lines);
    expect(tf.memory().numTensors).toBe(before);
    expect(features.ids).toEqual(dataset.images.map((r) => r.id));
    expect(features.labels).toEqual([1, 1, 1, 0, 0, 0]);
    expect(features.dim).toBe(64);
    expect(features.values.length).toBe(6 * 64);
    expect(features.values.every(Number.isFinite)).toBe(true);
    const row = (i: number): number[] => Array.from(features.values.subarray(i * 64, (i + 1) * 64));
    expect(row(0)).not.toEqual(row(3));
    expect(lines.join('\n')).toMatch(/warn .*weights: none.*no ImageNet knowledge/);
    expect(lines.join('\n')).toMatch(/debug BatchNorm folding: 20 BatchNormalization layer\(s\) of resnet18 merged/);
    expect(features.meta).toMatchObject({ backbone: 'resnet18', width: 0.125, imageSize: 32, backend: 'cpu', normalization: 'imagenet' });
    // What consumers need travels with the features: the dataset's preprocessing and class names.
    expect(features.meta).toMatchObject({ preprocess: { ...dataset.preprocess, imageSize: 32 }, classes: { Cancer: 1, Normal: 0 } });
  }, 60_000);

  it('weights from a path: the features are exactly those of the loaded model', async () => {
    // A MobileNetV2 (alpha 0.35) with random weights, saved as a safetensors file in Keras naming.
    const { tf } = await loadTensorflow({ backend: 'cpu' });
    const def = getBackbone('mobilenet_v2');
    const model = def.build(tf, { imageSize: 32, width: 0.35 });
    const entries: [string, { shape: number[]; data: Float32Array }][] = [];
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        // shift BN variances away from 1 so that a dropped tensor would show
        const data = (await w.read().data()) as Float32Array;
        entries.push([`${layer.name}/${role}`, { shape: [...w.shape] as number[], data: role === 'moving_variance' ? data.map((v) => v + 0.5) : Float32Array.from(data) }]);
      }
    }
    let offset = 0;
    const header: Record<string, unknown> = {};
    for (const [name, t] of entries) {
      header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
      offset += t.data.length * 4;
    }
    const json = Buffer.from(JSON.stringify(header));
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    await fs.writeFile(path.join(dir, 'mnv2.safetensors'), Buffer.concat([len, json, ...entries.map(([, t]) => Buffer.from(t.data.buffer))]));

    const { features } = await run({ backbone: 'mobilenet_v2', width: 0.35, imageSize: 32, weights: 'mnv2.safetensors' });
    expect(features.meta.weights).toMatchObject({ format: 'safetensors', path: path.join(dir, 'mnv2.safetensors') });

    // Reference: the same weights loaded directly, fed the same preprocessed image.
    const reference = def.build(tf, { imageSize: 32, width: 0.35 });
    await def.loadWeights(tf, reference, { kind: 'state-dict', tensors: new Map(entries), origin: 'test' });
    const img = await loadPreprocessed(dataset.images[0]!.path, { ...data.preprocess, imageSize: 32 });
    const expected = tf.tidy(() => (reference.predict(tf.tensor4d(toFloatRGB(img, def.normalization), [1, 32, 32, 3])) as import('@neuro-ssl/core').Tensor).dataSync());
    const got = features.values.subarray(0, features.dim);
    expect(got.length).toBe(expected.length);
    let maxDiff = 0;
    for (let i = 0; i < got.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - expected[i]!));
    expect(maxDiff).toBeLessThan(1e-5);
    model.dispose();
    reference.dispose();
  }, 60_000);

  it('a missing weight file or absent ImageNet weights is an error naming the path — never a random init', async () => {
    await expect(run({ backbone: 'resnet18', width: 0.125, imageSize: 32, weights: 'nowhere.safetensors' })).rejects.toThrow(path.join(dir, 'nowhere.safetensors'));
    const saved = { ...process.env };
    process.env.NEURO_SSL_WEIGHTS_DIR = path.join(dir, 'empty-cache');
    process.env.NEURO_SSL_OFFLINE = '1';
    try {
      const err = await run({ backbone: 'resnet34', imageSize: 32, weights: 'imagenet' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MissingWeightsError);
      expect((err as Error).message).toContain(path.join(dir, 'empty-cache', getBackbone('resnet34').imagenet.file));
      expect((err as Error).message).toContain(getBackbone('resnet34').imagenet.url!);
    } finally {
      process.env = saved;
    }
  });

  it('weights: none is seeded: same seed, same features; another seed, other features', async () => {
    const cfg = { backbone: 'efficientnet_b0', width: 0.25, imageSize: 32, weights: 'none', normalization: 'weights' } as ExtractConfig;
    const withSeed = async (seed: number): Promise<Float32Array> => {
      const ctx = { ...createTestContext({ experimentDir: dir }), seed, rng: createRng(seed) };
      return (await extractStage.run(ctx, cfg, { dataset })).features.values;
    };
    const a = await withSeed(5);
    const b = await withSeed(5);
    const c = await withSeed(6);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  }, 60_000);

  it('runtime.inference: onnx — ONNX Runtime gives TF.js\'s features within 1e-4 relative, and says so', async () => {
    const cfg = { backbone: 'mobilenet_v2', width: 0.35, imageSize: 32 } as Partial<ExtractConfig>;
    const lines: string[] = [];
    const onnx = await run(cfg, lines, 'onnx');
    const tfjs = await run(cfg, [], 'tfjs');
    expect(onnx.features.meta.inference).toBe('onnx');
    expect(tfjs.features.meta.inference).toBe('tfjs');
    expect(lines.some((l) => /on ONNX Runtime \d+\.\d+\.\d+ \(cpu, 1 thread\)/.test(l))).toBe(true);
    const scale = Math.max(...tfjs.features.values.map(Math.abs));
    const diff = Math.max(...onnx.features.values.map((v, i) => Math.abs(v - (tfjs.features.values[i] as number))));
    expect(scale).toBeGreaterThan(0);
    expect(diff / scale).toBeLessThan(1e-4);
  }, 120_000);
});
