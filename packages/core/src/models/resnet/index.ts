// ResNet18 and ResNet34 backbones (torchvision topology) with ImageNet weights from timm's
// *.tv_in1k safetensors files, which hold torchvision's original IMAGENET1K_V1 weights.

import type { LayersModel } from '@tensorflow/tfjs';
import { IMAGENET_NORMALIZATION } from '../../image/normalization.js';
import type { Tf } from '../../tf/types.js';
import type { BackboneDefinition, BuildOptions, ImagenetWeights, WeightSource } from '../backbone.js';
import { loadResNetStateDict } from './resnet-weights.js';
import { buildResNet, resnetFeatureDim, type ResNetDepth } from './resnet.js';

export { buildResNet, resnetFeatureDim, scaleChannels, RESNET_STAGES, RESNET_CHANNELS, type ResNetDepth, type ResNetOptions } from './resnet.js';
export { loadResNetStateDict, mapResNetStateDict, RESNET_CLASSIFIER_TENSORS, type MappedResNetWeights } from './resnet-weights.js';

const IMAGENET: Record<ResNetDepth, ImagenetWeights> = {
  18: {
    file: 'resnet18.tv_in1k.safetensors',
    format: 'safetensors',
    url: 'https://huggingface.co/timm/resnet18.tv_in1k/resolve/main/model.safetensors',
    // Git LFS SHA256 shown on https://huggingface.co/timm/resnet18.tv_in1k/blob/main/model.safetensors (commit a987fd6).
    sha256: '694f673df6520a3158624e8a89af086f59923ee4cd7436fe5bc3bc71d295ad81',
    description: 'timm resnet18.tv_in1k (torchvision IMAGENET1K_V1 weights)',
  },
  34: {
    file: 'resnet34.tv_in1k.safetensors',
    format: 'safetensors',
    url: 'https://huggingface.co/timm/resnet34.tv_in1k/resolve/main/model.safetensors',
    // sha256 not documented where we could check it; left undefined rather than guessed.
    description: 'timm resnet34.tv_in1k (torchvision IMAGENET1K_V1 weights)',
  },
};

function defineResNet(depth: ResNetDepth): BackboneDefinition {
  const name = `resnet${depth}`;
  return {
    name,
    description: `ResNet-${depth} (torchvision topology, BasicBlocks ${depth === 18 ? '2-2-2-2' : '3-4-6-3'}), 512-d pooled features`,
    featureDim: (options: BuildOptions) => resnetFeatureDim(options.width),
    defaultImageSize: 224,
    normalization: IMAGENET_NORMALIZATION,
    lastStage: ['layer4_'],
    build: (tf: Tf, options: BuildOptions): LayersModel => buildResNet(tf, { ...options, depth }),
    loadWeights: async (tf: Tf, model: LayersModel, source: WeightSource): Promise<void> => {
      if (source.kind !== 'state-dict') {
        throw new Error(
          `${name} takes PyTorch/timm weights from a .safetensors file (torchvision naming: conv1.weight, layer1.0.conv1.weight...); ` +
            `${source.origin} is a TF.js layers-model folder`,
        );
      }
      loadResNetStateDict(tf, model, source.tensors, source.origin);
    },
    imagenet: IMAGENET[depth],
  };
}

export const resnet18: BackboneDefinition = defineResNet(18);
export const resnet34: BackboneDefinition = defineResNet(34);
