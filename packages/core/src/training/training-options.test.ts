import { describe, expect, it } from 'vitest';
import { validateWithSchema } from '../config/validate-schema.js';
import type { JsonSchema } from '../plugin/stage-plugin.js';
import { METRIC_NAMES } from './binary-evaluation.js';
import { CHECKPOINT_METRICS } from './checkpoint-rule.js';
import {
  TRAINING_OPTION_NAMES,
  checkpointRuleOf,
  resolveTrainingOptions,
  trainingOptionsSchema,
  type DeprecatedTrainingOptions,
  type TrainingOptions,
} from './training-options.js';

const DEFAULTS = { epochs: 10, learningRate: 5e-5, augment: 'strong', views: 4 } as const;

function schemaOf(deprecated: readonly 'decisionThreshold'[] = []): JsonSchema {
  return { type: 'object', additionalProperties: false, properties: trainingOptionsSchema({ defaults: DEFAULTS, deprecated }) };
}
const validate = (raw: unknown, schema = schemaOf(['decisionThreshold'])) =>
  validateWithSchema<TrainingOptions & DeprecatedTrainingOptions>(schema, raw, { file: 'x.yaml' });

describe('shared training options', () => {
  it('one fragment: every shared option, with the stage’s defaults and descriptions', () => {
    const properties = trainingOptionsSchema({ defaults: DEFAULTS, descriptions: { epochs: 'Epochs per round.' } });
    expect(Object.keys(properties).sort()).toEqual([...TRAINING_OPTION_NAMES].sort());
    for (const p of Object.values(properties)) expect(typeof p.description).toBe('string');
    expect(properties.epochs).toMatchObject({ default: 10, description: 'Epochs per round.' });
    expect(properties.learningRate!.description).toBe('Adam learning rate.');
    const { value, issues } = validate({});
    expect(issues).toEqual([]);
    expect(value).toEqual({
      epochs: 10,
      learningRate: 5e-5,
      posWeight: 3,
      labelSmoothing: 0,
      weightDecay: 0,
      augment: 'strong',
      views: 4,
      checkpoint: { rule: 'nll' },
      threshold: 0.5,
      temperature: true,
      eceBins: 15,
      bootstrap: 1000,
    });
  });

  it('a checkpoint metric is any reported metric or the loss (core’s METRIC_NAMES, no list of its own)', () => {
    expect([...CHECKPOINT_METRICS]).toEqual([...METRIC_NAMES, 'loss']);
    for (const metric of CHECKPOINT_METRICS) expect(validate({ checkpoint: { rule: 'metric', metric } }).issues).toEqual([]);
    expect(validate({ checkpoint: { rule: 'metric', metric: 'f1' } }).issues.map((i) => i.path)).toEqual(['checkpoint.metric']);
  });

  it('resolves to the trainer’s settings, the checkpoint rule and the calibration', () => {
    const config = validate({ augment: 'none', threshold: 'fbeta', labelSmoothing: 0.1, checkpoint: { rule: 'prAucOrFBeta' } }).value;
    const resolved = resolveTrainingOptions(config, { batchSize: 16 });
    expect(resolved).toEqual({
      settings: { epochs: 10, learningRate: 5e-5, loss: { posWeight: 3, labelSmoothing: 0.1 }, weightDecay: 0, augment: null, views: 4, batchSize: 16 },
      checkpoint: { rule: 'prAucOrFBeta', keepFBeta: 0.9 },
      calibration: { threshold: { rule: 'fbeta' }, eceBins: 15, temperature: true },
      eceBins: 15,
      bootstrap: 1000,
    });
    expect(resolveTrainingOptions({ ...config, batchSize: 8, threshold: 0.3 }, { batchSize: 16 })).toMatchObject({
      settings: { batchSize: 8 },
      calibration: { threshold: { rule: 'fixed', value: 0.3 } },
    });
    expect(checkpointRuleOf({ rule: 'metric', metric: 'loss' })).toEqual({ rule: 'metric', metric: 'loss' });
    // The default: a proper scoring rule, ties optionally broken by a ranking metric.
    expect(resolveTrainingOptions(validate({}).value, { batchSize: 16 }).checkpoint).toEqual({ rule: 'nll', tieBreak: null, tolerance: 0 });
    expect(validate({ checkpoint: { rule: 'brier', tieBreak: 'rocAuc', tolerance: 0.001 } }).issues).toEqual([]);
    expect(checkpointRuleOf({ rule: 'brier', tieBreak: 'rocAuc', tolerance: 0.001 })).toEqual({ rule: 'brier', tieBreak: 'rocAuc', tolerance: 0.001 });
    expect(validate({ checkpoint: { rule: 'nll', tieBreak: 'f1' } }).issues.map((i) => i.path)).toEqual(['checkpoint.tieBreak']);
  });

  it('the resolver reads the old spellings: decisionThreshold, checkpoint rule notebook', () => {
    const config = validate({}).value;
    const old = resolveTrainingOptions({ ...config, decisionThreshold: 'fbeta', checkpoint: { rule: 'notebook', keepFBeta: 0.8 } }, { batchSize: 16 });
    expect(old.calibration.threshold).toEqual({ rule: 'fbeta' });
    expect(old.checkpoint).toEqual({ rule: 'prAucOrFBeta', keepFBeta: 0.8 });
    expect(checkpointRuleOf({ rule: 'notebook' })).toEqual({ rule: 'prAucOrFBeta', keepFBeta: 0.9 });
  });

  it('marks the old spellings for the validator: x-renamedTo on an old key, x-deprecatedValues on an old rule', () => {
    const properties = trainingOptionsSchema({ defaults: DEFAULTS, deprecated: ['decisionThreshold'] });
    expect(properties.decisionThreshold).toMatchObject({ 'x-renamedTo': 'threshold', deprecated: true });
    expect(properties.decisionThreshold).not.toHaveProperty('default');
    expect(JSON.stringify(properties.checkpoint)).toContain('"x-deprecatedValues":{"notebook":"prAucOrFBeta"}');
    expect(trainingOptionsSchema({ defaults: DEFAULTS })).not.toHaveProperty('decisionThreshold');
  });

  // Needs the YAML validator's rewrite of x-renamedTo / x-deprecatedValues (config/deprecations.ts).
  it('old YAML keeps working through the validator, with a warning naming the new spelling', () => {
    const renamed = validate({ decisionThreshold: 'fbeta' });
    expect(renamed.issues).toEqual([]);
    expect(renamed.value.threshold).toBe('fbeta');
    expect(renamed.value).not.toHaveProperty('decisionThreshold');
    expect(renamed.warnings.map((w) => `${w.path}: ${w.message}`).join('\n')).toMatch(/^decisionThreshold: .*"threshold"/);
    const rule = validate({ checkpoint: { rule: 'notebook', keepFBeta: 0.8 } });
    expect(rule.issues).toEqual([]);
    expect(rule.value.checkpoint).toEqual({ rule: 'prAucOrFBeta', keepFBeta: 0.8 });
    expect(rule.warnings.map((w) => `${w.path}: ${w.message}`).join('\n')).toMatch(/^checkpoint\.rule: .*notebook.*prAucOrFBeta/);
  });

  it('strongAugment: absent stays absent (the default policy applies downstream); a written block gets its defaults and limits', () => {
    expect(resolveTrainingOptions(validate({}).value, { batchSize: 16 }).settings).not.toHaveProperty('strongAugment');
    const partial = validate({ strongAugment: { magnitude: 5 } });
    expect(partial.issues).toEqual([]);
    expect(resolveTrainingOptions(partial.value, { batchSize: 16 }).settings.strongAugment).toEqual({ ops: 2, magnitude: 5 });
    const bad = validate({ strongAugment: { ops: 14, magnitude: 10.5, n: 2 } });
    expect(bad.issues.map((i) => i.path).sort()).toEqual(['strongAugment.magnitude', 'strongAugment.n', 'strongAugment.ops']);
  });
});
