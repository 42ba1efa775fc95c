import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { diffStats, ensureTorchReference, nchwToNhwc, readReferenceHeader, readReferenceStateDict, readReferenceTensor } from './torch-reference.js';

const ref = await ensureTorchReference();
if ('skip' in ref) console.warn(`torch reference skipped: ${ref.skip}`);
const dir = 'dir' in ref ? ref.dir : '';

const EXPECTED_DIMS = { resnet18: 512, resnet34: 512, efficientnet_b0: 1280 } as const;

/** A safetensors file built by hand, so the reader is tested without Python. */
function safetensors(tensors: { name: string; dtype: string; shape: number[]; bytes: Uint8Array }[]): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { note: 'hand-made' } };
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json), ...tensors.map((t) => Buffer.from(t.bytes))]);
}

describe('test-side helpers (no Python needed)', () => {
  const tmp = mkdtemp(path.join(tmpdir(), 'torch-ref-'));
  afterAll(async () => rm(await tmp, { recursive: true, force: true }));

  it('nchwToNhwc moves channels last', () => {
    // [1, 2, 2, 3]: value = c * 100 + y * 10 + x
    const data = new Float32Array(12);
    for (let c = 0; c < 2; c++) for (let y = 0; y < 2; y++) for (let x = 0; x < 3; x++) data[(c * 2 + y) * 3 + x] = c * 100 + y * 10 + x;
    const out = nchwToNhwc({ shape: [1, 2, 2, 3], data });
    expect(out.shape).toEqual([1, 2, 3, 2]);
    expect([...out.data]).toEqual([0, 100, 1, 101, 2, 102, 10, 110, 11, 111, 12, 112]);
    expect(() => nchwToNhwc({ shape: [2, 3], data: new Float32Array(6) })).toThrow(/4-d/);
  });

  it('reads F32 tensors and refuses other dtypes', async () => {
    const file = path.join(await tmp, 'x.safetensors');
    const a = new Float32Array([1.5, -2, 3.25, 4, 5, 6]);
    await writeFile(
      file,
      safetensors([
        { name: 'half', dtype: 'F16', shape: [2], bytes: new Uint8Array(4) },
        { name: 'a', dtype: 'F32', shape: [2, 3], bytes: new Uint8Array(a.buffer) },
      ]),
    );
    const t = await readReferenceTensor(file, 'a');
    expect(t.shape).toEqual([2, 3]);
    expect([...t.data]).toEqual([...a]);
    await expect(readReferenceTensor(file, 'half')).rejects.toThrow(/F16.*F32 only/);
    await expect(readReferenceTensor(file, 'nope')).rejects.toThrow(/no tensor "nope"/);
    expect((await readReferenceHeader(file)).metadata).toEqual({ note: 'hand-made' });
  });

  it('diffStats', () => {
    expect(diffStats([1, 2, 3], [1, 2.5, -4])).toEqual({ maxAbs: 7, meanAbs: 2.5, scale: 4, relMax: 1.75 });
    expect(diffStats([NaN, 0], [0, 0]).maxAbs).toBeNaN();
  });
});

