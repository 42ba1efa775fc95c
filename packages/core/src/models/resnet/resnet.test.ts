import type { LayersModel, SymbolicTensor, Tensor } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createRng } from '../../util/rng.js';
import { loadTensorflow } from '../../tf/runtime.js';
import type { Tf } from '../../tf/types.js';
import { modelWeightKeys, WeightMismatchError, type NamedTensor, type StateDict } from '../../weights/state-dict.js';
import { randomTorchvisionStateDict, toNhwc, torchvisionForward, torchvisionResNetParams, type Depth } from './__fixtures__/torchvision-resnet.js';
import { buildResNet, mapResNetStateDict, resnet18, resnet34, resnetFeatureDim } from './index.js';

let tf: Tf;
beforeAll(async () => {
  tf = (await loadTensorflow({ backend: 'cpu' })).tf;
});

const SMALL = { width: 0.125, imageSize: 32 };

function randomInput(n: number, size: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n * size * size * 3 }, () => rng.normal());
}

function predict(model: LayersModel, nhwc: Float32Array, n: number, size: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(nhwc, [n, size, size, 3])) as Tensor).dataSync() as Float32Array);
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);
const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

/** The inverse of the product mapping, written independently here: our model's weights → torchvision names (OIHW kernels). */
function exportTorchvisionStateDict(model: LayersModel): StateDict {
  const roles: Record<string, string> = { gamma: 'weight', beta: 'bias', moving_mean: 'running_mean', moving_variance: 'running_var' };
  const sd: StateDict = new Map();
  for (const layer of model.layers) {
    const module = layer.name.replaceAll('_', '.');
    layer.getWeights().forEach((w, i) => {
      const role = layer.weights[i]!.originalName.split('/').pop()!;
      const data = w.dataSync() as Float32Array;
      if (role === 'kernel') {
        const [h, ww, ci, co] = w.shape as [number, number, number, number];
        const out = new Float32Array(data.length);
        for (let y = 0; y < h; y++)
          for (let x = 0; x < ww; x++) for (let c = 0; c < ci; c++) for (let o = 0; o < co; o++) out[((o * ci + c) * h + y) * ww + x] = data[((y * ww + x) * ci + c) * co + o]!;
        sd.set(`${module}.weight`, { shape: [co, ci, h, ww], data: out });
      } else {
        sd.set(`${module}.${roles[role]}`, { shape: [...w.shape], data: Float32Array.from(data) });
      }
    });
  }
  return sd;
}

const clone = (sd: StateDict): StateDict => new Map([...sd].map(([k, v]) => [k, { shape: [...v.shape], data: Float32Array.from(v.data) } satisfies NamedTensor]));

async function catchMismatch(p: Promise<void>): Promise<WeightMismatchError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WeightMismatchError);
  return err as WeightMismatchError;
}

