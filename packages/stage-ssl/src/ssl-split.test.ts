import { describe, expect, it } from 'vitest';
import type { DatasetIndex, ImageRecord } from '@neuro-ssl/core';
import type { ClassifierMeta } from '@neuro-ssl/core/learn';
import { sslSplit } from './ssl-split.js';

const image = (id: string, split: 'labelled' | 'unlabelled', label: number): ImageRecord => ({ id, path: `/data/${id}`, split, label }) as ImageRecord;

const dataset = {
  images: [image('L/c1', 'labelled', 1), image('L/n1', 'labelled', 0), image('L/c2', 'labelled', 1), image('L/n2', 'labelled', 0), image('U/a', 'unlabelled', -1), image('U/b', 'unlabelled', -1), image('U/c', 'unlabelled', -1)],
  duplicateGroups: [
    { members: ['L/c2', 'U/b'], maxDistance: 1, spansSplits: true, spansClasses: false }, // c2 validates: U/b would leak it
    { members: ['L/c1', 'U/c'], maxDistance: 2, spansSplits: true, spansClasses: false }, // c1 trains: U/c may stay
  ],
} as unknown as DatasetIndex;
const meta = { split: { train: ['L/c1', 'L/n1'], validation: ['L/c2', 'L/n2'] } } as unknown as ClassifierMeta;

describe('sslSplit', () => {
  it("uses the model's split and leaves near-duplicates of validation images out of the pool", () => {
    const s = sslSplit(dataset, meta);
    expect(s.labelled.map((i) => [i.id, i.target])).toEqual([
      ['L/c1', 1],
      ['L/n1', 0],
    ]);
    expect(s.validation.map((i) => [i.id, i.label])).toEqual([
      ['L/c2', 1],
      ['L/n2', 0],
    ]);
    expect(s.pool.map((p) => p.id)).toEqual(['U/a', 'U/c']);
    expect(s.excluded).toEqual(['U/b']);
  });

  it('refuses a model whose split names images the dataset lacks', () => {
    expect(() => sslSplit(dataset, { split: { train: ['L/zz'], validation: ['L/n2'] } } as unknown as ClassifierMeta)).toThrow(/training split names 1 labelled image\(s\) this dataset does not have/);
  });
});
