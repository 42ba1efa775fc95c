// The `with:` block of the extract stage: the shared backbone block (core) plus a batch size.

import type { JsonSchema } from '@neuro-ssl/core';
import { backboneConfigProperties, type BackboneConfig } from '@neuro-ssl/core/models';

export type { NormalizationChoice } from '@neuro-ssl/core/models';

export interface ExtractConfig extends BackboneConfig {
  /** Default: runtime.batchSize. */
  batchSize?: number;
}

export function extractConfigSchema(): JsonSchema {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      ...backboneConfigProperties(),
      batchSize: { type: 'integer', minimum: 1, maximum: 4096, description: 'Images per forward pass; default runtime.batchSize.' },
    },
  };
}
