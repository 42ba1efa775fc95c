// Training kernels the TensorFlow.js wasm backend lacks (tfjs 4.22): Conv2DBackpropFilter,
// DepthwiseConv2dNativeBackpropFilter and DepthwiseConv2dNativeBackpropInput. Each is composed from
// kernels wasm does have, so conv nets can be trained on wasm.
//
// Conv2DBackpropFilter is ONE wasm (XNNPACK) Conv2D: the filter gradient
//   dW[kh,kw,ci,co] = Σ_{b,oy,ox} xPad[b, oy·s + kh, ox·s + kw, ci] · dy[b, oy, ox, co]
// is a convolution of the input with the output gradient, dilated by the stride. Swapping the roles
// of batch and channels — x' = (ci, H, W, b), filter' = dy as (oh, ow, b, co) — gives
//   out[ci, kh, kw, co] = Σ_{oy,ox,b} x'Pad[ci, kh + oy·s, kw + ox·s, b] · filter'[oy, ox, b, co]
// i.e. conv2d(x', filter', strides 1, dilations s, explicit padding), then a crop to the filter size
// and a transpose to (kh, kw, ci, co).
//
// DepthwiseConv2dNativeBackpropFilter is kh·kw strided slices of the padded input multiplied by dy and
// summed over (b, oy, ox). DepthwiseConv2dNativeBackpropInput is a stride-1 depthwise conv of the
// zero-dilated output gradient with the spatially flipped filter (channel multiplier folded in with a
// reshape and a sum).
//
// Conv2DBackpropInput: wasm HAS one, but it is a plain C loop without XNNPACK (~0.6 GMAC/s, ~10× slower
// than a forward convolution; ~60% of a ResNet18 finetune step). We replace it (keeping TF.js's as the
// fallback for NCHW and dilations > 1) by one XNNPACK Conv2D: with dyDil the output gradient with s − 1
// zeros inserted between rows/columns,
//   dx[iy] = Σ_k dyDil[iy + top − k] · w[k] = Σ_k' dyDilPad[iy + k'] · w[kh − 1 − k'],
// a stride-1 conv of dyDil padded by kh − 1 − top before and whatever makes the output H rows after
// (negative = crop: trailing input rows no window reaches), with the filter rotated 180° and its
// in/out channels swapped. Stride 1 is exactly that (explicit padding, no copy). A 1×1 filter commutes
// with the zero insertion, so it is convolved first, then dilated. Other strided filters skip the zeros
// (3/4 of the dilated conv's work at stride 2): one conv of the undilated dy computes every output phase
// (iy mod s) as its own block of channels, then depth-to-space (polyphaseBackpropInput).
// NEURO_SSL_WASM_NATIVE_BACKPROP_INPUT=1 keeps TF.js's own kernel (to time one against the other in one
// checkout; bench/train/run.mjs's workers inherit it).
//
// Inside a kernel we work on TensorInfos with the wasm backend's own kernel functions, as tfjs's
// composite wasm kernels do, and free every intermediate with backend.disposeData.

import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './types.js';
import { wasmTile } from './wasm-tile.js';

/** The kernels registered by `registerWasmTrainingKernels`. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

/**
 * Kernels wasm has but that are slow, which `registerWasmTrainingKernels` replaces by ours (unless
 * NEURO_SSL_WASM_NATIVE_BACKPROP_INPUT=1); TF.js's own stays the fallback for what ours does not support.
 */
export const WASM_REPLACED_KERNELS = ['Conv2DBackpropInput', 'Tile'] as const;

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];
type RoundingMode = 'floor' | 'round' | 'ceil' | undefined;

interface WasmBackendLike {
  disposeData(dataId: object, force?: boolean): boolean;
}

interface KernelArgs {
  inputs: NamedTensorInfoMap;
  backend: unknown;
  attrs?: NamedAttrMap;
}

/** Runs wasm kernels by name and frees what it made unless it is kept. */
class Scope {
  private readonly temps: TensorInfo[] = [];
  constructor(
    private readonly tf: Tf,
    private readonly backend: WasmBackendLike,
  ) {}

