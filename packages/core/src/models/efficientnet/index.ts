// efficientnet_b0 as a backbone: torchvision's topology, ImageNet weights from timm's ra_in1k
// checkpoint (the very file torchvision ships as EfficientNet_B0_Weights.IMAGENET1K_V1).

import { IMAGENET_NORMALIZATION } from '../../image/normalization.js';
import type { BackboneDefinition } from '../backbone.js';
import { buildEfficientNetB0, efficientnetB0FeatureDim } from './efficientnet.js';
import { loadEfficientNetB0StateDict } from './efficientnet-weights.js';

export {
  buildEfficientNetB0,
  efficientnetB0Config,
  efficientnetB0FeatureDim,
  makeDivisible,
  EFFICIENTNET_B0_BN_EPSILON,
  EFFICIENTNET_B0_STAGES,
  type EfficientNetB0Config,
  type MBConvBlock,
  type MBConvStage,
} from './efficientnet.js';
export {
  loadEfficientNetB0StateDict,
  mapEfficientNetB0StateDict,
  sourceNameOf,
  timmToTorchvisionPath,
  torchvisionToTimmPath,
  type EfficientNetNaming,
  type MappedEfficientNetWeights,
} from './efficientnet-weights.js';

export const efficientnetB0: BackboneDefinition = {
  name: 'efficientnet_b0',
  description: 'EfficientNet-B0 (torchvision/timm efficientnet_b0: MBConv + squeeze-excitation, SiLU), 1280-d pooled features at width 1',
  featureDim: (options) => efficientnetB0FeatureDim(options.width ?? 1),
  defaultImageSize: 224,
  // timm's efficientnet_b0.ra_in1k pretrained_cfg uses the default ImageNet mean/std (as torchvision does).
  normalization: IMAGENET_NORMALIZATION,
  lastStage: ['features_7_', 'features_8_'],
  build: (tf, options) => buildEfficientNetB0(tf, options),
  async loadWeights(tf, model, source) {
    if (source.kind !== 'state-dict') {
      throw new Error(
        `efficientnet_b0 loads PyTorch state dicts (torchvision or timm tensor names, e.g. a .safetensors file), ` +
          `not a TF.js layers model folder: ${source.dir} (${source.origin}). ` +
          `Use the ImageNet weights file (${efficientnetB0.imagenet.file}) or a safetensors export of a torchvision/timm efficientnet_b0.`,
      );
    }
    loadEfficientNetB0StateDict(tf, model, source.tensors, source.origin);
  },
  imagenet: {
    file: 'efficientnet_b0.ra_in1k.safetensors',
    format: 'safetensors',
    url: 'https://huggingface.co/timm/efficientnet_b0.ra_in1k/resolve/main/model.safetensors',
    description:
      'timm efficientnet_b0.ra_in1k (RandAugment recipe, ImageNet-1k top-1 77.7%, trained with ImageNet mean/std; ' +
      'the same checkpoint as torchvision EfficientNet_B0_Weights.IMAGENET1K_V1, efficientnet_b0_rwightman-3dd342df.pth)',
  },
};
