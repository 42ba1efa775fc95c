import { describe, expect, it } from 'vitest';
import type { JsonSchema } from '@neuro-ssl/core';
import { compileSchema, editDistance, suggest, validateWithSchema } from '@neuro-ssl/core/config';
import { parseExperiment } from './load-experiment.js';
import { YamlSource } from './yaml-source.js';

const pluginSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['backbone'],
  properties: {
    backbone: { type: 'string', enum: ['resnet18', 'resnet34', 'resnet50', 'efficientnet-b0'] },
    epochs: { type: 'integer', minimum: 1, default: 20 },
    learningRate: { type: 'number', exclusiveMinimum: 0, default: 0.001 },
    augment: { type: 'object', additionalProperties: false, default: {}, properties: { flip: { type: 'boolean', default: true } } },
    weights: {
      description: 'imagenet, none, or a file path / {url, sha256}',
      anyOf: [
        { type: 'string' },
        { type: 'null' },
        { type: 'object', additionalProperties: false, required: ['url'], properties: { url: { type: 'string' }, sha256: { type: 'string' } } },
      ],
    },
    threshold: { anyOf: [{ type: 'number', minimum: 0, maximum: 1 }, { type: 'string', enum: ['auto', 'youden'] }] },
  },
};

const text = [
  'name: demo',
  'data: {root: x}',
  'stages:',
  '  - use: "@neuro-ssl/stage-extract"',
  '  - use: "@neuro-ssl/stage-train"',
  '    with:',
  '      backbone: Resnet18',
  '      epochs: 0',
  '      augment: {flip: yes, rotate: 10}',
  '      weights: {url: 3, sha: abc}',
  '      threshold: 1.5',
  '      extra: true',
  '  - use: "@neuro-ssl/stage-eval"',
  '',
].join('\n');

