// Tile for the wasm backend as block copies. TF.js's wasm Tile computes every output element's source
// index in a generic loop: tiling a [1,1,1,C] vector to an activation's shape — what TF.js's BatchNorm
// gradient does for every trainable BatchNorm layer at every step — took 19 ms for 16×7×7×336 and
// 320 ms for 16×56×56×96, 6–16× an equally large broadcast add. Here the source is copied once per
// innermost row and each filled block is then doubled along its axis with copyWithin (memmove).

import type { NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs';

type Values = Float32Array | Int32Array | Uint8Array;

interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: TensorInfo['dtype']): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Values;
}

/** dst (row-major, shape[i]·reps[i] per axis) = src (row-major `shape`) repeated `reps` times per axis. */
export function tileInto(src: Values, shape: readonly number[], reps: readonly number[], dst: Values): void {
  const rank = shape.length;
  if (dst.length === 0) return;
  if (rank === 0) {
    dst.set(src.subarray(0, 1));
    return;
  }
  const srcStride = new Array<number>(rank).fill(1);
  const dstStride = new Array<number>(rank).fill(1);
  for (let a = rank - 2; a >= 0; a--) {
    srcStride[a] = srcStride[a + 1]! * shape[a + 1]!;
    dstStride[a] = dstStride[a + 1]! * shape[a + 1]! * reps[a + 1]!;
  }
  const fill = (axis: number, srcOff: number, dstOff: number): void => {
    const n = shape[axis]!;
    const block = n * dstStride[axis]!;
    if (axis === rank - 1) dst.set(src.subarray(srcOff, srcOff + n), dstOff);
    else for (let i = 0; i < n; i++) fill(axis + 1, srcOff + i * srcStride[axis]!, dstOff + i * dstStride[axis]!);
    // Double the filled part until the axis holds reps[axis] copies of the block.
    const total = block * reps[axis]!;
    for (let filled = block; filled < total; filled *= 2) dst.copyWithin(dstOff + filled, dstOff, dstOff + Math.min(filled, total - filled));
  };
  fill(0, 0, 0);
}

/** The kernel function: the wasm backend's own memory in, its output tensor out; strings go to `fallback`. */
export function wasmTile(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }, fallback: (args: unknown) => TensorInfo): TensorInfo {
  const x = args.inputs.x as TensorInfo;
  const reps = (args.attrs?.reps ?? []) as number[];
  if (x.dtype === 'string' || reps.length !== x.shape.length) return fallback(args);
  const backend = args.backend as WasmHeapBackend;
  const out = backend.makeOutput(
    x.shape.map((d, i) => d * reps[i]!),
    x.dtype,
  );
  // Views after makeOutput: allocating may grow the wasm memory, which detaches earlier views.
  const dst = backend.typedArrayFromHeap(out);
  if (dst.length > 0) tileInto(backend.typedArrayFromHeap(x), x.shape, reps, dst);
  return out;
}