describe('buildResNet', () => {
  it.each([
    [18, 32],
    [34, 32],
    [18, 64],
    [34, 57],
  ] as const)('ResNet%i at %i px, width 0.125 → [n, 64] pooled features', (depth, imageSize) => {
    const def = depth === 18 ? resnet18 : resnet34;
    const model = def.build(tf, { imageSize, width: 0.125 });
    expect(model.inputs[0]!.shape).toEqual([null, imageSize, imageSize, 3]);
    expect(model.outputs[0]!.shape).toEqual([null, 64]);
    expect(def.featureDim({ imageSize, width: 0.125 })).toBe(64);
    const y = predict(model, randomInput(2, imageSize, 1), 2, imageSize);
    expect(y.length).toBe(2 * 64);
    expect(y.every(Number.isFinite)).toBe(true);
    model.dispose();
  });

  it('has the feature dimension and defaults of the real architecture', () => {
    expect(resnet18.featureDim({ imageSize: 224 })).toBe(512);
    expect(resnet34.featureDim({ imageSize: 224, width: 1 })).toBe(512);
    expect(resnetFeatureDim(0.5)).toBe(256);
    expect(resnet18.defaultImageSize).toBe(224);
    expect(resnet18.normalization.name).toBe('imagenet');
    expect(resnet18.imagenet).toMatchObject({ file: 'resnet18.tv_in1k.safetensors', format: 'safetensors', url: 'https://huggingface.co/timm/resnet18.tv_in1k/resolve/main/model.safetensors' });
    expect(resnet34.imagenet).toMatchObject({ file: 'resnet34.tv_in1k.safetensors', format: 'safetensors', url: 'https://huggingface.co/timm/resnet34.tv_in1k/resolve/main/model.safetensors' });
  });

  it('rejects bad options', () => {
    expect(() => buildResNet(tf, { depth: 50 as 18, imageSize: 32 })).toThrow(/depth must be 18 or 34/);
    expect(() => buildResNet(tf, { depth: 18, imageSize: 0 })).toThrow(/imageSize/);
    expect(() => buildResNet(tf, { depth: 18, imageSize: 32, width: -1 })).toThrow(/width/);
  });

  it.each([
    [18, 11_176_512, 20],
    [34, 21_284_672, 36],
  ] as const)('ResNet%i at width 1 has torchvision’s %i parameters (without fc) in %i conv and as many BN layers', { timeout: 30_000 }, (depth, torchParams, convs) => {
    // Formula from torchvision's module list (no fc): conv k·k·in·out, BN 2·C parameters (+ 2·C running stats).
    const params = torchvisionResNetParams(depth, 1).filter((p) => !p.name.startsWith('fc.'));
    const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);
    const trainable = params.filter((p) => p.kind === 'conv' || p.kind === 'bn-weight' || p.kind === 'bn-bias').reduce((a, p) => a + size(p.shape), 0);
    const buffers = params.filter((p) => p.kind === 'bn-mean' || p.kind === 'bn-var').reduce((a, p) => a + size(p.shape), 0);
    expect(trainable).toBe(torchParams);

    const model = buildResNet(tf, { depth, imageSize: 224 });
    const count = (ws: { shape: (number | null)[] }[]): number => ws.reduce((a, w) => a + size(w.shape as number[]), 0);
    expect(count(model.trainableWeights)).toBe(torchParams);
    expect(model.countParams()).toBe(torchParams + buffers);
    expect(model.layers.filter((l) => l.getClassName() === 'Conv2D')).toHaveLength(convs);
    expect(model.layers.filter((l) => l.getClassName() === 'BatchNormalization')).toHaveLength(convs);
    // Every torchvision tensor (but fc) has exactly one model weight, and vice versa.
    const mapped = mapResNetStateDict(new Map(params.map((p) => [p.name, { shape: p.shape, data: new Float32Array(0) }])));
    expect([...mapped.tensors.keys()].sort()).toEqual([...modelWeightKeys(model).keys()].sort());
    // torchvision's spatial sizes at 224: 112 → 56 → 56, 28, 14, 7.
    expect(model.getLayer('conv1').outputShape).toEqual([null, 112, 112, 64]);
    expect(model.getLayer('maxpool').outputShape).toEqual([null, 56, 56, 64]);
    expect(model.getLayer('layer2_0_relu2').outputShape).toEqual([null, 28, 28, 128]);
    expect(model.getLayer('layer3_0_downsample_1').outputShape).toEqual([null, 14, 14, 256]);
    expect(model.getLayer(`layer4_${depth === 18 ? 1 : 2}_relu2`).outputShape).toEqual([null, 7, 7, 512]);
    model.dispose();
  });

  it('matches PyTorch output sizes for odd and even inputs', () => {
    const torchOut = (s: number, k: number, stride: number, pad: number): number => Math.floor((s + 2 * pad - k) / stride) + 1;
    for (const s of [32, 33, 45, 50]) {
      const model = buildResNet(tf, { depth: 18, imageSize: s, width: 0.125 });
      let side = torchOut(s, 7, 2, 3);
      expect(model.getLayer('conv1').outputShape).toEqual([null, side, side, 8]);
      side = torchOut(side, 3, 2, 1);
      expect(model.getLayer('maxpool').outputShape).toEqual([null, side, side, 8]);
      for (const [stage, c] of [
        [2, 16],
        [3, 32],
        [4, 64],
      ] as const) {
        side = torchOut(side, 3, 2, 1);
        expect(torchOut(side * 2 - 1, 1, 2, 0)).toBeGreaterThan(0);
        expect(model.getLayer(`layer${stage}_0_conv1`).outputShape).toEqual([null, side, side, c]);
        expect(model.getLayer(`layer${stage}_0_downsample_0`).outputShape).toEqual([null, side, side, c]);
      }
      model.dispose();
    }
  });
});

