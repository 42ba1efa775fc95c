import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { readTfjsLayersFolder, TfjsLayersFolderError } from './tfjs-layers-folder.js';
import { MOBILENET_V2_WEIGHTS_DIR } from '../__fixtures__/shared-paths.js';

const SHARED = MOBILENET_V2_WEIGHTS_DIR;

interface Entry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number };
}

const f32bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

async function writeModelJson(dir: string, weightsManifest: unknown, extra: Record<string, unknown> = {}): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Model' }, weightsManifest, ...extra }));
}

describe('readTfjsLayersFolder', () => {
  let tf: Tf;
  let tmp: string;
  let model: LayersModel;
  let entries: Entry[];
  let values: Float32Array[];

  beforeAll(async () => {
    tf = (await loadTensorflow({ backend: 'cpu' })).tf;
    tmp = await mkdtemp(path.join(os.tmpdir(), 'tfjs-folder-'));
    const input = tf.input({ shape: [8, 8, 3], name: 'img' });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, name: 'c1' }).apply(input);
    x = tf.layers.batchNormalization({ name: 'c1_bn' }).apply(x);
    x = tf.layers.flatten({ name: 'flat' }).apply(x);
    x = tf.layers.dense({ units: 5, name: 'head' }).apply(x);
    model = tf.model({ inputs: input, outputs: x as ReturnType<typeof tf.input>, name: 'tiny' });
    entries = [];
    values = [];
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
        entries.push({ name: `${layer.name}/${role}`, shape: [...w.shape] as number[], dtype: 'float32' });
        // Random-init BN stats are 0/1: give every tensor distinct values.
        values.push(Float32Array.from({ length: w.shape.reduce((a, b) => (a as number) * (b as number), 1) as number }, (_, i) => Math.sin(values.length * 7 + i * 0.3)));
      }
    }
  });
  afterAll(async () => {
    model.dispose();
    await rm(tmp, { recursive: true, force: true });
  });

  it('reads a folder written from a tiny model: 2 groups, shards split mid-tensor, in manifest order', async () => {
    const dir = path.join(tmp, 'tiny');
    // Group 0: the first 4 weights over 3 shards cut at odd byte offsets; group 1: the rest in one shard.
    const g0 = Buffer.concat(values.slice(0, 4).map(f32bytes));
    const g1 = Buffer.concat(values.slice(4).map(f32bytes));
    await mkdir(dir);
    await writeFile(path.join(dir, 'group1-shard1of3.bin'), g0.subarray(0, 37));
    await writeFile(path.join(dir, 'group1-shard2of3.bin'), g0.subarray(37, 101));
    await writeFile(path.join(dir, 'group1-shard3of3.bin'), g0.subarray(101));
    await writeFile(path.join(dir, 'group2-shard1of1.bin'), g1);
    const topology = model.toJSON(null, false);
    await writeModelJson(
      dir,
      [
        { paths: ['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin'], weights: entries.slice(0, 4) },
        { paths: ['group2-shard1of1.bin'], weights: entries.slice(4) },
      ],
      { modelTopology: topology },
    );
    const read = await readTfjsLayersFolder(dir);
    expect(read.origin).toBe(path.resolve(dir));
    expect(read.modelTopology).toEqual(JSON.parse(JSON.stringify(topology)));
    expect([...read.tensors.keys()]).toEqual(entries.map((e) => e.name));
    expect([...read.tensors.keys()]).toEqual(['c1/kernel', 'c1/bias', 'c1_bn/gamma', 'c1_bn/beta', 'c1_bn/moving_mean', 'c1_bn/moving_variance', 'head/kernel', 'head/bias']);
    entries.forEach((e, i) => {
      const t = read.tensors.get(e.name)!;
      expect(t.shape).toEqual(e.shape);
      expect(t.data).toBeInstanceOf(Float32Array);
      expect(t.data).toEqual(values[i]);
    });
    // The path of the model.json itself works too.
    const again = await readTfjsLayersFolder(path.join(dir, 'model.json'));
    expect(again.tensors.get('head/kernel')!.data).toEqual(values[6]);
  });

  it('dequantises uint8 / uint16 (q × scale + min) and float16 weights to float32', async () => {
    const dir = path.join(tmp, 'quantised');
    const u8 = Uint8Array.from([0, 1, 128, 255]);
    const u16 = Uint16Array.from([0, 1000, 65535]);
    const f16 = Uint16Array.from([0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00]); // 1, -2, ≈0.33325, 2^-24, +inf
    const plain = Float32Array.from([1.5, -2.25]);
    await mkdir(dir);
    await writeFile(
      path.join(dir, 'w.bin'),
      Buffer.concat([Buffer.from(u8), Buffer.from(u16.buffer), Buffer.from(f16.buffer), f32bytes(plain)]),
    );
    await writeModelJson(dir, [
      {
        paths: ['w.bin'],
        weights: [
          { name: 'a/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
          { name: 'b/kernel', shape: [3], dtype: 'float32', quantization: { dtype: 'uint16', scale: 0.001, min: 2 } },
          { name: 'c/kernel', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } },
          { name: 'd/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ]);
    const { tensors } = await readTfjsLayersFolder(dir);
    expect(Array.from(tensors.get('a/kernel')!.data)).toEqual([-1, -0.5, 63, 126.5]);
    const b = Array.from(tensors.get('b/kernel')!.data);
    [2, 3, 67.535].forEach((v, i) => expect(b[i]).toBeCloseTo(v, 4));
    const c = Array.from(tensors.get('c/kernel')!.data);
    expect(c[0]).toBe(1);
    expect(c[1]).toBe(-2);
    expect(c[2]).toBeCloseTo(0.33325, 5);
    expect(c[3]).toBe(2 ** -24);
    expect(c[4]).toBe(Infinity);
    expect(Array.from(tensors.get('d/bias')!.data)).toEqual([1.5, -2.25]);
  });

  it('says which path is missing and that a TF.js layers-model folder is expected', async () => {
    const empty = path.join(tmp, 'empty');
    await mkdir(empty);
    const err = await readTfjsLayersFolder(empty).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TfjsLayersFolderError);
    expect((err as Error).message).toContain(path.join(empty, 'model.json'));
    expect((err as Error).message).toContain('the folder has no model.json');
    expect((err as Error).message).toContain('A TF.js layers-model folder is expected');
    await expect(readTfjsLayersFolder(path.join(tmp, 'nowhere'))).rejects.toThrow(/nowhere\/model\.json: the folder does not exist\. A TF\.js layers-model folder/);
  });

  it('names a missing shard, a shard size that does not match the manifest, and what cannot be read', async () => {
    const manifest = [{ paths: ['a.bin', 'b.bin'], weights: [{ name: 'x/kernel', shape: [2, 3], dtype: 'float32' }] }];
    const dir = path.join(tmp, 'shards');
    await writeModelJson(dir, manifest);
    await writeFile(path.join(dir, 'a.bin'), Buffer.alloc(12));
    await expect(readTfjsLayersFolder(dir)).rejects.toThrow(`weight shard ${path.join(dir, 'b.bin')} (group 0, shard 2 of 2 listed in ${path.join(dir, 'model.json')}) is missing`);

    await writeFile(path.join(dir, 'b.bin'), Buffer.alloc(8));
    await expect(readTfjsLayersFolder(dir)).rejects.toThrow(
      'a.bin (12 bytes), b.bin (8 bytes) hold 20 bytes in all, but its manifest describes 1 weights of 24 bytes',
    );
    await writeFile(path.join(dir, 'b.bin'), Buffer.alloc(16));
    await expect(readTfjsLayersFolder(dir)).rejects.toThrow('hold 28 bytes in all, but its manifest describes 1 weights of 24 bytes');

    const bad = async (name: string, weightsManifest: unknown, extra: Record<string, unknown> = {}): Promise<string> => {
      const d = path.join(tmp, name);
      await writeModelJson(d, weightsManifest, extra);
      await writeFile(path.join(d, 'w.bin'), Buffer.alloc(4));
      const e = await readTfjsLayersFolder(d).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(TfjsLayersFolderError);
      return (e as Error).message;
    };
    expect(await bad('int', [{ paths: ['w.bin'], weights: [{ name: 'i/step', shape: [1], dtype: 'int32' }] }])).toContain(
      'weight i/step has dtype int32; only float32 weights',
    );
    expect(await bad('noscale', [{ paths: ['w.bin'], weights: [{ name: 'q/kernel', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8' } }] }])).toContain(
      'q/kernel is uint8-quantised without a numeric scale and min',
    );
    expect(await bad('q4', [{ paths: ['w.bin'], weights: [{ name: 'q/kernel', shape: [4], dtype: 'float32', quantization: { dtype: 'int4', scale: 1, min: 0 } }] }])).toContain(
      'unsupported quantization dtype "int4"',
    );
    expect(await bad('dup', [{ paths: ['w.bin'], weights: [{ name: 'a/b', shape: [], dtype: 'float32' }] }, { paths: ['w.bin'], weights: [{ name: 'a/b', shape: [], dtype: 'float32' }] }])).toContain(
      'weight a/b is listed twice',
    );
    expect(await bad('shape', [{ paths: ['w.bin'], weights: [{ name: 'a/b', shape: [-1], dtype: 'float32' }] }])).toContain('weight a/b: shape must be');
    expect(await bad('graph', [], { format: 'graph-model' })).toContain('is a TF.js graph model; a layers model');
    expect(await bad('nomanifest', undefined)).toContain('has no weightsManifest');

    const d = path.join(tmp, 'notjson');
    await mkdir(d);
    await writeFile(path.join(d, 'model.json'), '{ nope');
    await expect(readTfjsLayersFolder(d)).rejects.toThrow(`${path.join(d, 'model.json')} is not valid JSON`);
  });

  it.skipIf(!existsSync(path.join(SHARED, 'model.json')))('reads the shared MobileNetV2 0.35 folder: 260 tensors, 410,208 parameters', async () => {
    const { tensors, modelTopology, origin } = await readTfjsLayersFolder(SHARED);
    expect(origin).toBe(SHARED);
    expect(tensors.size).toBe(260);
    let params = 0;
    for (const t of tensors.values()) {
      expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      params += t.data.length;
    }
    expect(params).toBe(410_208);
    expect(tensors.get('Conv1/kernel')!.shape).toEqual([3, 3, 3, 16]);
    expect(tensors.get('bn_Conv1/moving_variance')!.shape).toEqual([16]);
    expect(tensors.get('block_1_depthwise/depthwise_kernel')!.shape).toEqual([3, 3, 48, 1]);
    expect(tensors.get('Conv_1/kernel')!.shape).toEqual([1, 1, 112, 1280]);
    expect([...tensors.values()].every((t) => t.data.every(Number.isFinite))).toBe(true);
    expect(Math.min(...tensors.get('bn_Conv1/moving_variance')!.data)).toBeGreaterThan(0);
    expect((modelTopology as { class_name: string }).class_name).toBe('Model');
  });
});
