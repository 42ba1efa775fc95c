// The `with:` block of the extract stage.

import { backboneNames, type JsonSchema } from '@neuro-ssl/core';

export type NormalizationChoice = 'weights' | 'imagenet' | 'minus-one-one';

export interface ExtractConfig {
  backbone: string;
  /** `imagenet`, `none`, or a path (relative to the YAML) to a .safetensors file or a TF.js model folder. */
  weights: string;
  /** Width multiplier (MobileNetV2's alpha); default: the backbone's own (0.35 for mobilenet_v2). */
  width?: number;
  /** Default: data.preprocess.imageSize. */
  imageSize?: number;
  normalization: NormalizationChoice;
  /** Default: runtime.batchSize. */
  batchSize?: number;
}

export function extractConfigSchema(): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      backbone: { enum: backboneNames(), default: 'mobilenet_v2', description: 'CNN backbone; features are its global-average-pooled last feature map.' },
      weights: {
        type: 'string',
        minLength: 1,
        default: 'imagenet',
        description: '`imagenet` (from the weights cache), `none` (random init, warned), or a path to a .safetensors file / TF.js model folder.',
      },
      width: { type: 'number', exclusiveMinimum: 0, maximum: 4, description: "Width multiplier (MobileNetV2's alpha, or a test-size variant)." },
      imageSize: { type: 'integer', minimum: 32, maximum: 1024, description: 'Input side in pixels; default data.preprocess.imageSize.' },
      normalization: {
        enum: ['weights', 'imagenet', 'minus-one-one'],
        default: 'weights',
        description: "Input normalisation: `weights` uses the one the weights were trained with; anything else is an override (logged).",
      },
      batchSize: { type: 'integer', minimum: 1, maximum: 4096, description: 'Images per forward pass; default runtime.batchSize.' },
    },
  };
}