describe.skipIf('skip' in ref)('PyTorch reference outputs', () => {
  const manifest = 'manifest' in ref ? ref.manifest : undefined;

  it('manifest: versions, seed, 2 Cancer + 2 Normal images, three models with BatchNorm settings', () => {
    expect(manifest!.torch).toMatch(/^\d+\.\d+/);
    expect(manifest!.torchvision).toMatch(/^\d+\.\d+/);
    expect(manifest!.seed).toBe(0);
    expect(manifest!.images.map((i) => i.label)).toEqual(['Cancer', 'Cancer', 'Normal', 'Normal']);
    for (const img of manifest!.images) expect(img.path).toMatch(new RegExp(`^${img.label}/`));
    expect(Object.fromEntries(manifest!.models.map((m) => [m.name, m.featureDim]))).toEqual(EXPECTED_DIMS);
    for (const m of manifest!.models) {
      expect(m.batchNorm.length).toBeGreaterThan(0);
      for (const bn of m.batchNorm) expect(bn.eps).toBeGreaterThan(0);
      expect(m.headKeys.length).toBe(2);
    }
  });

  it('inputs: [4, 3, 224, 224], ImageNet-normalised, distinct images', async () => {
    const t = await readReferenceTensor(path.join(dir, 'inputs.safetensors'), 'input');
    expect(t.shape).toEqual([4, 3, 224, 224]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of t.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBeGreaterThanOrEqual(Math.fround((0 - 0.485) / 0.229) - 1e-5);
    expect(max).toBeLessThanOrEqual(Math.fround((1 - 0.406) / 0.225) + 1e-5);
    const per = 3 * 224 * 224;
    expect(diffStats(t.data.subarray(0, per), t.data.subarray(per, 2 * per)).maxAbs).toBeGreaterThan(1);
  });

  for (const [name, dim] of Object.entries(EXPECTED_DIMS)) {
    it(`${name}: features [4, ${dim}], finite, different per image`, async () => {
      const t = await readReferenceTensor(path.join(dir, `${name}.features.safetensors`), 'features');
      expect(t.shape).toEqual([4, dim]);
      expect(t.data.every(Number.isFinite)).toBe(true);
      // Not constant across images: each image's features differ from image 0's by a good fraction of
      // their scale (random BN statistics that ignore the activations made EfficientNet's differ by 1e-6).
      const scale = diffStats(t.data, new Float32Array(t.data.length)).maxAbs;
      for (let i = 1; i < 4; i++) expect(diffStats(t.data.subarray(i * dim, (i + 1) * dim), t.data.subarray(0, dim)).maxAbs).toBeGreaterThan(0.05 * scale);
      // Nor a degenerate vector.
      expect(diffStats(t.data.subarray(0, dim), new Float32Array(dim)).maxAbs).toBeGreaterThan(1e-3);
    });

    it(`${name}: state dict in F32 with non-trivial BatchNorm statistics and affine parameters`, async () => {
      const model = manifest!.models.find((m) => m.name === name)!;
      const file = path.join(dir, model.stateDict);
      const header = await readReferenceHeader(file);
      expect(header.tensors.size).toBe(model.tensorCount);
      expect([...header.tensors.values()].every((t) => t.dtype === 'F32')).toBe(true);
      expect([...header.tensors.keys()].some((k) => k.endsWith('num_batches_tracked'))).toBe(false);
      const prefixes = [...header.tensors.keys()].filter((k) => k.endsWith('.running_var')).map((k) => k.slice(0, -'.running_var'.length));
      expect(prefixes.length).toBe(model.batchNorm.reduce((a, b) => a + b.count, 0));
      const wanted = new Set(prefixes.flatMap((p) => ['running_mean', 'running_var', 'weight', 'bias'].map((r) => `${p}.${r}`)));
      const bn = await readReferenceStateDict(file, (k) => wanted.has(k));
      expect(bn.size).toBe(wanted.size);
      const inRange = (k: string, lo: number, hi: number): void => expect(bn.get(k)!.data.every((v) => v >= lo && v <= hi), `${k} outside [${lo}, ${hi}]`).toBe(true);
      for (const p of prefixes) {
        const v = bn.get(`${p}.running_var`)!.data;
        expect(v.some((x) => x !== 1), `${p}.running_var is all ones`).toBe(true);
        expect(v.every((x) => x > 0 && Number.isFinite(x)), `${p}.running_var not positive`).toBe(true);
        expect(bn.get(`${p}.running_mean`)!.data.some((x) => x !== 0), `${p}.running_mean is all zeros`).toBe(true);
        inRange(`${p}.weight`, 0.5, 1.5);
        inRange(`${p}.bias`, -0.5, 0.5);
        expect(bn.get(`${p}.weight`)!.data.some((x) => x !== 1), `${p}.weight is all ones`).toBe(true);
      }
      const stageHeader = await readReferenceHeader(path.join(dir, model.stages));
      expect(Object.fromEntries([...stageHeader.tensors].map(([k, t]) => [k, t.shape]))).toEqual(model.stageShapes);
    });
  }

  it('dtypes.safetensors: F32, F16, BF16 and I64 tensors for reader tests', async () => {
    const header = await readReferenceHeader(path.join(dir, 'dtypes.safetensors'));
    expect(Object.fromEntries([...header.tensors].map(([k, t]) => [k, t.dtype]))).toEqual({
      'exact.f32': 'F32',
      'exact.f16': 'F16',
      'exact.bf16': 'BF16',
      'rounded.f32': 'F32',
      'rounded.f16': 'F16',
      'rounded.bf16': 'BF16',
      'edge.f16': 'F16',
      'edge.bf16': 'BF16',
      num_batches_tracked: 'I64',
    });
    expect(header.tensors.get('num_batches_tracked')!.shape).toEqual([]);
    const exact = await readReferenceTensor(path.join(dir, 'dtypes.safetensors'), 'exact.f32');
    expect([...exact.data]).toEqual((JSON.parse(header.metadata.exact!) as number[][]).flat());
  });
});
