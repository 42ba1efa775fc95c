// The YAML options FixMatch and FlexMatch share, with the papers' defaults (Sohn et al. 2020: τ 0.95,
// λu 1, μ 7, EMA 0.999; distribution alignment from ReMixMatch, on by default for our skewed pool).

import type { JsonSchema } from '@neuro-ssl/core';
import type { ConsistencyOptions } from './consistency-arm.js';

export const CONSISTENCY_DEFAULTS: ConsistencyOptions = { threshold: 0.95, unlabelledWeight: 1, ratio: 7, distributionAlignment: true, ema: 0.999, views: 2 };

export function consistencyProperties(name: string): Record<string, JsonSchema> {
  return {
    threshold: {
      type: 'number',
      exclusiveMinimum: 0.5,
      exclusiveMaximum: 1,
      default: CONSISTENCY_DEFAULTS.threshold,
      description: `τ: a pool image's weak view gives a pseudo-label when its calibrated confidence max(p, 1 − p) reaches it${name === 'flexmatch' ? ' (FlexMatch: scaled per class by its learning effect)' : ''}.`,
    },
    unlabelledWeight: { type: 'number', minimum: 0, maximum: 100, default: CONSISTENCY_DEFAULTS.unlabelledWeight, description: 'λu: weight of the unlabelled (strong view vs pseudo-label) loss against the labelled one.' },
    ratio: { type: 'integer', minimum: 1, maximum: 64, default: CONSISTENCY_DEFAULTS.ratio, description: 'μ: unlabelled images per labelled image in a step (μ × the batch size).' },
    distributionAlignment: {
      type: 'boolean',
      default: CONSISTENCY_DEFAULTS.distributionAlignment,
      description: "Distribution alignment (ReMixMatch): scale the pool's probabilities so their running mean matches the labelled class prior before thresholding.",
    },
    ema: {
      oneOf: [{ type: 'number', minimum: 0, exclusiveMaximum: 1 }, { type: 'null' }],
      default: CONSISTENCY_DEFAULTS.ema,
      description: 'Decay of the moving average of the weights used to evaluate and kept as the model (warmed up as min(decay, (1 + t)/(10 + t)) at step t); null: the weights themselves.',
    },
    views: { type: 'integer', minimum: 1, maximum: 32, default: CONSISTENCY_DEFAULTS.views, description: 'Probe mode: weak and strong views cached per pool image (each); a step picks one of each.' },
  };
}

/** The block with the defaults filled (the schema has checked the values' types and ranges). */
export function resolveConsistency(options: Record<string, unknown> | undefined): ConsistencyOptions {
  const o = options ?? {};
  const pick = <K extends keyof ConsistencyOptions>(key: K): ConsistencyOptions[K] => (key in o ? (o[key] as ConsistencyOptions[K]) : CONSISTENCY_DEFAULTS[key]);
  return { threshold: pick('threshold'), unlabelledWeight: pick('unlabelledWeight'), ratio: pick('ratio'), distributionAlignment: pick('distributionAlignment'), ema: pick('ema'), views: pick('views') };
}

export function describeConsistency(o: ConsistencyOptions): string {
  return `τ ${o.threshold}, λu ${o.unlabelledWeight}, μ ${o.ratio}, distribution alignment ${o.distributionAlignment ? 'on' : 'off'}, EMA ${o.ema ?? 'off'}`;
}
