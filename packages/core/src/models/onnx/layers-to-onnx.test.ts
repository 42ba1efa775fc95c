// Every engine answers to the same parity rule: ONNX Runtime running our exported graph gives TF.js's
// outputs within 1e-4 relative (to the output scale), for each backbone and a classifier, with weights
// far from the identity (BatchNorm randomised, then folded, as every inference path runs them).
import { existsSync } from 'node:fs';
import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MOBILENET_V2_WEIGHTS_DIR } from '../../__fixtures__/shared-paths.js';
import { silentLogger } from '../../progress/logger.js';
import { loadTensorflow } from '../../tf/runtime.js';
import type { Tf } from '../../tf/types.js';
import { attachHead, initHead, type ClassifierSpec } from '../../training/classifier.js';
import { createRng, type Rng } from '../../util/rng.js';
import { foldBatchNorm } from '../fold-batchnorm.js';
import { getBackbone } from '../registry.js';
import { seededInit } from '../seeded-init.js';
import { probeWebGpu } from '../../tf/webgpu.js';
import { chooseProviders, createInferenceEngine } from './inference-engine.js';
import { layersModelToOnnx, OnnxExportError } from './layers-to-onnx.js';
import { createOnnxSession, loadOnnxRuntime } from './onnx-session.js';

let tf: Tf;
let ortMissing: string | null = null;
beforeAll(async () => {
  ({ tf } = await loadTensorflow({ backend: 'cpu' }));
  ortMissing = await loadOnnxRuntime().then(
    () => null,
    (err: Error) => err.message,
  );
});

