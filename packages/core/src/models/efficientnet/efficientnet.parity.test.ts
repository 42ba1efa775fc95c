// efficientnet_b0 vs torchvision: the reference state dict (random weights, non-trivial BatchNorm
// statistics) loaded through the product path (readSafetensors → loadWeights), fed the reference's
// ImageNet-normalised images, must give torchvision's pooled features on every backend.
// Skips (with the reason) where /usr/bin/python3 has no torch/torchvision or the images are absent.

import path from 'node:path';
import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { loadTensorflow } from '../../tf/runtime.js';
import type { BackendName } from '../../tf/types.js';
import { readSafetensors } from '../../weights/safetensors.js';
import type { NamedTensor } from '../../weights/state-dict.js';
import { diffStats, ensureTorchReference, nchwToNhwc } from '../__fixtures__/torch-reference.js';
import { EFFICIENTNET_B0_BN_EPSILON, efficientnetB0Config } from './efficientnet.js';
import { efficientnetB0 } from './index.js';

const ref = await ensureTorchReference();
const skip = 'skip' in ref ? ref.skip : undefined;
if (skip) console.warn(`efficientnet_b0 torch parity skipped: ${skip}`);
const dir = 'dir' in ref ? ref.dir : '';

/** Allowed max |ours − torch|, relative to max |torch|. */
const TOLERANCE = 1e-4;
const BACKENDS: BackendName[] = ['cpu', 'wasm'];

async function tensorOf(file: string, name: string): Promise<NamedTensor> {
  const { tensors } = await readSafetensors(path.join(dir, file));
  const t = tensors.get(name);
  if (!t) throw new Error(`${file} has no tensor "${name}"`);
  return t;
}

/** Where each torchvision `features.i` ends in our graph. */
function stageOutputs(model: LayersModel): [string, SymbolicTensor][] {
  const config = efficientnetB0Config(1);
  const out: [string, SymbolicTensor][] = [['features.0', model.getLayer('features_0_2').output as SymbolicTensor]];
  for (let stage = 1; stage <= 7; stage++) {
    const blocks = config.blocks.filter((b) => b.path.startsWith(`features.${stage}.`));
    const last = blocks[blocks.length - 1]!;
    const name = last.path.replace(/\./g, '_');
    const layer = last.residual ? `${name}_add` : `${name}_block_${last.expand ? 3 : 2}_1`;
    out.push([`features.${stage}`, model.getLayer(layer).output as SymbolicTensor]);
  }
  out.push(['features.8', model.getLayer('features_8_2').output as SymbolicTensor]);
  return out;
}

describe('efficientnet_b0 parity with torchvision', () => {
  for (const backend of BACKENDS) {
    it.skipIf(skip !== undefined)(`${backend}: pooled features within ${TOLERANCE} × max|torch|${skip ? ` (skipped: ${skip})` : ''}`, async () => {
      const { tf } = await loadTensorflow({ backend });
      const start = tf.memory().numTensors;
      const model = efficientnetB0.build(tf, { imageSize: 224 });
      const weightsFile = path.join(dir, 'efficientnet_b0.safetensors');
      const { tensors } = await readSafetensors(weightsFile);
      await efficientnetB0.loadWeights(tf, model, { kind: 'state-dict', tensors, origin: weightsFile });

      const input = nchwToNhwc(await tensorOf('inputs.safetensors', 'input'));
      const expected = await tensorOf('efficientnet_b0.features.safetensors', 'features');
      const [n] = input.shape as [number];
      expect(expected.shape).toEqual([n, 1280]);

      const baseline = tf.memory().numTensors;
      const x = tf.tensor4d(input.data, input.shape as [number, number, number, number]);
      tf.tidy(() => {
        model.predict(tf.slice(x, 0, 1)); // warm-up on one image (wasm sets up its kernels), not timed
      });
      const t0 = performance.now();
      const y = tf.tidy(() => model.predict(x) as Tensor);
      const ours = (await y.data()) as Float32Array;
      const ms = performance.now() - t0;
      tf.dispose([x, y]);
      expect(y.shape).toEqual([n, 1280]);

      const d = diffStats(ours, expected.data);
      console.log(
        `efficientnet_b0 ${backend}: max|diff| ${d.maxAbs.toExponential(3)}, mean|diff| ${d.meanAbs.toExponential(3)}, ` +
          `max|torch| ${d.scale.toFixed(4)}, relative ${d.relMax.toExponential(3)}; forward 224×224 batch ${n}: ${ms.toFixed(0)} ms`,
      );
      expect(d.relMax).toBeLessThanOrEqual(TOLERANCE);
      expect(tf.memory().numTensors).toBe(baseline);
      model.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }, 300_000);
  }

  it.skipIf(skip !== undefined)(`the reference is torchvision efficientnet_b0 with our BatchNorm settings${skip ? ` (skipped: ${skip})` : ''}`, () => {
    const manifest = 'manifest' in ref ? ref.manifest : undefined;
    const info = manifest?.models.find((m) => m.name === 'efficientnet_b0');
    expect(info).toBeDefined();
    expect(info!.featureDim).toBe(1280);
    // torch's parameter count of the backbone (4,007,548, as ours), or with the 1280×1000 classifier
    expect([4_007_548, 4_007_548 + 1280 * 1000 + 1000]).toContain(info!.parameterCount);
    expect(info!.batchNorm).toEqual([{ eps: EFFICIENTNET_B0_BN_EPSILON, momentum: 0.1, count: 49 }]);
  });

  it.skipIf(skip !== undefined)(`cpu: every stage output (image 0) within ${TOLERANCE} × max|torch|${skip ? ` (skipped: ${skip})` : ''}`, async () => {
    const { tf } = await loadTensorflow({ backend: 'cpu' });
    const start = tf.memory().numTensors;
    const model = efficientnetB0.build(tf, { imageSize: 224 });
    const weightsFile = path.join(dir, 'efficientnet_b0.safetensors');
    await efficientnetB0.loadWeights(tf, model, { kind: 'state-dict', tensors: (await readSafetensors(weightsFile)).tensors, origin: weightsFile });
    const stages = stageOutputs(model);
    const probe = tf.model({ inputs: model.inputs, outputs: stages.map(([, t]) => t) });
    const input = nchwToNhwc(await tensorOf('inputs.safetensors', 'input'));
    const [, h, w, c] = input.shape as [number, number, number, number];
    const { tensors: reference } = await readSafetensors(path.join(dir, 'efficientnet_b0.stages.safetensors'));

    const outputs = tf.tidy(() => probe.predict(tf.tensor4d(input.data.subarray(0, h * w * c), [1, h, w, c])) as Tensor[]);
    const report: string[] = [];
    const failures: string[] = [];
    stages.forEach(([label], i) => {
      const torch = reference.get(label);
      if (!torch) throw new Error(`stages file has no "${label}"`);
      const want = nchwToNhwc(torch);
      const got = outputs[i]!;
      expect(got.shape).toEqual(want.shape);
      const d = diffStats(got.dataSync(), want.data);
      report.push(`${label} ${d.relMax.toExponential(2)}`);
      if (!(d.relMax <= TOLERANCE)) failures.push(`${label}: relative max diff ${d.relMax}`);
    });
    tf.dispose(outputs);
    console.log(`efficientnet_b0 cpu stage diffs (relative): ${report.join(', ')}`);
    expect(failures).toEqual([]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  }, 300_000);
});