describe('padding matches PyTorch (symmetric), not TF "same"', () => {
  it('stem conv 7×7/2 pad 3 with all-ones weights counts the in-bounds taps at the border', () => {
    const model = buildResNet(tf, { depth: 18, imageSize: 8, width: 0.125 });
    const stem = tf.model({ inputs: model.inputs, outputs: model.getLayer('conv1').output as SymbolicTensor });
    const conv1 = model.getLayer('conv1');
    conv1.setWeights([tf.ones(conv1.weights[0]!.shape as number[])]);
    const out = tf.tidy(() => (stem.predict(tf.ones([1, 8, 8, 3])) as Tensor).arraySync() as number[][][][]);
    // Output (y, x) covers input rows 2y-3 .. 2y+3 (clipped to 0..7): 4, 6, 7, 5 rows for y = 0..3.
    const rows = [4, 6, 7, 5];
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(out[0]![y]![x]![0]).toBe(rows[y]! * rows[x]! * 3);
    // TF 'same' would pad 2 before / 3 after on an 8-px side: the corner would then be 5·5·3 = 75.
    expect(out[0]![0]![0]![0]).toBe(48);
    model.dispose(); // also frees the layers `stem` shares
  });

  it('stride-2 3×3 block conv (pad 1) and 1×1/2 downsample sample PyTorch’s positions', () => {
    const model = buildResNet(tf, { depth: 18, imageSize: 32, width: 0.125 });
    const pad = model.getLayer('layer2_0_conv1_pad');
    const conv = model.getLayer('layer2_0_conv1');
    const ds = model.getLayer('layer2_0_downsample_0');
    conv.setWeights([tf.ones(conv.weights[0]!.shape as number[])]);
    // Downsample kernel picks input channel 0 into every output channel.
    const dsKernel = tf.buffer(ds.weights[0]!.shape as number[]);
    for (let o = 0; o < 16; o++) dsKernel.set(1, 0, 0, 0, o);
    ds.setWeights([dsKernel.toTensor()]);
    const { convOut, dsOut } = tf.tidy(() => {
      const ones = tf.ones([1, 4, 4, 8]);
      // Input value = 10·row + col on channel 0.
      const grid = tf.tensor4d(Float32Array.from({ length: 4 * 4 * 8 }, (_, i) => (i % 8 === 0 ? Math.floor(i / 32) * 10 + (Math.floor(i / 8) % 4) : 0)), [1, 4, 4, 8]);
      return {
        convOut: (conv.apply(pad.apply(ones)) as Tensor).arraySync() as number[][][][],
        dsOut: (ds.apply(grid) as Tensor).arraySync() as number[][][][],
      };
    });
    // Output (y, x) covers rows 2y-1 .. 2y+1 of 0..3: 2 rows at y = 0, 3 at y = 1; × 8 channels.
    expect(convOut[0]!.map((r) => r.map((c) => c[0]))).toEqual([
      [2 * 2 * 8, 2 * 3 * 8],
      [3 * 2 * 8, 3 * 3 * 8],
    ]);
    // 1×1/2 without padding samples rows/cols 0 and 2.
    expect(dsOut[0]!.map((r) => r.map((c) => c[0]))).toEqual([
      [0, 2],
      [20, 22],
    ]);
    model.dispose();
  });

  it('max pool 3×3/2 pad 1 equals PyTorch’s -inf-padded pool on ReLU output', () => {
    const model = buildResNet(tf, { depth: 18, imageSize: 32, width: 0.125 });
    const pad = model.getLayer('maxpool_pad');
    const pool = model.getLayer('maxpool');
    const rng = createRng(5);
    const side = 6;
    const values = Float32Array.from({ length: side * side * 8 }, () => Math.max(0, rng.normal())); // post-ReLU
    const got = tf.tidy(() => (pool.apply(pad.apply(tf.tensor4d(values, [1, side, side, 8]))) as Tensor).dataSync());
    const out = 3;
    for (let y = 0; y < out; y++)
      for (let x = 0; x < out; x++)
        for (let c = 0; c < 8; c++) {
          let m = -Infinity;
          for (let ky = -1; ky <= 1; ky++)
            for (let kx = -1; kx <= 1; kx++) {
              const iy = 2 * y + ky;
              const ix = 2 * x + kx;
              if (iy >= 0 && iy < side && ix >= 0 && ix < side) m = Math.max(m, values[(iy * side + ix) * 8 + c]!);
            }
          expect(got[(y * out + x) * 8 + c]).toBe(m);
        }
    model.dispose();
  });
});

