// What every backbone provides. One model per folder (tfjs-models style): the architecture is built
// here with random weights; loading weights is separate (see weights/), so the same builder serves
// `weights: none`, local files and the ImageNet cache.

import type { LayersModel } from '@tensorflow/tfjs';
import type { Normalization } from '../image/normalization.js';
import type { Tf } from '../tf/types.js';
import type { StateDict } from '../weights/state-dict.js';

export interface BuildOptions {
  /** Square input side. */
  imageSize: number;
  /**
   * Width multiplier: MobileNetV2's alpha; for ResNet/EfficientNet a test-size variant that scales
   * every channel count (1 = the real architecture, the only value ImageNet weights fit).
   */
  width?: number;
}

/** Where the ImageNet weights of a backbone come from, for the weights cache and `runner weights`. */
export interface ImagenetWeights {
  /** File (or folder) name in the weights cache. */
  file: string;
  format: 'safetensors' | 'tfjs-layers';
  /** Canonical public download location (null where there is none to fetch automatically). */
  url: string | null;
  /** sha256 of the file when known, checked after download and on import. */
  sha256?: string;
  /** e.g. "timm resnet18.tv_in1k (torchvision IMAGENET1K_V1 weights)". */
  description: string;
}

/** Weights read from disk, before they are matched to a model. */
export type WeightSource =
  | { kind: 'state-dict'; tensors: StateDict; origin: string }
  | { kind: 'tfjs-layers'; dir: string; origin: string };

export interface BackboneDefinition {
  /** Registry name, e.g. "resnet18". */
  name: string;
  description: string;
  /** Length of the pooled feature vector for these options. */
  featureDim(options: BuildOptions): number;
  defaultImageSize: number;
  /** Width used when the config gives none (MobileNetV2: the alpha its ImageNet weights exist for). Default 1. */
  defaultWidth?: number;
  /**
   * Layer-name prefixes of the last backbone stage: what `mode: partial` trains (with the head) while
   * the layers before it stay frozen.
   */
  lastStage: readonly string[];
  /** The normalisation the ImageNet weights were trained with. */
  normalization: Normalization;
  /** Input [null, s, s, 3] (NHWC, already normalised) → output [null, featureDim] (global average pool). */
  build(tf: Tf, options: BuildOptions): LayersModel;
  /** Copies weights into a built model; throws WeightMismatchError listing every mismatch. */
  loadWeights(tf: Tf, model: LayersModel, source: WeightSource): Promise<void>;
  imagenet: ImagenetWeights;
}
