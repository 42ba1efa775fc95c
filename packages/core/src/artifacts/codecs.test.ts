import { describe, expect, it } from 'vitest';
import { codecFor, featureColumnName } from './codecs.js';

describe('codec checks', () => {
  it('rejects malformed stage outputs with a reason', () => {
    const ft = codecFor('FeatureTable');
    expect(ft.check({ ids: ['a'], paths: ['p'], splits: ['labelled'], labels: [0], dim: 2, values: new Float32Array(3), meta: {} })).toMatch(
      /values has 3 numbers, expected ids.length × dim = 2/,
    );
    expect(ft.check({ ids: ['a'], paths: [], splits: ['labelled'], labels: [0], dim: 1, values: new Float32Array(1), meta: {} })).toMatch(/paths must have one entry per id/);
    expect(codecFor('Metrics').check({ value: 1 })).toBe('missing field(s) values');
    expect(codecFor('Metrics').check({ values: {} })).toBeNull();
    expect(codecFor('Figure').check({ files: [{ name: '../x.png', format: 'png', data: new Uint8Array() }] })).toMatch(/plain file name/);
    const f = { name: 'a.png', format: 'png', data: new Uint8Array() };
    expect(codecFor('Figure').check({ files: [f, f] })).toMatch(/appears twice/);
  });
  it('names feature columns as pandas users expect', () => {
    expect(featureColumnName(0)).toBe('feature_0');
    expect(featureColumnName(1279)).toBe('feature_1279');
  });
});
