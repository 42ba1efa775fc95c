// Test helpers written from torchvision's resnet.py, independently of our TF.js builder: the
// state_dict names and shapes of torchvision's ResNet18/34 (optionally width-scaled), random state
// dicts in that naming, and a naive float64 NCHW forward pass with PyTorch semantics (symmetric zero
// padding for convs, -inf padding for the max pool, BN in eval mode with eps 1e-5).

import { createRng } from '../../../util/rng.js';
import type { NamedTensor, StateDict } from '../../../weights/state-dict.js';

export type Depth = 18 | 34;

const BLOCKS: Record<Depth, number[]> = { 18: [2, 2, 2, 2], 34: [3, 4, 6, 3] };
const ch = (c: number, width: number): number => Math.max(1, Math.round(c * width));

export interface TorchParam {
  name: string;
  shape: number[];
  kind: 'conv' | 'bn-weight' | 'bn-bias' | 'bn-mean' | 'bn-var' | 'fc-weight' | 'fc-bias';
}

/** torchvision's ResNet state_dict float entries (no num_batches_tracked), in module order. */
export function torchvisionResNetParams(depth: Depth, width = 1, numClasses = 1000): TorchParam[] {
  const out: TorchParam[] = [];
  const conv = (name: string, o: number, i: number, k: number): void => void out.push({ name: `${name}.weight`, shape: [o, i, k, k], kind: 'conv' });
  const bn = (name: string, c: number): void => {
    out.push({ name: `${name}.weight`, shape: [c], kind: 'bn-weight' });
    out.push({ name: `${name}.bias`, shape: [c], kind: 'bn-bias' });
    out.push({ name: `${name}.running_mean`, shape: [c], kind: 'bn-mean' });
    out.push({ name: `${name}.running_var`, shape: [c], kind: 'bn-var' });
  };
  let inplanes = ch(64, width);
  conv('conv1', inplanes, 3, 7);
  bn('bn1', inplanes);
  BLOCKS[depth].forEach((blocks, s) => {
    const planes = ch([64, 128, 256, 512][s]!, width);
    for (let b = 0; b < blocks; b++) {
      const p = `layer${s + 1}.${b}`;
      const stride = s > 0 && b === 0 ? 2 : 1;
      conv(`${p}.conv1`, planes, inplanes, 3);
      bn(`${p}.bn1`, planes);
      conv(`${p}.conv2`, planes, planes, 3);
      bn(`${p}.bn2`, planes);
      if (stride !== 1 || inplanes !== planes) {
        conv(`${p}.downsample.0`, planes, inplanes, 1);
        bn(`${p}.downsample.1`, planes);
      }
      inplanes = planes;
    }
  });
  out.push({ name: 'fc.weight', shape: [numClasses, inplanes], kind: 'fc-weight' });
  out.push({ name: 'fc.bias', shape: [numClasses], kind: 'fc-bias' });
  return out;
}

const size = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** A random torchvision-named state dict with non-trivial BN statistics (seeded). */
export function randomTorchvisionStateDict(depth: Depth, width: number, seed: number, numClasses = 10): StateDict {
  const rng = createRng(seed);
  const dict: StateDict = new Map();
  for (const p of torchvisionResNetParams(depth, width, numClasses)) {
    const n = size(p.shape);
    const data = new Float32Array(n);
    const fanOut = p.kind === 'conv' ? p.shape[0]! * p.shape[2]! * p.shape[3]! : 1;
    for (let i = 0; i < n; i++) {
      switch (p.kind) {
        case 'conv':
          data[i] = rng.normal() * Math.sqrt(2 / fanOut);
          break;
        case 'bn-weight':
          data[i] = rng.uniform(0.5, 1.5);
          break;
        case 'bn-bias':
        case 'bn-mean':
          data[i] = rng.uniform(-0.2, 0.2);
          break;
        case 'bn-var':
          data[i] = rng.uniform(0.5, 2);
          break;
        default:
          data[i] = rng.uniform(-0.1, 0.1);
      }
    }
    dict.set(p.name, { shape: [...p.shape], data });
  }
  return dict;
}

/** One image, channels first, float64. */
interface Chw {
  c: number;
  h: number;
  w: number;
  d: Float64Array;
}

