// ResNet18 / ResNet34 with torchvision's topology (BasicBlock, stride on the first 3×3 conv of a
// stage, 1×1/2 conv + BN downsample), built with the TF.js layers API so ImageNet weights from
// torchvision or timm load without any change of architecture.
//
// Padding: PyTorch pads symmetrically (padding=1 for 3×3, 3 for the 7×7 stem, 1 for the max pool).
// TF's 'same' pads asymmetrically when the stride is 2 and the input side is even (0 before, 1
// after), which shifts every sampling position by one pixel. So every stride-2 conv/pool gets an
// explicit zeroPadding2d followed by a 'valid' op. Stride-1 3×3 convs use 'same', which is
// symmetric there (1 each side). The max pool pads with zeros instead of PyTorch's -inf: it follows
// a ReLU, so every window holds at least one real value ≥ 0 and the maximum is the same.
//
// Every layer is named after the torchvision state_dict module it corresponds to, dots replaced by
// underscores: conv1, bn1, layer1_0_conv1, layer1_0_bn1, layer2_0_downsample_0 (conv),
// layer2_0_downsample_1 (BN)... so mapping weights is mechanical (see resnet-weights.ts).

import type { LayersModel, SymbolicTensor } from '@tensorflow/tfjs';
import type { BuildOptions } from '../backbone.js';
import type { Tf } from '../../tf/types.js';

export type ResNetDepth = 18 | 34;

export interface ResNetOptions extends BuildOptions {
  depth: ResNetDepth;
}

/** BasicBlocks per stage (layer1..layer4). */
export const RESNET_STAGES: Record<ResNetDepth, readonly [number, number, number, number]> = {
  18: [2, 2, 2, 2],
  34: [3, 4, 6, 3],
};

/** Output channels of stem and stages layer1..layer4 at width 1. */
export const RESNET_CHANNELS = [64, 128, 256, 512] as const;

/** torchvision's BatchNorm2d eps. */
export const RESNET_BN_EPSILON = 1e-5;
/** Keras momentum equivalent to torch's BatchNorm momentum 0.1 (moving = 0.9·moving + 0.1·batch). */
export const RESNET_BN_MOMENTUM = 0.9;

/** A channel count scaled by the width multiplier (at least 1). */
export function scaleChannels(channels: number, width = 1): number {
  return Math.max(1, Math.round(channels * width));
}

/** Length of the pooled feature vector: 512 · width. */
export function resnetFeatureDim(width = 1): number {
  return scaleChannels(RESNET_CHANNELS[3], width);
}

function checkOptions({ depth, imageSize, width = 1 }: ResNetOptions): void {
  if (!Object.hasOwn(RESNET_STAGES, depth)) throw new Error(`ResNet depth must be 18 or 34, got ${String(depth)}`);
  if (!Number.isInteger(imageSize) || imageSize < 1) throw new Error(`ResNet imageSize must be a positive integer, got ${imageSize}`);
  if (!Number.isFinite(width) || width <= 0) throw new Error(`ResNet width must be a positive number, got ${width}`);
}

/**
 * Builds ResNet18/34 without its classifier: input [null, s, s, 3] (NHWC, normalised) → global
 * average pool [null, 512·width]. Weights are random (He-normal, fan-out, as torchvision initialises them).
 */
export function buildResNet(tf: Tf, options: ResNetOptions): LayersModel {
  checkOptions(options);
  const { depth, imageSize, width = 1 } = options;
  const L = tf.layers;
  // torchvision: kaiming_normal_(mode='fan_out', nonlinearity='relu'), an untruncated normal with
  // std sqrt(2 / (k·k·filters)); BN gamma 1, beta 0 (the defaults).
  const kernelInitializer = (kernelSize: number, filters: number): ReturnType<typeof tf.initializers.randomNormal> =>
    tf.initializers.randomNormal({ mean: 0, stddev: Math.sqrt(2 / (kernelSize * kernelSize * filters)) });

  const conv = (x: SymbolicTensor, name: string, filters: number, kernelSize: number, stride: number, pad: number): SymbolicTensor => {
    let y = x;
    let padding: 'same' | 'valid' = 'valid';
    if (pad > 0 && stride === 1 && kernelSize === 2 * pad + 1) padding = 'same'; // symmetric at stride 1
    else if (pad > 0) y = L.zeroPadding2d({ padding: pad, name: `${name}_pad` }).apply(y) as SymbolicTensor;
    return L.conv2d({ filters, kernelSize, strides: stride, padding, useBias: false, kernelInitializer: kernelInitializer(kernelSize, filters), name }).apply(y) as SymbolicTensor;
  };
  const bn = (x: SymbolicTensor, name: string): SymbolicTensor =>
    L.batchNormalization({ axis: -1, epsilon: RESNET_BN_EPSILON, momentum: RESNET_BN_MOMENTUM, name }).apply(x) as SymbolicTensor;
  const relu = (x: SymbolicTensor, name: string): SymbolicTensor => L.reLU({ name }).apply(x) as SymbolicTensor;

  const basicBlock = (x: SymbolicTensor, prefix: string, inChannels: number, channels: number, stride: number): SymbolicTensor => {
    let y = conv(x, `${prefix}_conv1`, channels, 3, stride, 1);
    y = bn(y, `${prefix}_bn1`);
    y = relu(y, `${prefix}_relu1`);
    y = conv(y, `${prefix}_conv2`, channels, 3, 1, 1);
    y = bn(y, `${prefix}_bn2`);
    let shortcut = x;
    if (stride !== 1 || inChannels !== channels) {
      shortcut = conv(x, `${prefix}_downsample_0`, channels, 1, stride, 0);
      shortcut = bn(shortcut, `${prefix}_downsample_1`);
    }
    const sum = L.add({ name: `${prefix}_add` }).apply([y, shortcut]) as SymbolicTensor;
    return relu(sum, `${prefix}_relu2`);
  };

  const input = tf.input({ shape: [imageSize, imageSize, 3], name: 'input' });
  const stem = scaleChannels(RESNET_CHANNELS[0], width);
  let x = conv(input, 'conv1', stem, 7, 2, 3);
  x = bn(x, 'bn1');
  x = relu(x, 'relu');
  x = L.zeroPadding2d({ padding: 1, name: 'maxpool_pad' }).apply(x) as SymbolicTensor;
  x = L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'valid', name: 'maxpool' }).apply(x) as SymbolicTensor;

  let inChannels = stem;
  RESNET_STAGES[depth].forEach((blocks, stage) => {
    const channels = scaleChannels(RESNET_CHANNELS[stage] as number, width);
    for (let b = 0; b < blocks; b++) {
      const stride = stage > 0 && b === 0 ? 2 : 1;
      x = basicBlock(x, `layer${stage + 1}_${b}`, inChannels, channels, stride);
      inChannels = channels;
    }
  });
  const features = L.globalAveragePooling2d({ name: 'avgpool' }).apply(x) as SymbolicTensor;
  return tf.model({ inputs: input, outputs: features, name: `resnet${depth}` });
}