describe('torchvision state dicts', () => {
  it.each([
    [18, 32],
    [34, 33],
  ] as const)('ResNet%i at %i px equals a naive PyTorch-semantics forward pass of the same state dict', async (depth: Depth, size) => {
    const sd = randomTorchvisionStateDict(depth, 0.125, 100 + depth);
    sd.set('bn1.num_batches_tracked', { shape: [], data: new Float32Array([7]) }); // ignored even when stored as float
    const def = depth === 18 ? resnet18 : resnet34;
    const model = def.build(tf, { imageSize: size, width: 0.125 });
    await def.loadWeights(tf, model, { kind: 'state-dict', tensors: sd, origin: 'random.safetensors' });
    const n = 2;
    const rng = createRng(depth);
    const nchw = Float32Array.from({ length: n * 3 * size * size }, () => rng.normal());
    const ours = predict(model, toNhwc(nchw, n, 3, size, size), n, size);
    const reference: number[] = [];
    for (let b = 0; b < n; b++) {
      const image = { c: 3, h: size, w: size, data: nchw.subarray(b * 3 * size * size, (b + 1) * 3 * size * size) };
      reference.push(...torchvisionForward(sd, depth, image).features);
    }
    const scale = maxAbs(reference);
    expect(scale).toBeGreaterThan(0.01);
    expect(maxAbsDiff(ours, reference)).toBeLessThanOrEqual(1e-4 * scale);
    model.dispose();
  });

  it('round trip: weights exported to torchvision naming load into a second model with identical outputs', async () => {
    const a = resnet18.build(tf, SMALL);
    // Non-trivial BN parameters and statistics (the initial ones are 1, 0, 0, 1).
    const rng = createRng(9);
    for (const layer of a.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      layer.setWeights(layer.weights.map((w, i) => tf.tensor(Float32Array.from({ length: w.shape[0] as number }, () => (i === 3 ? rng.uniform(0.5, 2) : rng.uniform(-0.5, 0.5) + (i === 0 ? 1 : 0))))));
    }
    const sd = exportTorchvisionStateDict(a);
    sd.set('fc.weight', { shape: [10, 64], data: new Float32Array(640) });
    sd.set('fc.bias', { shape: [10], data: new Float32Array(10) });
    const b = resnet18.build(tf, SMALL);
    await resnet18.loadWeights(tf, b, { kind: 'state-dict', tensors: sd, origin: 'exported' });
    const x = randomInput(3, 32, 4);
    const ya = predict(a, x, 3, 32);
    const yb = predict(b, x, 3, 32);
    expect(maxAbs(ya)).toBeGreaterThan(0);
    expect(Array.from(yb)).toEqual(Array.from(ya));
    a.dispose();
    b.dispose();
  });

  it('frees every intermediate tensor after a forward pass', () => {
    const model = resnet34.build(tf, SMALL);
    const before = tf.memory().numTensors;
    predict(model, randomInput(2, 32, 3), 2, 32);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  describe('mismatches fail loudly and change nothing', () => {
    let model: LayersModel;
    let good: StateDict;
    let snapshot: Float32Array;
    beforeAll(() => {
      model = resnet18.build(tf, SMALL);
      good = randomTorchvisionStateDict(18, 0.125, 1);
      snapshot = Float32Array.from(model.getLayer('layer1_0_conv1').getWeights()[0]!.dataSync());
    });
    const load = (tensors: StateDict): Promise<void> => resnet18.loadWeights(tf, model, { kind: 'state-dict', tensors, origin: '/w/bad.safetensors' });
    const unchanged = (): void => expect(Array.from(model.getLayer('layer1_0_conv1').getWeights()[0]!.dataSync())).toEqual(Array.from(snapshot));

    it('a missing tensor', async () => {
      const sd = clone(good);
      sd.delete('layer3.1.bn2.running_var');
      sd.delete('layer2.0.downsample.0.weight');
      const err = await catchMismatch(load(sd));
      expect(err.missing.map((m) => m.name).sort()).toEqual([
        'layer2.0.downsample.0.weight (layer2_0_downsample_0/kernel)',
        'layer3.1.bn2.running_var (layer3_1_bn2/moving_variance)',
      ]);
      expect(err.missing.find((m) => m.name.startsWith('layer2'))!.shape).toEqual([16, 8, 1, 1]); // PyTorch OIHW
      expect(err.message).toContain('/w/bad.safetensors');
      expect(err.message).toContain('layer3.1.bn2.running_var');
      expect(err.unexpected).toEqual([]);
      unchanged();
    });

    it('an extra unknown tensor, including a conv bias our convs do not have', async () => {
      const sd = clone(good);
      sd.set('layer5.0.conv1.weight', { shape: [4, 4, 3, 3], data: new Float32Array(144) });
      sd.set('conv1.bias', { shape: [8], data: new Float32Array(8) });
      sd.set('head.fc.weight', { shape: [2, 64], data: new Float32Array(128) });
      const err = await catchMismatch(load(sd));
      expect(err.unexpected.map((u) => u.name).sort()).toEqual(['conv1.bias', 'head.fc.weight', 'layer5.0.conv1.weight']);
      expect(err.unexpected.find((u) => u.name === 'layer5.0.conv1.weight')!.shape).toEqual([4, 4, 3, 3]);
      expect(err.missing).toEqual([]);
      expect(err.message).toMatch(/unexpected \(3\)/);
      unchanged();
    });

    it('a wrong shape, reported in PyTorch layout', async () => {
      const sd = clone(good);
      sd.set('layer1.0.conv1.weight', { shape: [8, 4, 3, 3], data: new Float32Array(288) });
      sd.set('bn1.weight', { shape: [9], data: new Float32Array(9) });
      sd.set('layer1.1.conv2.weight', { shape: [8, 8, 9], data: new Float32Array(576) }); // not 4-D: not transposed
      const err = await catchMismatch(load(sd));
      expect(err.misshaped).toEqual(
        expect.arrayContaining([
          { name: 'layer1.0.conv1.weight', expected: [8, 8, 3, 3], got: [8, 4, 3, 3] },
          { name: 'bn1.weight', expected: [8], got: [9] },
          { name: 'layer1.1.conv2.weight', expected: [8, 8, 3, 3], got: [8, 8, 9] },
        ]),
      );
      expect(err.misshaped).toHaveLength(3);
      expect(err.message).toContain('layer1.0.conv1.weight: expected [8, 8, 3, 3], got [8, 4, 3, 3]');
      unchanged();
    });

    it('weights for the other depth', async () => {
      const err = await catchMismatch(load(randomTorchvisionStateDict(34, 0.125, 2)));
      expect(err.unexpected.map((u) => u.name)).toEqual(expect.arrayContaining(['layer1.2.conv1.weight', 'layer3.5.bn2.running_mean']));
      unchanged();
    });

    it('a TF.js layers folder is refused with a pointer to .safetensors', async () => {
      await expect(resnet18.loadWeights(tf, model, { kind: 'tfjs-layers', dir: '/w/mobilenet', origin: '/w/mobilenet' })).rejects.toThrow(/resnet18 takes .*\.safetensors.*\/w\/mobilenet/);
    });

    it('the correct dict then loads (classifier and num_batches_tracked dropped)', async () => {
      const sd = clone(good);
      sd.set('layer1.0.bn1.num_batches_tracked', { shape: [], data: new Float32Array([1]) });
      const mapped = mapResNetStateDict(sd);
      expect(mapped.dropped.sort()).toEqual(['fc.bias', 'fc.weight', 'layer1.0.bn1.num_batches_tracked']);
      await load(sd);
      const kernel = model.getLayer('layer1_0_conv1').getWeights()[0]!;
      const torch = good.get('layer1.0.conv1.weight')!;
      // HWIO [y, x, i, o] = OIHW [o, i, y, x]: check one element away from the diagonal.
      expect(kernel.shape).toEqual([3, 3, 8, 8]);
      expect(kernel.arraySync() as number[][][][]).toSatisfy((k: number[][][][]) => k[2]![1]![5]![3] === torch.data[((3 * 8 + 5) * 3 + 2) * 3 + 1]);
      const bn = model.getLayer('layer4_1_bn2').getWeights();
      expect(Array.from(bn[3]!.dataSync())).toEqual(Array.from(good.get('layer4.1.bn2.running_var')!.data));
    });
  });
});
