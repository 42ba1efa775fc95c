// MobileNetV2 (Sandler et al. 2018) exactly as keras.applications builds it — same topology, same
// layer names (Conv1_pad, Conv1, bn_Conv1, Conv1_relu, expanded_conv_*, block_1_expand ...
// block_16_project_BN, Conv_1, Conv_1_bn, out_relu) and the same channel rounding — so a Keras or
// TF.js export's weights, named "layer/role", map one to one onto this model. The classifier top is
// left out; a global average pool turns the out_relu map into the feature vector.

import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { Tf } from '../../tf/types.js';

export interface MobileNetV2Options {
  /** Square input side (Keras accepts 32 and up). */
  imageSize: number;
  /** Width multiplier alpha (Keras default 1; the ImageNet weights we ship fit 0.35). */
  width?: number;
}

/** keras.applications' _make_divisible: round to a multiple of `divisor`, never more than 10% down. */
export function makeDivisible(v: number, divisor = 8, minValue = divisor): number {
  let newV = Math.max(minValue, Math.floor(Math.trunc(v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/** Channels of the last 1×1 conv (Conv_1), i.e. of the pooled feature vector: 1280, scaled only when alpha > 1. */
export function mobileNetV2FeatureDim(alpha = 1): number {
  return alpha > 1 ? makeDivisible(1280 * alpha, 8) : 1280;
}

/** [filters (before alpha), stride, expansion] of blocks 0..16. */
const BLOCKS: readonly [number, number, number][] = [
  [16, 1, 1],
  [24, 2, 6],
  [24, 1, 6],
  [32, 2, 6],
  [32, 1, 6],
  [32, 1, 6],
  [64, 2, 6],
  [64, 1, 6],
  [64, 1, 6],
  [64, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [96, 1, 6],
  [160, 2, 6],
  [160, 1, 6],
  [160, 1, 6],
  [320, 1, 6],
];

const BN = { axis: -1, momentum: 0.999, epsilon: 1e-3 } as const;

/**
 * keras.applications' correct_pad for a k×k stride-2 'valid' conv: ((k//2 − 1, k//2), …) on an even
 * side (e.g. ((0, 1), (0, 1)) for k = 3, what TensorFlow's 'same' does), ((k//2, k//2), …) on an odd one.
 */
function correctPad(x: SymbolicTensor, kernel: number): [[number, number], [number, number]] {
  const [, h, w] = x.shape;
  const c = Math.floor(kernel / 2);
  const adjust = (side: number | null | undefined): number => (side == null ? 1 : 1 - (side % 2));
  return [
    [c - adjust(h), c],
    [c - adjust(w), c],
  ];
}

function channels(x: SymbolicTensor): number {
  return x.shape[x.shape.length - 1] as number;
}

/**
 * MobileNetV2 backbone with Keras layer names: input [null, s, s, 3] in [-1, 1] → out_relu
 * [null, ⌈s/32⌉, ⌈s/32⌉, 1280] → global average pool `avg_pool` → [null, featureDim].
 */
export function buildMobileNetV2(tf: Tf, { imageSize, width: alpha = 1 }: MobileNetV2Options): LayersModel {
  if (!Number.isInteger(imageSize) || imageSize < 32) throw new RangeError(`MobileNetV2: imageSize must be an integer ≥ 32, got ${imageSize}`);
  if (!Number.isFinite(alpha) || alpha <= 0) throw new RangeError(`MobileNetV2: width (alpha) must be a positive number, got ${alpha}`);
  const L = tf.layers;
  const relu6 = (name: string): ReturnType<typeof L.reLU> => L.reLU({ maxValue: 6, name });
  const conv1x1 = (filters: number, name: string): ReturnType<typeof L.conv2d> =>
    L.conv2d({ filters, kernelSize: 1, strides: 1, padding: 'same', useBias: false, name });

  const input = tf.input({ shape: [imageSize, imageSize, 3], name: 'input_1' });
  let x = L.zeroPadding2d({ padding: correctPad(input, 3), name: 'Conv1_pad' }).apply(input) as SymbolicTensor;
  x = L.conv2d({ filters: makeDivisible(32 * alpha, 8), kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'Conv1' }).apply(x) as SymbolicTensor;
  x = L.batchNormalization({ ...BN, name: 'bn_Conv1' }).apply(x) as SymbolicTensor;
  x = relu6('Conv1_relu').apply(x) as SymbolicTensor;

  BLOCKS.forEach(([filters, stride, expansion], blockId) => {
    const inputs = x;
    const inChannels = channels(inputs);
    const pointwiseFilters = makeDivisible(Math.trunc(filters * alpha), 8);
    let prefix = `block_${blockId}_`;
    if (blockId) {
      x = conv1x1(expansion * inChannels, `${prefix}expand`).apply(x) as SymbolicTensor;
      x = L.batchNormalization({ ...BN, name: `${prefix}expand_BN` }).apply(x) as SymbolicTensor;
      x = relu6(`${prefix}expand_relu`).apply(x) as SymbolicTensor;
    } else {
      prefix = 'expanded_conv_';
    }
    if (stride === 2) x = L.zeroPadding2d({ padding: correctPad(x, 3), name: `${prefix}pad` }).apply(x) as SymbolicTensor;
    x = L.depthwiseConv2d({
      kernelSize: 3,
      strides: stride,
      depthMultiplier: 1,
      padding: stride === 1 ? 'same' : 'valid',
      useBias: false,
      name: `${prefix}depthwise`,
    }).apply(x) as SymbolicTensor;
    x = L.batchNormalization({ ...BN, name: `${prefix}depthwise_BN` }).apply(x) as SymbolicTensor;
    x = relu6(`${prefix}depthwise_relu`).apply(x) as SymbolicTensor;
    x = conv1x1(pointwiseFilters, `${prefix}project`).apply(x) as SymbolicTensor;
    x = L.batchNormalization({ ...BN, name: `${prefix}project_BN` }).apply(x) as SymbolicTensor;
    if (inChannels === pointwiseFilters && stride === 1) x = L.add({ name: `${prefix}add` }).apply([inputs, x]) as SymbolicTensor;
  });

  x = L.conv2d({ filters: mobileNetV2FeatureDim(alpha), kernelSize: 1, padding: 'valid', useBias: false, name: 'Conv_1' }).apply(x) as SymbolicTensor;
  x = L.batchNormalization({ ...BN, name: 'Conv_1_bn' }).apply(x) as SymbolicTensor;
  x = relu6('out_relu').apply(x) as SymbolicTensor;
  const pooled = L.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: pooled, name: `mobilenetv2_${alpha.toFixed(2)}_${imageSize}` });
}
