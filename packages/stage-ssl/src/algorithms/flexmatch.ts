// FlexMatch (Zhang et al. 2021), binary form: FixMatch with per-class thresholds τ·M(β_c) that follow
// how well each class is learnt (flexmatch-thresholds.ts) — for a pool the model scores mostly as one class.

import { trainConsistencyArm, type ConsistencyOptions } from './consistency-arm.js';
import { consistencyProperties, describeConsistency, resolveConsistency } from './consistency-schema.js';
import type { ArmAlgorithm } from './ssl-algorithm.js';
import { flexibleThresholds } from './threshold-policy.js';

export interface FlexMatchOptions extends ConsistencyOptions {
  /** Normalise by max(max_c σ, unused) while most of the pool has never been confident. */
  warmup: boolean;
}

export const flexmatchAlgorithm: ArmAlgorithm<FlexMatchOptions> = {
  name: 'flexmatch',
  kind: 'arm',
  description: 'FlexMatch: FixMatch with per-class thresholds from each class’s learning effect over the pool (curriculum pseudo-labelling)',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    description: 'FlexMatch’s options (`algorithm: flexmatch`); thresholds per class are logged every epoch.',
    properties: {
      ...consistencyProperties('flexmatch'),
      warmup: {
        type: 'boolean',
        default: true,
        description: 'Threshold warm-up: normalise the learning effects by max(most confident class, images never confident), so thresholds stay low while most of the pool is unused.',
      },
    },
  },
  resolve: (options) => ({ ...resolveConsistency(options), warmup: options?.['warmup'] !== false }),
  describe: (o) => `FlexMatch (${describeConsistency(o)}, warm-up ${o.warmup ? 'on' : 'off'})`,
  train: (ctx, o) => trainConsistencyArm(ctx, o, flexibleThresholds(o.threshold, ctx.pool.length, o.warmup)),
};