function randomise(model: LayersModel, rng: Rng): void {
  seededInit(tf, model, rng.fork('init'));
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const values = layer.weights.map((w) => {
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const n = w.shape[0] as number;
      return tf.tensor1d(Float32Array.from({ length: n }, () => (role === 'gamma' ? 0.5 + rng.next() : role === 'moving_variance' ? 0.5 + 1.5 * rng.next() : 0.2 * rng.normal())));
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

async function compare(model: LayersModel, size: number, batch = 3): Promise<{ rel: number; scale: number }> {
  const input = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => Math.sin(i * 0.37) * 0.9);
  const x = tf.tensor4d(input, [batch, size, size, 3]);
  const expected = (await (model.predict(x) as Tensor).data()) as Float32Array;
  x.dispose();
  const session = await createOnnxSession(layersModelToOnnx(model), { threads: 1 });
  const actual = await session.run(input, [batch, size, size, 3]);
  await session.dispose();
  expect(actual.length).toBe(expected.length);
  let maxDiff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return { rel: maxDiff / scale, scale };
}

describe('TF.js layers model → ONNX, run on ONNX Runtime', () => {
  it.each([
    ['resnet18', undefined],
    ['resnet34', undefined],
    ['efficientnet_b0', 0.5],
    ['mobilenet_v2', 0.35],
  ] as const)('%s matches TF.js within 1e-4 relative (BatchNorm folded, dynamic batch)', async (name, width) => {
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    const size = 64;
    const backbone = getBackbone(name).build(tf, { imageSize: size, ...(width ? { width } : {}) });
    randomise(backbone, createRng(11));
    const folded = foldBatchNorm(tf, backbone);
    const { rel, scale } = await compare(folded, size);
    expect(scale).toBeGreaterThan(0);
    expect(rel).toBeLessThan(1e-4);
    // The batch size is free: another batch gives its own rows.
    expect((await compare(folded, size, 1)).rel).toBeLessThan(1e-4);
    folded.dispose();
    backbone.dispose();
  }, 120_000);

  it('a classifier (backbone + MLP head) exports its logit, or with the temperature folded in, its calibrated probability', async () => {
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    const spec: ClassifierSpec = { backbone: 'mobilenet_v2', width: 0.35, imageSize: 32, head: { type: 'mlp', hidden: 8, dropout: 0.3 } };
    const backbone = getBackbone(spec.backbone).build(tf, { imageSize: 32, width: spec.width });
    randomise(backbone, createRng(3));
    const classifier = foldBatchNorm(tf, attachHead(tf, backbone, spec));
    initHead(tf, classifier, createRng(4));
    expect((await compare(classifier, 32)).rel).toBeLessThan(1e-4);
    const input = Float32Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => Math.cos(i * 0.11));
    const logits = (await (classifier.predict(tf.tensor4d(input, [2, 32, 32, 3])) as Tensor).data()) as Float32Array;
    const calibrated = await createOnnxSession(layersModelToOnnx(classifier, { calibratedProbability: { temperature: 1.7 } }), { threads: 1 });
    const p = await calibrated.run(input, [2, 32, 32, 3]);
    for (let i = 0; i < 2; i++) expect(p[i]).toBeCloseTo(1 / (1 + Math.exp(-(logits[i] as number) / 1.7)), 6);
    await calibrated.dispose();
  }, 120_000);

  it('the real ImageNet MobileNetV2-0.35 from ../shared matches TF.js within 1e-4', async () => {
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    if (!existsSync(MOBILENET_V2_WEIGHTS_DIR)) return void console.warn(`skipped: no ${MOBILENET_V2_WEIGHTS_DIR}`);
    const definition = getBackbone('mobilenet_v2');
    const model = definition.build(tf, { imageSize: 224, width: 0.35 });
    await definition.loadWeights(tf, model, { kind: 'tfjs-layers', dir: MOBILENET_V2_WEIGHTS_DIR, origin: MOBILENET_V2_WEIGHTS_DIR });
    const folded = foldBatchNorm(tf, model);
    expect((await compare(folded, 224, 2)).rel).toBeLessThan(1e-4);
    folded.dispose();
    model.dispose();
  }, 120_000);

  it('an untranslatable layer is an error naming it; auto falls back to TF.js and says why, onnx fails', async () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const out = tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, name: 'up' }).apply(input) as ReturnType<typeof tf.input>;
    const model = tf.model({ inputs: input, outputs: out });
    expect(() => layersModelToOnnx(model)).toThrow(OnnxExportError);
    expect(() => layersModelToOnnx(model)).toThrow(/layer up \(Conv2DTranspose\) has no ONNX translation/);
    const lines: string[] = [];
    const logger = { ...silentLogger, warn: (m: string) => void lines.push(m) };
    const engine = await createInferenceEngine(tf, model, { request: 'auto', threads: 1, logger });
    expect(engine.name).toBe('tfjs');
    expect(lines[0]).toMatch(/inference: layer up \(Conv2DTranspose\) has no ONNX translation.*running on TF\.js instead/);
    await expect(createInferenceEngine(tf, model, { request: 'onnx', threads: 1, logger })).rejects.toThrow(OnnxExportError);
    model.dispose();
  });

  it('auto asks for CUDA where its provider library is installed, and falls back to the cpu provider with one warning when CUDA cannot start', async () => {
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    const lines: [string, string][] = [];
    const logger = { ...silentLogger, info: (m: string) => void lines.push(['info', m]), warn: (m: string) => void lines.push(['warn', m]) };
    const installed = { cuda: () => true };
    expect(await chooseProviders(logger, {}, installed)).toEqual(['cuda', 'cpu']);
    expect(await chooseProviders(logger, { NEURO_SSL_ORT_PROVIDERS: 'cpu' }, installed)).toEqual(['cpu']);
    const x = tf.input({ shape: [8, 8, 3] });
    const y = tf.layers.globalAveragePooling2d({}).apply(tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: 'same' }).apply(x)) as SymbolicTensor;
    const model = tf.model({ inputs: x, outputs: y });
    seededInit(tf, model, createRng(3).fork('init'));
    // This machine has no CUDA provider library: the session on cuda fails, the engine runs on cpu.
    const engine = await createInferenceEngine(tf, model, { request: 'onnx', threads: 1, logger, probes: installed });
    expect(engine.name).toBe('onnx');
    expect(engine.description).toMatch(/\(cpu, 1 thread\)/);
    expect(lines.filter(([level]) => level === 'warn').map(([, l]) => l)).toEqual([expect.stringMatching(/^inference: ONNX Runtime's cuda provider could not start \(.+\); running on its cpu provider$/)]);
    const input = Float32Array.from({ length: 2 * 8 * 8 * 3 }, (_, i) => Math.cos(i));
    const expected = (await (model.predict(tf.tensor4d(input, [2, 8, 8, 3])) as Tensor).data()) as Float32Array;
    const actual = await engine.forward(input, [2, 8, 8, 3]);
    for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, 5);
    await engine.dispose();
    // Named providers are the caller's choice: no silent fallback.
    await expect(createInferenceEngine(tf, model, { request: 'onnx', threads: 1, logger, providers: ['cuda', 'cpu'] })).rejects.toThrow(/cuda|Cuda|CUDA/);
    model.dispose();
  });

  it("ONNX Runtime's WebGPU provider gives the CPU provider's outputs within 1e-4 (lavapipe here); auto never picks a software adapter", async () => {
    if (ortMissing) return void console.warn(`skipped: ${ortMissing}`);
    const lines: string[] = [];
    const logger = { ...silentLogger, info: (m: string) => void lines.push(m) };
    expect(await chooseProviders(logger, { NEURO_SSL_ORT_PROVIDERS: 'cuda, cpu' })).toEqual(['cuda', 'cpu']);
    const probe = await probeWebGpu();
    if (!probe.available) return void console.warn(`WebGPU provider check skipped: ${probe.reason}`);
    const software = /software|cpu/i.test(`${probe.adapter.architecture} ${probe.adapter.description}`) || probe.adapter.isFallbackAdapter;
    if (software) expect(await chooseProviders(logger, {})).toEqual(['cpu']);
    const model = foldBatchNorm(tf, (() => {
      const m = getBackbone('mobilenet_v2').build(tf, { imageSize: 64, width: 0.35 });
      randomise(m, createRng(5));
      return m;
    })());
    const bytes = layersModelToOnnx(model);
    const input = Float32Array.from({ length: 2 * 64 * 64 * 3 }, (_, i) => Math.sin(i * 0.3));
    const cpu = await createOnnxSession(bytes, { threads: 1, providers: ['cpu'] });
    const gpu = await createOnnxSession(bytes, { threads: 1, providers: ['webgpu', 'cpu'] });
    const [a, b] = [await cpu.run(input, [2, 64, 64, 3]), await gpu.run(input, [2, 64, 64, 3])];
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < a.length; i++) {
      diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)));
      scale = Math.max(scale, Math.abs(a[i] as number));
    }
    expect(diff / scale).toBeLessThan(1e-4);
    await Promise.all([cpu.dispose(), gpu.dispose()]);
    model.dispose();
  }, 120_000);
});
