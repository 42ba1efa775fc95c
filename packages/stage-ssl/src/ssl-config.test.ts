import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { TRAINING_OPTION_NAMES, resolveTrainingOptions, trainingOptionsSchema } from '@neuro-ssl/core/learn';
import { configProblems, sslConfigSchema, type SslConfig } from './ssl-config.js';

const validate = (raw: unknown) => validateWithSchema<SslConfig>(sslConfigSchema(), raw, { file: 'x.yaml' });
const messages = (raw: unknown): string => validate(raw).issues.map((i) => `${i.path}: ${i.message}`).join('\n');

describe('ssl config', () => {
  it('fills the notebook defaults', () => {
    const { value, issues } = validate({});
    expect(issues).toEqual([]);
    expect(value).toMatchObject({
      mode: 'model',
      schedule: { type: 'linear', rounds: 11 },
      epochs: 10,
      learningRate: 5e-5,
      restart: 'cold',
      augment: 'strong',
      poolAugment: 'none',
      calibratedSelection: true,
      balance: 'none',
      minLabelledPerBatch: 0,
      softLabels: false,
      patience: 3,
      maxEce: 0.6,
      checkpoint: { rule: 'nll' },
      threshold: 0.5,
      evaluation: 'auto',
      cv: { folds: 5, repeats: 1, innerSize: 0.25 },
    });
    expect(value.benchmark).toBeUndefined();
    expect(validate({ benchmark: {} }).value.benchmark).toEqual({ hideLabelsOf: 0.5 });
    expect(messages({ evaluation: 'kfold' })).toMatch(/evaluation: .*auto, cv, holdout/);
    expect(messages({ cv: { innerSize: 1 } })).toMatch(/cv\.innerSize/);
    expect(value).not.toHaveProperty('decisionThreshold');
    expect(value.mixup).toBeUndefined();
    expect(validate({ mixup: {} }).value.mixup).toEqual({ alpha: 0.4 });
  });

  it('checks thresholds and percentages per schedule type, and names unknown fields', () => {
    expect(messages({ schedule: { type: 'linear', from: 0.4, to: 1 } })).toMatch(/schedule\.from: .*0\.5[\s\S]*schedule\.to: .*1/);
    expect(messages({ schedule: { type: 'percentile', from: 0, to: 150 } })).toMatch(/schedule\.from: .*0[\s\S]*schedule\.to: .*100/);
    expect(validate({ schedule: { type: 'percentile', from: 20, to: 60 } }).issues).toEqual([]);
    expect(validate({ schedule: { type: 'linear-reverse', from: 0.6, to: 0.99 } }).issues).toEqual([]);
    expect(messages({ balanse: 'rarer' })).toMatch(/balanse: unknown field "balanse"; allowed fields: .*balance/);
    expect(messages({ restart: 'warm' })).toMatch(/restart: .*cold, continue/);
  });

  it('rejects a labelled minimum that leaves no room for pseudo-labels, naming the field', () => {
    const config = validate({ minLabelledPerBatch: 8 }).value;
    expect(configProblems(config, 8)).toEqual(['with.minLabelledPerBatch (8) must be smaller than the batch size (8), or no pseudo-label would fit in a batch']);
    expect(configProblems(config, 16)).toEqual([]);
    const hidden = validate({ evaluation: 'holdout', benchmark: { hideLabelsOf: 0.5 } }).value;
    expect(configProblems(hidden, 16)).toEqual([expect.stringMatching(/^with\.benchmark\.hideLabelsOf needs with\.evaluation: cv/)]);
  });

  it('shares its training options with train: core’s fragment, one `threshold` (the final decision threshold)', () => {
    const properties = sslConfigSchema().properties as Record<string, Record<string, unknown>>;
    const shared = trainingOptionsSchema({ defaults: { epochs: 10, learningRate: 5e-5, augment: 'strong', views: 4 } });
    for (const name of TRAINING_OPTION_NAMES) expect(Object.keys(properties[name]!), name).toEqual(Object.keys(shared[name]!));
    expect(properties.decisionThreshold).toMatchObject({ 'x-renamedTo': 'threshold', deprecated: true });
    // The resolver reads the old name too (a config that did not go through the validator).
    const config = validate({}).value;
    expect(resolveTrainingOptions({ ...config, decisionThreshold: 'fbeta' }, { batchSize: 8 }).calibration.threshold).toEqual({ rule: 'fbeta' });
  });

  // Needs the YAML validator's rewrite of x-renamedTo / x-deprecatedValues (core config/deprecations.ts).
  it('reads the old spellings decisionThreshold and checkpoint rule notebook, with a warning naming the new one', () => {
    const { value, issues, warnings } = validate({ decisionThreshold: 'fbeta', checkpoint: { rule: 'notebook' } });
    expect(issues).toEqual([]);
    expect(value.threshold).toBe('fbeta');
    expect(value).not.toHaveProperty('decisionThreshold');
    expect(value.checkpoint).toEqual({ rule: 'prAucOrFBeta' });
    const text = warnings.map((w) => `${w.path}: ${w.message}`).join('\n');
    expect(text).toMatch(/^decisionThreshold: .*"threshold"/m);
    expect(text).toMatch(/^checkpoint\.rule: .*notebook.*prAucOrFBeta/m);
  });

  it('is documented: the README’s ssl section names every option', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Self-training (`ssl`)');
    expect(start, 'README.md needs a "## Self-training (`ssl`)" section').toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const missing = Object.keys(sslConfigSchema().properties as object).filter((name) => !section.includes(name));
    expect(missing, 'options missing from the README ssl section').toEqual([]);
  });
});