  run(kernelName: string, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
    const kernel = this.tf.getKernel(kernelName, 'wasm');
    if (!kernel) throw new Error(`wasm training kernels: the wasm backend has no ${kernelName} kernel`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs } as unknown as Parameters<typeof kernel.kernelFunc>[0]);
    if (Array.isArray(out)) throw new Error(`wasm training kernels: ${kernelName} returned several tensors`);
    this.temps.push(out);
    return out;
  }

  /** Frees every intermediate except `keep` (the kernel's output, which the engine then owns). */
  finish(keep: TensorInfo): TensorInfo {
    for (const t of this.temps) if (t !== keep) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
    return keep;
  }

  /** On error, free everything. */
  abort(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

function withScope(tf: Tf, backend: unknown, body: (s: Scope) => TensorInfo): TensorInfo {
  const scope = new Scope(tf, backend as WasmBackendLike);
  try {
    return scope.finish(body(scope));
  } catch (err) {
    scope.abort();
    throw err;
  }
}

/** Pads (positive amounts) and crops (negative amounts) each axis of a tensor: `amounts[axis] = [before, after]`. */
function padOrCropAxes(s: Scope, x: TensorInfo, amounts: Array<[number, number]>): TensorInfo {
  let t = x;
  if (amounts.some(([b, a]) => b > 0 || a > 0)) {
    t = s.run('PadV2', { x: t }, { paddings: amounts.map(([b, a]) => [Math.max(0, b), Math.max(0, a)]), constantValue: 0 });
  }
  if (amounts.some(([b, a]) => b < 0 || a < 0)) {
    const shape = t.shape;
    const begin = amounts.map(([b]) => Math.max(0, -b));
    const size = amounts.map(([b, a], i) => shape[i]! - Math.max(0, -b) - Math.max(0, -a));
    t = s.run('Slice', { x: t }, { begin, size });
  }
  return t;
}

type Shape4 = [number, number, number, number];

/** Geometry of a dilation-1, NHWC convolution (both gradient kernels need it). */
function nhwcConvInfo(
  tf: Tf,
  inputShape: Shape4,
  filterShape: Shape4,
  attrs: { strides: [number, number] | number; pad: Parameters<Tf['backend_util']['computeConv2DInfo']>[4]; dimRoundingMode?: RoundingMode },
): ReturnType<Tf['backend_util']['computeConv2DInfo']> {
  return tf.backend_util.computeConv2DInfo(inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
}

/** Pads (positive amounts) and crops (negative amounts) the two spatial axes of an NHWC tensor. */
function padOrCrop(s: Scope, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  return padOrCropAxes(s, x, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
}

function conv2DBackpropFilter(tf: Tf, args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as {
    strides: [number, number] | number;
    pad: Pad;
    dataFormat: 'NHWC' | 'NCHW';
    dimRoundingMode?: RoundingMode;
    filterShape: [number, number, number, number];
  };
  if (attrs.dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter supports only dataFormat NHWC');
  const info = nhwcConvInfo(tf, x.shape as Shape4, attrs.filterShape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: H, inWidth: W } = info;
  const { top, left } = info.padInfo;
  return withScope(tf, args.backend, (s) => {
    // Rows of x' the conv reads: top .. top + H - 1 must cover kh + (oh - 1)·s rows in all.
    const bottom = kh + (oh - 1) * sh - H - top;
    const right = kw + (ow - 1) * sw - W - left;
    const xT = s.run('Transpose', { x }, { perm: [3, 1, 2, 0] }); // (ci, H, W, b)
    const xP = padOrCrop(s, xT, top, bottom, left, right); // (ci, kh + (oh-1)s, kw + (ow-1)s, b)
    const dyT = s.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // (oh, ow, b, co)
    const conv = s.run(
      'Conv2D',
      { x: xP, filter: dyT },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined as unknown as string },
    ); // (ci, kh, kw, co)
    return s.run('Transpose', { x: conv }, { perm: [1, 2, 0, 3] }); // (kh, kw, ci, co)
  });
}

/** Zero-inserts an NHWC tensor by the stride: (b, h, w, c) → (b, h·sh, w·sw, c), values at multiples of s. */
function dilate(s: Scope, x: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return x;
  const [b, h, w, c] = x.shape as [number, number, number, number];
  const x6 = s.run('Reshape', { x }, { shape: [b, h, 1, w, 1, c] });
  const p6 = s.run(
    'PadV2',
    { x: x6 },
    {
      paddings: [
        [0, 0],
        [0, 0],
        [0, sh - 1],
        [0, 0],
        [0, sw - 1],
        [0, 0],
      ],
      constantValue: 0,
    },
  );
  return s.run('Reshape', { x: p6 }, { shape: [b, h * sh, w * sw, c] });
}

/** Conv2D, stride 1, with explicit padding; negative amounts crop first (XNNPACK pads implicitly, no copy). */
function convPadded(s: Scope, x: TensorInfo, filter: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  const cropped = padOrCrop(s, x, Math.min(0, top), Math.min(0, bottom), Math.min(0, left), Math.min(0, right));
  const pad = [
    [0, 0],
    [Math.max(0, top), Math.max(0, bottom)],
    [Math.max(0, left), Math.max(0, right)],
    [0, 0],
  ];
  return s.run(
    'Conv2D',
    { x: cropped, filter },
    { strides: [1, 1], pad: pad as unknown as string, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined as unknown as string },
  );
}

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: Pad;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: RoundingMode;
  inputShape: [number, number, number, number];
  dilations?: [number, number] | number;
}

/** Whether ours handles these attributes; otherwise TF.js's own kernel runs. */
function backpropInputSupported(attrs: BackpropInputAttrs): boolean {
  if (attrs.dataFormat === 'NCHW') return false;
  const d = attrs.dilations ?? 1;
  return typeof d === 'number' ? d === 1 : d.every((v) => v === 1);
}

function conv2DBackpropInput(tf: Tf, args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as BackpropInputAttrs;
  const info = nhwcConvInfo(tf, attrs.inputShape, filter.shape as Shape4, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: H, inWidth: W } = info;
  const { top, left } = info.padInfo;
  return withScope(tf, args.backend, (s) => {
    if ((sh > 1 || sw > 1) && (kh > 1 || kw > 1)) return polyphaseBackpropInput(s, dy, filter, info);
    // The filter rotated 180° with in/out channels swapped: (kh, kw, ci, co) → (kh, kw, co, ci).
    const rotated = kh > 1 || kw > 1 ? s.run('Reverse', { x: filter }, { dims: [0, 1] }) : filter;
    const wT = s.run('Transpose', { x: rotated }, { perm: [0, 1, 3, 2] });
    // Pads of the dilated gradient (oh·sh rows, the last sh − 1 of them zeros) so the stride-1 conv gives H rows.
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    const padBottom = H + kh - 1 - oh * sh - padTop;
    const padRight = W + kw - 1 - ow * sw - padLeft;
    if (kh === 1 && kw === 1) {
      const conv = s.run('Conv2D', { x: dy, filter: wT }, { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined as unknown as string });
      return padOrCrop(s, dilate(s, conv, sh, sw), padTop, padBottom, padLeft, padRight);
    }
    return convPadded(s, dy, wT, padTop, padBottom, padLeft, padRight); // stride 1
  });
}

/**
 * One axis of the polyphase split of a strided backprop-input (see polyphaseBackpropInput): with
 * q = p + pad, dx[s·a + p] = Σ_j dy[a + ⌊q/s⌋ − j] · w[q mod s + s·j]. A common stride-1 window of `taps`
 * over dy padded by `before` serves every phase p; phase p's tap t is w[base + s·(taps − 1 − t) + p]
 * (zero outside 0..k−1), i.e. the filter padded to base .. base + s·taps, reshaped (taps, s), reversed.
 */
function phaseAxis(k: number, stride: number, pad: number, inSize: number, outSize: number) {
  let before = -Infinity;
  let last = -Infinity;
  for (let p = 0; p < stride; p++) {
    const q = p + pad;
    const c = Math.floor(q / stride);
    const taps = Math.ceil((k - (q % stride)) / stride);
    if (taps <= 0) continue;
    before = Math.max(before, taps - 1 - c);
    last = Math.max(last, c);
  }
  const taps = last + before + 1;
  const rows = Math.ceil(inSize / stride); // outputs per phase
  return { taps, before, after: rows + taps - 1 - before - outSize, rows, base: pad + stride * before - stride * (taps - 1) };
}

/**
 * Strided Conv2DBackpropInput as ONE stride-1 XNNPACK conv of the (undilated) output gradient: the
 * sh·sw output phases (iy mod sh, ix mod sw) each see a fixed subset of the filter taps, so the conv has
 * sh·sw·ci output channels (a 3×3 stride-2 filter becomes 2×2 taps × 4 phases: 16 multiply-adds per
 * dy pixel and channel pair instead of 36 on the zero-dilated gradient), then depth-to-space and a crop.
 */
function polyphaseBackpropInput(s: Scope, dy: TensorInfo, filter: TensorInfo, info: ReturnType<Tf['backend_util']['computeConv2DInfo']>): TensorInfo {
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: H, inWidth: W, inChannels: ci, outChannels: co, batchSize: b } = info;
  const y = phaseAxis(kh, sh, info.padInfo.top, H, oh);
  const x = phaseAxis(kw, sw, info.padInfo.left, W, ow);
  // Filter (kh, kw, ci, co) → taps (ty, tx) × phases (py, px): (Ty, Tx, co, sh·sw·ci).
  const fP = padOrCropAxes(s, filter, [
    [-y.base, y.base + sh * y.taps - kh],
    [-x.base, x.base + sw * x.taps - kw],
    [0, 0],
    [0, 0],
  ]); // (sh·Ty, sw·Tx, ci, co)
  const f6 = s.run('Reshape', { x: fP }, { shape: [y.taps, sh, x.taps, sw, ci, co] });
  const fR = y.taps > 1 || x.taps > 1 ? s.run('Reverse', { x: f6 }, { dims: [0, 2] }) : f6;
  const fT = s.run('Transpose', { x: fR }, { perm: [0, 2, 5, 1, 3, 4] }); // (Ty, Tx, co, sh, sw, ci)
  const g = s.run('Reshape', { x: fT }, { shape: [y.taps, x.taps, co, sh * sw * ci] });
  const conv = convPadded(s, dy, g, y.before, y.after, x.before, x.after); // (b, Ay, Ax, sh·sw·ci)
  // Depth-to-space: (b, Ay, Ax, sh, sw, ci) → (b, Ay, sh, Ax, sw, ci) → (b, Ay·sh, Ax·sw, ci), crop to H × W.
  const c6 = s.run('Reshape', { x: conv }, { shape: [b, y.rows, x.rows, sh, sw, ci] });
  const d6 = s.run('Transpose', { x: c6 }, { perm: [0, 1, 3, 2, 4, 5] });
  const dx = s.run('Reshape', { x: d6 }, { shape: [b, y.rows * sh, x.rows * sw, ci] });
  return padOrCrop(s, dx, 0, H - y.rows * sh, 0, W - x.rows * sw);
}

interface DepthwiseAttrs {
  strides: [number, number] | number;
  dilations: [number, number] | number;
  pad: Pad;
  dimRoundingMode?: RoundingMode;
}

function depthwiseInfo(tf: Tf, inShape: number[], filterShape: number[], attrs: DepthwiseAttrs) {
  const info = tf.backend_util.computeConv2DInfo(
    inShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error('wasm depthwise conv gradients support only dilation 1 (as tfjs gradients do)');
  }
  return info;
}

function depthwiseBackpropFilter(tf: Tf, args: KernelArgs): TensorInfo {
  const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseAttrs & { filterShape: [number, number, number, number] };
  const info = depthwiseInfo(tf, x.shape, attrs.filterShape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: H, inWidth: W } = info;
  const [b, , , ci] = x.shape as [number, number, number, number];
  const m = attrs.filterShape[3];
  const { top, left } = info.padInfo;
  return withScope(tf, args.backend, (s) => {
    const xP = padOrCrop(s, x, top, kh + (oh - 1) * sh - H - top, left, kw + (ow - 1) * sw - W - left);
    const dy5 = s.run('Reshape', { x: dy }, { shape: [b, oh, ow, ci, m] });
    const taps: TensorInfo[] = [];
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const xs =
          sh === 1 && sw === 1
            ? s.run('Slice', { x: xP }, { begin: [0, i, j, 0], size: [b, oh, ow, ci] })
            : s.run(
                'StridedSlice',
                { x: xP },
                {
                  begin: [0, i, j, 0],
                  end: [b, i + (oh - 1) * sh + 1, j + (ow - 1) * sw + 1, ci],
                  strides: [1, sh, sw, 1],
                  beginMask: 0,
                  endMask: 0,
                  ellipsisMask: 0,
                  newAxisMask: 0,
                  shrinkAxisMask: 0,
                },
              );
        const xs5 = s.run('Reshape', { x: xs }, { shape: [b, oh, ow, ci, 1] });
        const prod = s.run('Multiply', { a: xs5, b: dy5 });
        taps.push(s.run('Sum', { x: prod }, { axis: [0, 1, 2], keepDims: false })); // (ci, m)
      }
    }
    const stacked = taps.length === 1 ? taps[0]! : s.run('Pack', taps as unknown as NamedTensorInfoMap, { axis: 0 });
    return s.run('Reshape', { x: stacked }, { shape: [kh, kw, ci, m] });
  });
}

