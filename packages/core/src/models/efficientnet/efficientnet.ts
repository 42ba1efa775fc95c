// EfficientNet-B0 in TF.js layers, following torchvision's `efficientnet_b0` exactly (which is also
// timm's `efficientnet_b0`: torchvision's IMAGENET1K_V1 weights are timm's ra_in1k checkpoint, same
// file hash 3dd342df). Topology (torchvision/models/efficientnet.py, `_efficientnet_conf`):
//
//   features.0   3×3 s2 conv → BN → SiLU (stem, 32 channels)
//   features.1-7 MBConv stages; each block: [1×1 expand conv → BN → SiLU, when expand ratio ≠ 1]
//                → k×k depthwise conv → BN → SiLU → squeeze-excitation → 1×1 project conv → BN,
//                plus the block input when stride 1 and in == out (stochastic depth: identity at
//                inference, not modelled)
//   features.8   1×1 conv to 4 × last channels (1280) → BN → SiLU
//   avgpool      global average pool → [N, 1280] (the classifier is not part of the backbone)
//
// SE: spatial average → 1×1 conv (bias) → SiLU → 1×1 conv (bias) → sigmoid → × input, squeeze channels
// max(1, block input channels // 4) (the block input, not the expanded, channels). SiLU is TF.js's
// 'swish' activation (x·sigmoid(x)). BatchNorm is plain nn.BatchNorm2d (eps 1e-5, momentum 0.1) for
// B0 — torchvision only uses eps 1e-3 for B5-B7 and V2.
//
// Padding: PyTorch pads (k-1)/2 on every side. TF 'same' is identical for stride 1 (odd kernels) but
// pads asymmetrically (less on top/left) for stride 2, so stride-2 convs get an explicit symmetric
// zero padding followed by a 'valid' conv.
//
// Every layer is named after its torchvision module path with dots → underscores (features.2.0.block.1.0
// → features_2_0_block_1_0), so mapping a state dict is mechanical (see efficientnet-weights.ts).

import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { Tf } from '../../tf/types.js';
import type { BuildOptions } from '../backbone.js';

/** One row of torchvision's MBConvConfig list (before the width multiplier). */
export interface MBConvStage {
  expandRatio: number;
  kernel: number;
  stride: number;
  inputChannels: number;
  outChannels: number;
  numLayers: number;
}

/** torchvision `_efficientnet_conf("efficientnet_b0")`: width_mult 1.0, depth_mult 1.0. */
export const EFFICIENTNET_B0_STAGES: readonly Readonly<MBConvStage>[] = Object.freeze([
  { expandRatio: 1, kernel: 3, stride: 1, inputChannels: 32, outChannels: 16, numLayers: 1 },
  { expandRatio: 6, kernel: 3, stride: 2, inputChannels: 16, outChannels: 24, numLayers: 2 },
  { expandRatio: 6, kernel: 5, stride: 2, inputChannels: 24, outChannels: 40, numLayers: 2 },
  { expandRatio: 6, kernel: 3, stride: 2, inputChannels: 40, outChannels: 80, numLayers: 3 },
  { expandRatio: 6, kernel: 5, stride: 1, inputChannels: 80, outChannels: 112, numLayers: 3 },
  { expandRatio: 6, kernel: 5, stride: 2, inputChannels: 112, outChannels: 192, numLayers: 4 },
  { expandRatio: 6, kernel: 3, stride: 1, inputChannels: 192, outChannels: 320, numLayers: 1 },
]);

/** BatchNorm epsilon of torchvision's (and timm's non-`tf_`) efficientnet_b0: nn.BatchNorm2d's default. */
export const EFFICIENTNET_B0_BN_EPSILON = 1e-5;

/** PyTorch BatchNorm momentum 0.1 (weight of the new batch) = Keras momentum 0.9 (weight of the old value). */
const BN_MOMENTUM = 0.9;

