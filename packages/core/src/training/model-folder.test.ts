// A model folder written from a snapshot (what fit holds between checkpoints) is the folder a save at
// the snapshot's moment writes, byte for byte, whatever training happened since; and its model.json and
// weights.bin are what TF.js's own LayersModel.save hands over.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AdamOptimizer, io, LayersModel, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTensorflow } from '../tf/runtime.js';
import type { Tf } from '../tf/types.js';
import { createRng } from '../util/rng.js';
import { disposeSnapshot, MODEL_JSON, saveModelFolder, snapshotModel, writeModelFolder } from './model-folder.js';

let tf: Tf;
let dir: string;
beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'model-folder-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function model(): LayersModel {
  const m = tf.sequential({
    layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu', name: 'hidden' }), tf.layers.batchNormalization({ name: 'bn' }), tf.layers.dense({ units: 1, name: 'logit' })],
  });
  const init = createRng(3);
  m.setWeights(m.getWeights().map((w) => tf.tensor(Float32Array.from({ length: w.size }, () => init.normal()), w.shape)));
  return m;
}

/** One Adam step on a fixed batch (BatchNorm in training mode: its moving statistics move too). */
function step(m: LayersModel, optimizer: AdamOptimizer): void {
  const x = tf.tensor2d([0.5, -1, 2, 1, 0, -0.5], [2, 3]);
  const trainable = m.trainableWeights.map((w) => w.read() as Variable);
  optimizer.minimize(() => tf.tidy(() => (m.apply(x, { training: true }) as Tensor).square().mean() as Scalar), false, trainable);
  x.dispose();
}

async function files(folder: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await fs.readdir(folder)).sort()) out[name] = (await fs.readFile(path.join(folder, name))).toString('base64');
  return out;
}

describe('model folders', () => {
  it('model.json and weights.bin are what LayersModel.save hands over', async () => {
    const m = model();
    let artifacts: io.ModelArtifacts | undefined;
    await m.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    await saveModelFolder(tf, m, path.join(dir, 'plain'));
    const json = JSON.parse(await fs.readFile(path.join(dir, 'plain', MODEL_JSON), 'utf8')) as { modelTopology: unknown; weightsManifest: { weights: unknown }[] };
    expect(json.modelTopology).toEqual(artifacts!.modelTopology);
    expect(json.weightsManifest[0]!.weights).toEqual(artifacts!.weightSpecs);
    const bin = await fs.readFile(path.join(dir, 'plain', 'weights.bin'));
    expect(Buffer.compare(bin, Buffer.from(artifacts!.weightData as ArrayBuffer))).toBe(0);
    m.dispose();
  });

  it('a snapshot written after three more training steps is the folder saved at its moment; it leaks nothing', async () => {
    const m = model();
    const optimizer = tf.train.adam(0.1);
    step(m, optimizer);
    const tensors = tf.memory().numTensors;
    await saveModelFolder(tf, m, path.join(dir, 'then'), optimizer, { 'state.json': { epoch: 1 } });
    expect(tf.memory().numTensors).toBe(tensors);
    const snapshot = await snapshotModel(tf, m, optimizer);
    const before = m.getWeights().map((w) => Array.from(w.dataSync()));
    for (let i = 0; i < 3; i++) step(m, optimizer);
    expect(m.getWeights().map((w) => Array.from(w.dataSync()))).not.toEqual(before);
    await writeModelFolder(tf, m, path.join(dir, 'later'), snapshot, { 'state.json': { epoch: 1 } });
    disposeSnapshot(tf, snapshot);
    expect(tf.memory().numTensors).toBe(tensors);
    expect(await files(path.join(dir, 'later'))).toEqual(await files(path.join(dir, 'then')));
    expect(Object.keys(await files(path.join(dir, 'later')))).toEqual(['model.json', 'optimizer.bin', 'optimizer.json', 'state.json', 'weights.bin']);
    optimizer.dispose();
    m.dispose();
  });
});