function depthwiseBackpropInput(tf: Tf, args: KernelArgs): TensorInfo {
  const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
  const attrs = args.attrs as unknown as DepthwiseAttrs & { inputShape: [number, number, number, number] };
  const info = depthwiseInfo(tf, attrs.inputShape, filter.shape, attrs);
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
  const [b, , , ci] = attrs.inputShape;
  const m = filter.shape[3]!;
  const { top, left } = info.padInfo;
  return withScope(tf, args.backend, (s) => {
    // Zero-dilate dy by the stride: (b, oh, ow, c) → (b, oh·sh, ow·sw, c), dy at multiples of s.
    const d = dilate(s, dy, sh, sw);
    // dx[iy] = Σ_k dyDil[iy + top - k] · w[k] = Σ_k' dyDilPad[iy + k'] · flip(w)[k'], pad kh-1-top before.
    const dh = d.shape[1]!;
    const dw = d.shape[2]!;
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    const dP = padOrCrop(s, d, padTop, H + kh - 1 - dh - padTop, padLeft, W + kw - 1 - dw - padLeft);
    const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
    if (m === 1) {
      return s.run('DepthwiseConv2dNative', { x: dP, filter: flipped }, { strides: [1, 1], pad: 'valid', dilations: [1, 1] });
    }
    // Channel multiplier m: dP has ci·m channels; a depthwise conv with a (kh, kw, ci·m, 1) filter, then
    // sum the m products of each input channel.
    const fm = s.run('Reshape', { x: flipped }, { shape: [kh, kw, ci * m, 1] });
    const conv = s.run('DepthwiseConv2dNative', { x: dP, filter: fm }, { strides: [1, 1], pad: 'valid', dilations: [1, 1] });
    const c5 = s.run('Reshape', { x: conv }, { shape: [b, H, W, ci, m] });
    return s.run('Sum', { x: c5 }, { axis: [4], keepDims: false });
  });
}