function conv2d(x: Chw, weight: NamedTensor, stride: number, pad: number): Chw {
  const [o, i, k] = weight.shape as [number, number, number, number];
  if (i !== x.c) throw new Error(`conv2d: weight expects ${i} channels, input has ${x.c}`);
  const h = Math.floor((x.h + 2 * pad - k) / stride) + 1;
  const w = Math.floor((x.w + 2 * pad - k) / stride) + 1;
  const d = new Float64Array(o * h * w);
  for (let oo = 0; oo < o; oo++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let s = 0;
        for (let ii = 0; ii < i; ii++)
          for (let ky = 0; ky < k; ky++) {
            const iy = y * stride - pad + ky;
            if (iy < 0 || iy >= x.h) continue;
            for (let kx = 0; kx < k; kx++) {
              const ix = xx * stride - pad + kx;
              if (ix < 0 || ix >= x.w) continue;
              s += x.d[(ii * x.h + iy) * x.w + ix]! * weight.data[((oo * i + ii) * k + ky) * k + kx]!;
            }
          }
        d[(oo * h + y) * w + xx] = s;
      }
  return { c: o, h, w, d };
}

function batchNorm(x: Chw, sd: StateDict, name: string): Chw {
  const g = sd.get(`${name}.weight`)!.data;
  const b = sd.get(`${name}.bias`)!.data;
  const m = sd.get(`${name}.running_mean`)!.data;
  const v = sd.get(`${name}.running_var`)!.data;
  const d = new Float64Array(x.d.length);
  const hw = x.h * x.w;
  for (let c = 0; c < x.c; c++) {
    const scale = g[c]! / Math.sqrt(v[c]! + 1e-5);
    for (let p = 0; p < hw; p++) d[c * hw + p] = (x.d[c * hw + p]! - m[c]!) * scale + b[c]!;
  }
  return { ...x, d };
}

const relu = (x: Chw): Chw => ({ ...x, d: x.d.map((v) => (v > 0 ? v : 0)) });

function maxPool3x3s2p1(x: Chw): Chw {
  const h = Math.floor((x.h + 2 - 3) / 2) + 1;
  const w = Math.floor((x.w + 2 - 3) / 2) + 1;
  const d = new Float64Array(x.c * h * w);
  for (let c = 0; c < x.c; c++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++) {
        let m = -Infinity;
        for (let ky = 0; ky < 3; ky++)
          for (let kx = 0; kx < 3; kx++) {
            const iy = y * 2 - 1 + ky;
            const ix = xx * 2 - 1 + kx;
            if (iy >= 0 && iy < x.h && ix >= 0 && ix < x.w) m = Math.max(m, x.d[(c * x.h + iy) * x.w + ix]!);
          }
        d[(c * h + y) * w + xx] = m;
      }
  return { c: x.c, h, w, d };
}

/** The named intermediate outputs of a naive torchvision ResNet forward pass on one NCHW image. */
export function torchvisionForward(sd: StateDict, depth: Depth, image: { c: number; h: number; w: number; data: ArrayLike<number> }): { features: Float64Array; trace: Map<string, Chw> } {
  const trace = new Map<string, Chw>();
  let x: Chw = { c: image.c, h: image.h, w: image.w, d: Float64Array.from(image.data) };
  x = conv2d(x, sd.get('conv1.weight')!, 2, 3);
  trace.set('conv1', x);
  x = relu(batchNorm(x, sd, 'bn1'));
  x = maxPool3x3s2p1(x);
  trace.set('maxpool', x);
  BLOCKS[depth].forEach((blocks, s) => {
    for (let b = 0; b < blocks; b++) {
      const p = `layer${s + 1}.${b}`;
      const stride = s > 0 && b === 0 ? 2 : 1;
      let y = relu(batchNorm(conv2d(x, sd.get(`${p}.conv1.weight`)!, stride, 1), sd, `${p}.bn1`));
      y = batchNorm(conv2d(y, sd.get(`${p}.conv2.weight`)!, 1, 1), sd, `${p}.bn2`);
      const ds = sd.get(`${p}.downsample.0.weight`);
      const shortcut = ds ? batchNorm(conv2d(x, ds, stride, 0), sd, `${p}.downsample.1`) : x;
      const d = new Float64Array(y.d.length);
      for (let i = 0; i < d.length; i++) d[i] = Math.max(0, y.d[i]! + shortcut.d[i]!);
      x = { ...y, d };
      trace.set(p, x);
    }
  });
  const hw = x.h * x.w;
  const features = new Float64Array(x.c);
  for (let c = 0; c < x.c; c++) {
    let s = 0;
    for (let p = 0; p < hw; p++) s += x.d[c * hw + p]!;
    features[c] = s / hw;
  }
  return { features, trace };
}

/** NCHW → NHWC for a batch stored contiguously. */
export function toNhwc(data: ArrayLike<number>, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++)
    for (let cc = 0; cc < c; cc++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + cc] = data[((b * c + cc) * h + y) * w + x]!;
  return out;
}
