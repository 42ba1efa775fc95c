// `runner export`: the exported model.onnx, run in ONNX Runtime on the preprocessed images, gives
// `runner predict`'s probabilities (within 1e-5), with meta.json saying how to feed it.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '@neuro-ssl/core';
import { writeSyntheticScans } from '@neuro-ssl/core/data';
import { IMAGENET_NORMALIZATION, loadPreprocessed, toFloatRGB } from '@neuro-ssl/core/image';
import { CLASSIFIER_KIND, attachHead, buildBackbone, initHead, saveModelFolder, type ClassifierMeta, type ClassifierSpec } from '@neuro-ssl/core/learn';
import { createOnnxSession, loadOnnxRuntime, seededInit } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { exportCommand, exportModel, ONNX_FILE, type ExportedMeta } from './export-command.js';
import { predictCommand } from './predict-command.js';

const SPEC: ClassifierSpec = { backbone: 'mobilenet_v2', width: 0.35, imageSize: 32, head: { type: 'mlp', hidden: 8, dropout: 0.2 } };
const PREPROCESS = { normalize: true, clahe: false, crop: 'brain', imageSize: 32 } as const;

let tmp: string;
let art: string;
let images: string[];
let ortMissing: string | null;

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'export-'));
  ortMissing = await loadOnnxRuntime().then(
    () => null,
    (err: Error) => err.message,
  );
  const { tf } = await loadTensorflow({ backend: 'cpu' });
  const backbone = buildBackbone(tf, SPEC);
  seededInit(tf, backbone, createRng(3));
  const model = attachHead(tf, backbone, SPEC);
  initHead(tf, model, createRng(4));
  art = path.join(tmp, 'model-artifact');
  await saveModelFolder(tf, model, path.join(art, 'model'));
  const meta: ClassifierMeta = {
    kind: CLASSIFIER_KIND,
    spec: SPEC,
    mode: 'finetune',
    preprocess: { ...PREPROCESS },
    normalization: IMAGENET_NORMALIZATION,
    classes: { Cancer: 1, Normal: 0 },
    temperature: 1.6,
    threshold: 0.4,
    beta: 2,
    epoch: 1,
    metrics: {},
    split: { train: [], validation: [] },
    weights: null,
    backend: 'cpu',
    seed: 1,
  };
  await fs.writeFile(path.join(art, 'meta.json'), JSON.stringify(meta));
  const { root } = await writeSyntheticScans(path.join(tmp, 'ds'), { labelledPerClass: 3, size: 48, seed: 5 });
  const dir = path.join(root, 'avec_labels');
  images = (await fs.readdir(dir, { recursive: true })).filter((f) => f.endsWith('.jpg')).map((f) => path.join(dir, f)).sort();
  model.dispose();
}, 120_000);

afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('runner export', () => {
  it("model.onnx in ONNX Runtime gives runner predict's calibrated probabilities, and meta.json says how to feed it", async () => {
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    const out = path.join(tmp, 'exported');
    const { files } = await exportModel({ model: art, out, format: 'onnx' });
    expect(files).toEqual([ONNX_FILE, 'meta.json']);
    const meta = JSON.parse(await fs.readFile(path.join(out, 'meta.json'), 'utf8')) as ExportedMeta;
    expect(meta).toMatchObject({ input: { name: 'input', layout: 'NHWC', shape: [null, 32, 32, 3] }, output: { name: 'probability' }, threshold: 0.4, temperature: 1.6 });
    expect(meta.classes).toEqual({ negative: 'Normal', positive: 'Cancer' });

    // What a deployment does: preprocess as meta.json says, normalise, run the graph.
    const batch = new Float32Array(images.length * 32 * 32 * 3);
    for (const [i, file] of images.entries()) batch.set(toFloatRGB(await loadPreprocessed(file, PREPROCESS), IMAGENET_NORMALIZATION), i * 32 * 32 * 3);
    const session = await createOnnxSession(new Uint8Array(await fs.readFile(path.join(out, ONNX_FILE))), { threads: 1 });
    const exported = await session.run(batch, [images.length, 32, 32, 3]);
    await session.dispose();

    const sink = new PassThrough();
    const predicted = await predictCommand({ model: art, inputs: images, batchSize: 4, backend: 'cpu', inference: 'tfjs', out: path.join(tmp, 'p.csv'), stdout: sink, stderr: sink });
    expect(predicted.exitCode).toBe(0);
    const byPath = new Map(predicted.rows.map((r) => [r.path, r.probability]));
    for (const [i, file] of images.entries()) {
      const p = byPath.get(file) ?? byPath.get(path.relative(process.cwd(), file));
      expect(p, file).toBeTypeOf('number');
      expect(Math.abs((exported[i] as number) - (p as number))).toBeLessThan(1e-5);
    }
  }, 120_000);

  it('refuses a non-empty --out and a folder without a model, exit 2 with the reason', async () => {
    const busy = path.join(tmp, 'busy');
    await fs.mkdir(busy);
    await fs.writeFile(path.join(busy, 'keep.txt'), 'mine');
    const err = new PassThrough();
    let text = '';
    err.on('data', (b: Buffer) => (text += b.toString()));
    expect(await exportCommand({ model: art, out: busy, format: 'onnx' }, err)).toBe(2);
    expect(text).toMatch(/--out .*busy is not empty/);
    expect(await fs.readFile(path.join(busy, 'keep.txt'), 'utf8')).toBe('mine');
    expect(await exportCommand({ model: path.join(tmp, 'ds'), out: path.join(tmp, 'x'), format: 'onnx' }, err)).toBe(2);
    expect(text).toMatch(/no model there|Model artifact/);
  }, 60_000);
});