describe('validateWithSchema', () => {
  it('reports plugin issues with YAML positions under basePath', () => {
    const { config, source } = parseExperiment(text, '/exp/e.yaml');
    const stage = config.stages[1]!;
    const { issues } = validateWithSchema(pluginSchema, stage.with, { file: '/exp/e.yaml', source, basePath: ['stages', 1, 'with'] });
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}: ${i.message}`)).toEqual([
      '7:17 stages[1].with.backbone: must be one of: resnet18, resnet34, resnet50, efficientnet-b0; got "Resnet18", did you mean "resnet18"?',
      '8:15 stages[1].with.epochs: must be >= 1, got number 0',
      '9:23 stages[1].with.augment.flip: expected boolean, got string "yes"',
      '9:28 stages[1].with.augment.rotate: unknown field "rotate"; allowed fields: flip',
      '10:22 stages[1].with.weights.url: expected string, got number 3',
      '10:25 stages[1].with.weights.sha: unknown field "sha"; did you mean "sha256"? Allowed fields: url, sha256',
      '11:18 stages[1].with.threshold: must be <= 1, got number 1.5',
      '12:7 stages[1].with.extra: unknown field "extra"; allowed fields: backbone, epochs, learningRate, augment, weights, threshold',
    ]);
  });

  it('points a missing required field of an absent `with:` at the stage', () => {
    const { config, source } = parseExperiment(text, '/exp/e.yaml');
    const { issues } = validateWithSchema(pluginSchema, config.stages[2]!.with, { file: '/exp/e.yaml', source, basePath: ['stages', 2, 'with'] });
    expect(issues).toEqual([{ file: '/exp/e.yaml', line: 13, column: 5, path: 'stages[2].with', message: 'missing required field "backbone"' }]);
  });

  it('fills defaults in a deep copy', () => {
    const input = { backbone: 'resnet18', augment: {} };
    const { value, issues } = validateWithSchema<Record<string, unknown>>(pluginSchema, input, { file: 'f.yaml' });
    expect(issues).toEqual([]);
    expect(value).toEqual({ backbone: 'resnet18', epochs: 20, learningRate: 0.001, augment: { flip: true } });
    expect(input).toEqual({ backbone: 'resnet18', augment: {} });
  });

  it('merges alternatives that all fail on type or value into one message', () => {
    const { issues } = validateWithSchema(pluginSchema, { backbone: 'resnet18', weights: 3, threshold: 'youdn' }, { file: 'f.yaml' });
    expect(issues.map((i) => `${i.path}: ${i.message}`)).toEqual([
      'weights: expected string, null or object, got number 3',
      'threshold: must be one of: auto, youden, or a number; got "youdn", did you mean "youden"?',
    ]);
  });

  it('keeps issues without positions when there is no source', () => {
    const { issues } = validateWithSchema({ type: 'object', properties: { n: { type: 'integer' } } }, { n: 'abc' }, { file: 'f.yaml' });
    expect(issues).toEqual([{ file: 'f.yaml', path: 'n', message: 'expected integer, got string "abc"' }]);
  });

  it('compiles each schema object once', () => {
    expect(compileSchema(pluginSchema)).toBe(compileSchema(pluginSchema));
  });

  it('accepts schemas that declare an unknown meta-schema or share an $id', () => {
    const s1 = { $schema: 'https://json-schema.org/draft/2019-09/schema', $id: 'urn:test:plugin', type: 'object' };
    const s2 = { $id: 'urn:test:plugin', type: 'object' };
    expect(validateWithSchema(s1, {}, { file: 'f' }).issues).toEqual([]);
    expect(validateWithSchema(s2, {}, { file: 'f' }).issues).toEqual([]);
  });

  it('uses positions inside flow and block sequences', () => {
    const source = YamlSource.parse('items:\n  - 1\n  - two\nflow: [1, x]\n', '/f.yaml');
    const schema = { type: 'object', properties: { items: { type: 'array', items: { type: 'integer' } }, flow: { type: 'array', items: { type: 'integer' } } } };
    const { issues } = validateWithSchema(schema, source.toJS(), { file: '/f.yaml', source });
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual(['3:5 items[1]', '4:11 flow[1]']);
  });
});

describe('suggest', () => {
  it('finds near misses by case and edit distance', () => {
    expect(suggest('BRAIN', ['brain', 'none'])).toBe('brain');
    expect(suggest('brian', ['brain', 'none'])).toBe('brain');
    expect(suggest('bakcend', ['backend', 'batchSize'])).toBe('backend');
    expect(suggest('resnet', ['resnet18', 'vgg16'])).toBe('resnet18');
    expect(suggest('xyz', ['brain', 'none'])).toBeUndefined();
    expect(editDistance('ab', 'ba')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
  });
});

describe('deprecated spellings', () => {
  const schema: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    properties: {
      threshold: { type: 'number', default: 0.5 },
      decisionThreshold: { 'x-renamedTo': 'threshold' },
      rule: { type: 'object', properties: { kind: { enum: ['prAucOrFBeta', 'loss'], 'x-deprecatedValues': { notebook: 'prAucOrFBeta' } } } },
    },
  };
  const yaml = 'stages:\n  - use: x\n    with:\n      decisionThreshold: 0.3\n      rule: { kind: notebook }\n';
  const source = YamlSource.parse(yaml, '/e.yaml');
  const withBlock = (source.toJS() as { stages: { with: unknown }[] }).stages[0]!.with;

  it('moves an old key to its new name and an old value to its new spelling, warning with the position', () => {
    const { value, issues, warnings } = validateWithSchema(schema, withBlock, { file: '/e.yaml', source, basePath: ['stages', 0, 'with'] });
    expect(issues).toEqual([]);
    expect(value).toEqual({ threshold: 0.3, rule: { kind: 'prAucOrFBeta' } });
    expect(warnings.map((w) => `${w.line}:${w.column} ${w.path}: ${w.message}`)).toEqual([
      '4:7 stages[0].with.decisionThreshold: "decisionThreshold" is deprecated: write "threshold" (same meaning)',
      '5:15 stages[0].with.rule.kind: "notebook" is deprecated: write kind: prAucOrFBeta (same meaning)',
    ]);
  });

  it('keeps the new key when both spellings are given, and says the old one is ignored', () => {
    const { value, warnings } = validateWithSchema(schema, { threshold: 0.7, decisionThreshold: 0.3 }, { file: 'x.yaml' });
    expect(value).toEqual({ threshold: 0.7 });
    expect(warnings[0]!.message).toMatch(/"decisionThreshold" is deprecated and "threshold" is also given: "decisionThreshold" is ignored/);
  });

  it('leaves current spellings alone', () => {
    expect(validateWithSchema(schema, { threshold: 0.2 }, { file: 'x.yaml' }).warnings).toEqual([]);
  });
});
