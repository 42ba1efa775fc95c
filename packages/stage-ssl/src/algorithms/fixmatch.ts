// FixMatch (Sohn et al. 2020), binary form: one fixed confidence threshold τ on the weak view.

import { trainConsistencyArm, type ConsistencyOptions } from './consistency-arm.js';
import { consistencyProperties, describeConsistency, resolveConsistency } from './consistency-schema.js';
import type { ArmAlgorithm } from './ssl-algorithm.js';
import { fixedThreshold } from './threshold-policy.js';

export const fixmatchAlgorithm: ArmAlgorithm<ConsistencyOptions> = {
  name: 'fixmatch',
  kind: 'arm',
  description: 'FixMatch: every step, confident weak-view predictions of the pool (τ) become hard labels for their strong views, with the labelled loss',
  optionsSchema: { type: 'object', additionalProperties: false, description: 'FixMatch’s options (`algorithm: fixmatch`).', properties: consistencyProperties('fixmatch') },
  resolve: resolveConsistency,
  describe: (o) => `FixMatch (${describeConsistency(o)})`,
  train: (ctx, o) => trainConsistencyArm(ctx, o, fixedThreshold(o.threshold)),
};
