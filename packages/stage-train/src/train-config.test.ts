import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateWithSchema } from '@neuro-ssl/core/config';
import { TRAINING_OPTION_NAMES, trainingOptionsSchema } from '@neuro-ssl/core/learn';
import { trainConfigSchema, type TrainConfig } from './train-config.js';

const validate = (raw: unknown) => validateWithSchema<TrainConfig>(trainConfigSchema(), raw, { file: 'x.yaml' });
const messages = (raw: unknown): string => validate(raw).issues.map((i) => `${i.path}: ${i.message}`).join('\n');

describe('train config', () => {
  it("fills the notebook's defaults, but selects nested on a proper scoring rule", () => {
    const { value, issues } = validate({});
    expect(issues).toEqual([]);
    expect(value).toMatchObject({
      backbone: 'mobilenet_v2',
      weights: 'imagenet',
      mode: 'finetune',
      head: { type: 'linear', hidden: 128, dropout: 0 },
      epochs: 30,
      learningRate: 1e-4,
      posWeight: 3,
      augment: 'weak',
      views: 8,
      batchNorm: 'batch',
      testSize: 0.2,
      beta: 2,
      eceBins: 15,
      checkpoint: { rule: 'nll' },
      selection: { method: 'nested', innerFolds: 3 },
      threshold: 0.5,
      temperature: true,
    });
    expect(validate({ selection: { method: 'fixed' } }).value.selection).toEqual({ method: 'fixed', innerFolds: 3 });
    expect(messages({ selection: { method: 'inner' } })).toMatch(/selection\.method: .*nested, fixed, notebook/);
    expect(value.cv).toBeUndefined();
    expect(validate({ cv: {} }).value.cv).toEqual({ folds: 5, repeats: 2 });
  });

  it('names the field and what was expected', () => {
    expect(messages({ mode: 'frozen' })).toMatch(/mode: .*finetune, partial, probe/);
    expect(messages({ threshold: 'best' })).toMatch(/threshold/);
    expect(validate({ threshold: 'fbeta' }).issues).toEqual([]);
    expect(messages({ checkpoint: { rule: 'metric', metric: 'f1' } })).toMatch(/checkpoint/);
    expect(validate({ checkpoint: { rule: 'metric', metric: 'prAuc' } }).issues).toEqual([]);
    expect(messages({ epoch: 3 })).toMatch(/epoch: unknown field "epoch"; allowed fields: .*epochs/);
    expect(messages({ testSize: 1 })).toMatch(/testSize/);
  });

  it('shares its training options with ssl: core’s fragment', () => {
    const properties = trainConfigSchema().properties as Record<string, unknown>;
    for (const name of TRAINING_OPTION_NAMES) expect(properties[name], name).toEqual(trainingOptionsSchema({ defaults: { epochs: 30, learningRate: 1e-4, augment: 'weak', views: 8 } })[name]);
    expect(properties).not.toHaveProperty('decisionThreshold');
  });

  // Needs the YAML validator's rewrite of x-deprecatedValues (core config/deprecations.ts).
  it('reads the old checkpoint rule name `notebook` as `prAucOrFBeta`, with a warning', () => {
    const { value, issues, warnings } = validate({ checkpoint: { rule: 'notebook', keepFBeta: 0.8 } });
    expect(issues).toEqual([]);
    expect(value.checkpoint).toEqual({ rule: 'prAucOrFBeta', keepFBeta: 0.8 });
    expect(warnings.map((w) => `${w.path}: ${w.message}`)).toEqual([expect.stringMatching(/^checkpoint\.rule: .*notebook.*prAucOrFBeta/)]);
  });

  it('is documented: the README’s train section names every option', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf('## Stage `train`');
    expect(start, 'README.md needs a "## Stage `train`" section').toBeGreaterThan(0);
    const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
    const missing = Object.keys(trainConfigSchema().properties as object).filter((name) => !section.includes(name));
    expect(missing, 'options missing from the README train section').toEqual([]);
  });
});