const registered = new WeakSet<object>();

/** NEURO_SSL_WASM_NATIVE_BACKPROP_INPUT=1: keep TF.js's own wasm Conv2DBackpropInput (to time the two). */
function keepNativeBackpropInput(): boolean {
  return typeof process !== 'undefined' && process.env?.NEURO_SSL_WASM_NATIVE_BACKPROP_INPUT === '1';
}

type KernelConfig = Parameters<Tf['registerKernel']>[0];

/**
 * Registers, for the wasm backend, the training kernels it lacks (`WASM_TRAINING_KERNELS`) and replaces
 * the slow ones it has (`WASM_REPLACED_KERNELS`; TF.js's stays the fallback for what ours does not
 * support). Idempotent; a missing kernel that the wasm backend already has (a later tfjs) is left alone.
 * Returns the kernels this call registered.
 */
export function registerWasmTrainingKernels(tf: Tf): string[] {
  if (registered.has(tf)) return [];
  registered.add(tf);
  const impls: Record<(typeof WASM_TRAINING_KERNELS)[number], (tf: Tf, args: KernelArgs) => TensorInfo> = {
    Conv2DBackpropFilter: conv2DBackpropFilter,
    DepthwiseConv2dNativeBackpropFilter: depthwiseBackpropFilter,
    DepthwiseConv2dNativeBackpropInput: depthwiseBackpropInput,
  };
  const done: string[] = [];
  for (const kernelName of WASM_TRAINING_KERNELS) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    const impl = impls[kernelName];
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ((args: KernelArgs) => impl(tf, args)) as unknown as KernelConfig['kernelFunc'],
    });
    done.push(kernelName);
  }
  const native = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (native && !keepNativeBackpropInput()) {
    // Same setup/dispose hooks as TF.js's (they bind its C function, which the fallback calls).
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({
      ...native,
      kernelFunc: ((args: KernelArgs) =>
        backpropInputSupported(args.attrs as unknown as BackpropInputAttrs)
          ? conv2DBackpropInput(tf, args)
          : native.kernelFunc(args as unknown as Parameters<KernelConfig['kernelFunc']>[0])) as unknown as KernelConfig['kernelFunc'],
    });
    done.push('Conv2DBackpropInput');
  }
  const nativeTile = tf.getKernel('Tile', 'wasm');
  if (nativeTile) {
    tf.unregisterKernel('Tile', 'wasm');
    tf.registerKernel({
      ...nativeTile,
      kernelFunc: ((args: KernelArgs) => wasmTile(args, (a) => nativeTile.kernelFunc(a as Parameters<KernelConfig['kernelFunc']>[0]) as TensorInfo)) as unknown as KernelConfig['kernelFunc'],
    });
    done.push('Tile');
  }
  return done;
}