/**
 * torchvision `_make_divisible` (from the TF MobileNet reference): round to the nearest multiple of
 * `divisor`, at least `minValue` (default `divisor`), and never more than 10% below `v`.
 */
export function makeDivisible(v: number, divisor = 8, minValue?: number): number {
  const min = minValue ?? divisor;
  let newV = Math.max(min, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (newV < 0.9 * v) newV += divisor;
  return newV;
}

/** One MBConv block as built (channels already scaled). */
export interface MBConvBlock {
  /** torchvision module path, e.g. "features.2.1". */
  path: string;
  inputChannels: number;
  expandedChannels: number;
  squeezeChannels: number;
  outChannels: number;
  kernel: number;
  stride: number;
  /** Whether there is a 1×1 expansion conv (block.0); false in stage 1 (expand ratio 1). */
  expand: boolean;
  /** stride 1 and in == out. */
  residual: boolean;
}

export interface EfficientNetB0Config {
  width: number;
  stemChannels: number;
  blocks: MBConvBlock[];
  headChannels: number;
}

function checkWidth(width: number): void {
  if (!Number.isFinite(width) || width <= 0) throw new RangeError(`efficientnet_b0: width must be a positive number, got ${width}`);
}

/** The channel plan of efficientnet_b0 at a width multiplier (torchvision's width_mult rules). */
export function efficientnetB0Config(width = 1): EfficientNetB0Config {
  checkWidth(width);
  const stages = EFFICIENTNET_B0_STAGES.map((s) => ({
    ...s,
    inputChannels: makeDivisible(s.inputChannels * width),
    outChannels: makeDivisible(s.outChannels * width),
  }));
  const blocks: MBConvBlock[] = [];
  stages.forEach((stage, si) => {
    for (let j = 0; j < stage.numLayers; j++) {
      const inputChannels = j === 0 ? stage.inputChannels : stage.outChannels;
      const stride = j === 0 ? stage.stride : 1;
      // MBConvConfig.adjust_channels(input_channels, expand_ratio)
      const expandedChannels = makeDivisible(inputChannels * stage.expandRatio);
      blocks.push({
        path: `features.${si + 1}.${j}`,
        inputChannels,
        expandedChannels,
        squeezeChannels: Math.max(1, Math.floor(inputChannels / 4)),
        outChannels: stage.outChannels,
        kernel: stage.kernel,
        stride,
        expand: expandedChannels !== inputChannels,
        residual: stride === 1 && inputChannels === stage.outChannels,
      });
    }
  });
  const last = stages[stages.length - 1] as MBConvStage;
  return { width, stemChannels: (stages[0] as MBConvStage).inputChannels, blocks, headChannels: 4 * last.outChannels };
}

/** Length of the pooled feature vector (1280 at width 1). */
export function efficientnetB0FeatureDim(width = 1): number {
  return efficientnetB0Config(width).headChannels;
}

const layerName = (path: string): string => path.replace(/\./g, '_');

/**
 * Builds efficientnet_b0 (random weights): input [null, s, s, 3] NHWC, already normalised with the
 * ImageNet mean/std → output [null, featureDim] after global average pooling.
 */
export function buildEfficientNetB0(tf: Tf, options: BuildOptions): LayersModel {
  const { imageSize, width = 1 } = options;
  if (!Number.isInteger(imageSize) || imageSize < 1) throw new RangeError(`efficientnet_b0: imageSize must be a positive integer, got ${imageSize}`);
  const config = efficientnetB0Config(width);
  // torchvision's conv init (kaiming normal, fan_out); tfjs draws its "normal" from a truncated normal.
  const convInit = tf.initializers.varianceScaling({ scale: 2, mode: 'fanOut', distribution: 'normal' });

  /** Conv2dNormActivation at `path`: [path.0 conv, path.1 BN, path.2 SiLU]; depthwise when `depthwise`. */
  const convBnAct = (x: SymbolicTensor, path: string, filters: number, kernel: number, stride: number, act: boolean, depthwise = false): SymbolicTensor => {
    const name = layerName(path);
    let y = x;
    const pad = (kernel - 1) >> 1;
    const explicitPad = stride > 1 && pad > 0;
    if (explicitPad) y = tf.layers.zeroPadding2d({ padding: [[pad, pad], [pad, pad]], name: `${name}_0_pad` }).apply(y) as SymbolicTensor;
    const padding = explicitPad ? 'valid' : 'same';
    const conv = depthwise
      ? tf.layers.depthwiseConv2d({ kernelSize: kernel, strides: stride, padding, depthMultiplier: 1, useBias: false, depthwiseInitializer: convInit, name: `${name}_0` })
      : tf.layers.conv2d({ filters, kernelSize: kernel, strides: stride, padding, useBias: false, kernelInitializer: convInit, name: `${name}_0` });
    y = conv.apply(y) as SymbolicTensor;
    y = tf.layers.batchNormalization({ axis: -1, epsilon: EFFICIENTNET_B0_BN_EPSILON, momentum: BN_MOMENTUM, name: `${name}_1` }).apply(y) as SymbolicTensor;
    if (act) y = tf.layers.activation({ activation: 'swish', name: `${name}_2` }).apply(y) as SymbolicTensor;
    return y;
  };

  /** torchvision SqueezeExcitation at `path` (fc1, fc2 are 1×1 convs with bias). */
  const squeezeExcitation = (x: SymbolicTensor, path: string, channels: number, squeeze: number): SymbolicTensor => {
    const name = layerName(path);
    // The spatial mean, kept [N, 1, 1, C], taken as a mean over rows then over columns: the same
    // number, but each sum has at most max(H, W) terms. The wasm backend's Mean adds all H·W values
    // into one float32 accumulator, which at 112×112 costs up to ~1e-4 relative error in the features.
    const [, h, w] = x.shape as [number | null, number, number, number];
    let s = tf.layers.averagePooling2d({ poolSize: [h, 1], strides: [h, 1], padding: 'valid', name: `${name}_avgpool_rows` }).apply(x) as SymbolicTensor;
    s = tf.layers.averagePooling2d({ poolSize: [1, w], strides: [1, w], padding: 'valid', name: `${name}_avgpool` }).apply(s) as SymbolicTensor;
    s = tf.layers.conv2d({ filters: squeeze, kernelSize: 1, useBias: true, activation: 'swish', kernelInitializer: convInit, name: `${name}_fc1` }).apply(s) as SymbolicTensor;
    s = tf.layers.conv2d({ filters: channels, kernelSize: 1, useBias: true, activation: 'sigmoid', kernelInitializer: convInit, name: `${name}_fc2` }).apply(s) as SymbolicTensor;
    return tf.layers.multiply({ name: `${name}_scale` }).apply([x, s]) as SymbolicTensor;
  };

  const input = tf.input({ shape: [imageSize, imageSize, 3], name: 'input' });
  let x = convBnAct(input, 'features.0', config.stemChannels, 3, 2, true);

  for (const b of config.blocks) {
    const blockInput = x;
    let i = 0;
    let y = x;
    if (b.expand) y = convBnAct(y, `${b.path}.block.${i++}`, b.expandedChannels, 1, 1, true);
    y = convBnAct(y, `${b.path}.block.${i++}`, b.expandedChannels, b.kernel, b.stride, true, true);
    y = squeezeExcitation(y, `${b.path}.block.${i++}`, b.expandedChannels, b.squeezeChannels);
    y = convBnAct(y, `${b.path}.block.${i++}`, b.outChannels, 1, 1, false);
    if (b.residual) y = tf.layers.add({ name: `${layerName(b.path)}_add` }).apply([y, blockInput]) as SymbolicTensor;
    x = y;
  }

  x = convBnAct(x, 'features.8', config.headChannels, 1, 1, true);
  const output = tf.layers.globalAveragePooling2d({ name: 'avgpool' }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: output, name: 'efficientnet_b0' });
}
