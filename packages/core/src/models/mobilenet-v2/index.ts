// The `mobilenet_v2` backbone. Its ImageNet weights (the keras.applications MobileNetV2 alpha 0.35
// 224 no-top weights that Teachable Machine uses as its base model) exist here only for alpha 0.35,
// so that is the width this backbone gets when none is given: `backbone: mobilenet_v2` means the
// network the shipped weights fit. Other widths build (width: 1 is the full-size Keras default) but
// can only be trained from scratch or loaded from matching files.

import type { LayersModel } from '@tensorflow/tfjs';
import { MINUS_ONE_ONE_NORMALIZATION } from '../../image/normalization.js';
import type { Tf } from '../../tf/types.js';
import type { BackboneDefinition, BuildOptions, WeightSource } from '../backbone.js';
import { assignNamedWeights, type NamedTensor, type StateDict } from '../../weights/state-dict.js';
import { readTfjsLayersFolder } from '../../weights/tfjs-layers-folder.js';
import { buildMobileNetV2, mobileNetV2FeatureDim } from './mobilenet-v2.js';

export { buildMobileNetV2, makeDivisible, mobileNetV2FeatureDim, type MobileNetV2Options } from './mobilenet-v2.js';

/** The width (alpha) the ImageNet weights fit, and the default when `width` is not given. */
export const MOBILENET_V2_IMAGENET_WIDTH = 0.35;

/**
 * Keras-style names → "layer/role": drops a ":0" variable suffix and any model/scope prefix, so
 * "mobilenetv2_0.35_224/Conv1/kernel:0" and "Conv1/kernel:0" both become "Conv1/kernel".
 * Returns the renamed tensors and, for the names that changed, our key → the source's own name.
 */
export function kerasNamedTensors(tensors: StateDict, origin: string): { tensors: StateDict; sourceNames: Map<string, string> } {
  const out = new Map<string, NamedTensor>();
  const sourceNames = new Map<string, string>();
  for (const [name, t] of tensors) {
    const key = name.replace(/:\d+$/, '').split('/').slice(-2).join('/');
    const earlier = sourceNames.get(key) ?? (out.has(key) ? key : undefined);
    if (earlier !== undefined) throw new Error(`weights in ${origin}: "${earlier}" and "${name}" both name the weight ${key}`);
    out.set(key, t);
    if (key !== name) sourceNames.set(key, name);
  }
  return { tensors: out, sourceNames };
}

const widthOf = (options: BuildOptions): number => options.width ?? MOBILENET_V2_IMAGENET_WIDTH;

export const mobilenetV2: BackboneDefinition & {
  /** Width (alpha) used when BuildOptions.width is not given: the one the ImageNet weights fit. */
  defaultWidth: number;
  /** The widths for which `imagenet` weights exist. */
  imagenetWidths: readonly number[];
} = {
  name: 'mobilenet_v2',
  description:
    'MobileNetV2 (keras.applications topology and layer names), width multiplier alpha = `width` (default 0.35, ' +
    'the only width with ImageNet weights here); 1280-d global-average-pooled out_relu features; inputs in [-1, 1]',
  featureDim: (options) => mobileNetV2FeatureDim(widthOf(options)),
  defaultImageSize: 224,
  normalization: MINUS_ONE_ONE_NORMALIZATION,
  lastStage: ['block_16_', 'Conv_1', 'out_relu'],
  defaultWidth: MOBILENET_V2_IMAGENET_WIDTH,
  imagenetWidths: [MOBILENET_V2_IMAGENET_WIDTH],
  build: (tf: Tf, options: BuildOptions): LayersModel => buildMobileNetV2(tf, { imageSize: options.imageSize, width: widthOf(options) }),
  async loadWeights(tf: Tf, model: LayersModel, source: WeightSource): Promise<void> {
    const raw = source.kind === 'tfjs-layers' ? (await readTfjsLayersFolder(source.dir)).tensors : source.tensors;
    // A converted Keras model's manifest names already are "layer/role"; this only strips prefixes/suffixes where present.
    const { tensors, sourceNames } = kerasNamedTensors(raw, source.origin);
    assignNamedWeights(tf, model, tensors, source.origin, sourceNames);
  },
  imagenet: {
    file: 'mobilenet_v2_0.35_224_imagenet',
    format: 'tfjs-layers',
    // Teachable Machine's base model: keras.applications mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top
    // converted to TF.js. No sha256: the cached folder was cut from a Teachable Machine export (model.json
    // sha256 a22be68d…, weights.bin e159deb3…, see its SOURCE.txt), so it is not byte-identical to this URL's files.
    url: 'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json',
    description:
      'keras.applications MobileNetV2 alpha 0.35, 224, ImageNet, no top (Teachable Machine base model, TF.js layers format; ' +
      '260 float32 tensors, 410,208 parameters); fits width 0.35 only',
  },
};
