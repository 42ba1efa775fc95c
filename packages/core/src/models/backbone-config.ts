// The backbone part of a stage's `with:` block (backbone, weights, width, imageSize, normalization),
// shared by every stage that builds a backbone so the same YAML lines mean the same thing in each.

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JsonSchema } from '../plugin/stage-plugin.js';
import { IMAGENET_NORMALIZATION, MINUS_ONE_ONE_NORMALIZATION, type Normalization } from '../image/normalization.js';
import type { Logger } from '../progress/logger.js';
import { imagenetPath, sha256Of, weightsCacheDir } from '../weights/weights-cache.js';
import type { BackboneDefinition } from './backbone.js';
import { backboneNames, getBackbone } from './registry.js';

export type NormalizationChoice = 'weights' | 'imagenet' | 'minus-one-one';

export interface BackboneConfig {
  backbone: string;
  /** `imagenet`, `none`, or a path (relative to the YAML) to a .safetensors file or a TF.js model folder. */
  weights: string;
  /** Width multiplier (MobileNetV2's alpha); default: the backbone's own (0.35 for mobilenet_v2). */
  width?: number;
  /** Default: data.preprocess.imageSize. */
  imageSize?: number;
  normalization: NormalizationChoice;
}

/** JSON Schema properties of BackboneConfig, with defaults, for a stage's configSchema. */
export function backboneConfigProperties(): Record<string, JsonSchema> {
  return {
    backbone: { enum: backboneNames(), default: 'mobilenet_v2', description: 'CNN backbone; features are its global-average-pooled last feature map.' },
    weights: {
      type: 'string',
      minLength: 1,
      default: 'imagenet',
      description: '`imagenet` (from the weights cache), `none` (random init, warned), or a path to a .safetensors file / TF.js model folder.',
    },
    width: { type: 'number', exclusiveMinimum: 0, maximum: 4, description: "Width multiplier (MobileNetV2's alpha); default: the backbone's own (0.35 for mobilenet_v2, 1 otherwise)." },
    imageSize: { type: 'integer', minimum: 32, maximum: 1024, description: 'Input side in pixels; default data.preprocess.imageSize.' },
    normalization: {
      enum: ['weights', 'imagenet', 'minus-one-one'],
      default: 'weights',
      description: 'Input normalisation: `weights` uses the one the weights were trained with; anything else is an override (logged).',
    },
  };
}

const NORMALIZATIONS: Record<Exclude<NormalizationChoice, 'weights'>, Normalization> = {
  imagenet: IMAGENET_NORMALIZATION,
  'minus-one-one': MINUS_ONE_ONE_NORMALIZATION,
};

export interface ResolvedBackboneConfig {
  definition: BackboneDefinition;
  width: number;
  imageSize: number;
  normalization: Normalization;
}

/** Fills the defaults that depend on the backbone and the data; warns about a normalisation override. */
export function resolveBackboneConfig(config: BackboneConfig, defaultImageSize: number, logger: Logger): ResolvedBackboneConfig {
  const definition = getBackbone(config.backbone);
  let normalization = definition.normalization;
  if (config.normalization !== 'weights') {
    normalization = NORMALIZATIONS[config.normalization];
    if (normalization.name !== definition.normalization.name) {
      logger.warn(`normalization overridden: ${normalization.name} instead of ${definition.normalization.name}, which the ${definition.name} weights expect`);
    }
  }
  return { definition, width: config.width ?? definition.defaultWidth ?? 1, imageSize: config.imageSize ?? defaultImageSize, normalization };
}

/** The weight file's content, not just its path, decides a stage's outputs: this goes into the cache key. */
export async function weightsFingerprint(config: Pick<BackboneConfig, 'backbone' | 'weights'>, experimentDir: string): Promise<{ weights: string | null }> {
  if (config.weights === 'none') return { weights: null };
  const file = config.weights === 'imagenet' ? imagenetPath(getBackbone(config.backbone), weightsCacheDir()) : path.resolve(experimentDir, config.weights);
  return { weights: existsSync(file) ? await sha256Of(file) : `missing:${file}` };
}

/**
 * A weights path that does not exist, as a line for a stage's `check` (`imagenet` is fetched on first
 * use and `none` reads nothing, so only paths are checked).
 */
export function weightsProblems(config: Pick<BackboneConfig, 'weights'>, experimentDir: string): string[] {
  if (config.weights === 'none' || config.weights === 'imagenet') return [];
  const file = path.resolve(experimentDir, config.weights);
  if (existsSync(file)) return [];
  return [`with.weights: ${file} does not exist; give the path (relative to the YAML file) of a .safetensors file or TF.js model folder, or weights: imagenet | none`];
}
