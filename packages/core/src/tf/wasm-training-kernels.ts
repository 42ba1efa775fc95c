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
// Inside a kernel we work on TensorInfos with the wasm backend's own kernel functions, as tfjs's
// composite wasm kernels do, and free every intermediate with backend.disposeData.

import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from './types.js';

/** The kernels registered by `registerWasmTrainingKernels`. */
export const WASM_TRAINING_KERNELS = [
  'Conv2DBackpropFilter',
  'DepthwiseConv2dNativeBackpropFilter',
  'DepthwiseConv2dNativeBackpropInput',
] as const;

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

/** Pads (positive amounts) and crops (negative amounts) the two spatial axes of an NHWC tensor. */
function padOrCrop(s: Scope, x: TensorInfo, top: number, bottom: number, left: number, right: number): TensorInfo {
  let t = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    t = s.run(
      'PadV2',
      { x: t },
      {
        paddings: [
          [0, 0],
          [Math.max(0, top), Math.max(0, bottom)],
          [Math.max(0, left), Math.max(0, right)],
          [0, 0],
        ],
        constantValue: 0,
      },
    );
  }
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [n, h, w, c] = t.shape as [number, number, number, number];
    const bt = Math.max(0, -top);
    const bl = Math.max(0, -left);
    const size = [n, h - bt - Math.max(0, -bottom), w - bl - Math.max(0, -right), c];
    t = s.run('Slice', { x: t }, { begin: [0, bt, bl, 0], size });
  }
  return t;
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
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
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
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, outHeight: oh, outWidth: ow, inHeight: H, inWidth: W } = info;
  const [b, , , ci] = attrs.inputShape;
  const m = filter.shape[3]!;
  const { top, left } = info.padInfo;
  return withScope(tf, args.backend, (s) => {
    // Zero-dilate dy by the stride: (b, oh, ow, c) → (b, oh·sh, ow·sw, c), dy at multiples of s.
    let d = dy;
    if (sh > 1 || sw > 1) {
      const d6 = s.run('Reshape', { x: dy }, { shape: [b, oh, 1, ow, 1, ci * m] });
      const p6 = s.run(
        'PadV2',
        { x: d6 },
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
      d = s.run('Reshape', { x: p6 }, { shape: [b, oh * sh, ow * sw, ci * m] });
    }
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

/**
 * Registers, for the wasm backend, the training kernels it lacks (`WASM_TRAINING_KERNELS`). Idempotent;
 * a kernel that the wasm backend already has (a later tfjs) is left alone. Returns the kernels this
 * call registered.
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
      kernelFunc: ((args: KernelArgs) => impl(tf, args)) as unknown as Parameters<Tf['registerKernel']>[0]['kernelFunc'],
    });
    done.push(kernelName);
  }
  return done;
}
