import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DataFetchError } from './data-fetch-error.js';
import { splitDataset, type SplitItem } from './split-dataset.js';

/** Random 64-bit hashes: two of them are within 3 bits with probability ~1e-15. */
const hash = (n: number): string => createHash('sha256').update(`item ${n}`).digest('hex').slice(0, 16);

/** 12 Cancer, 12 Normal, 4 unknown; c0/c1 near-duplicates, c2 a near-duplicate of u0, n0 of c3 (two classes). */
function items(): SplitItem[] {
  const list: SplitItem[] = [];
    let k = 0;
  // The same hash as pHash and dHash: grouping needs both near (the scan's rule).
  const add = (name: string, className: string | null): void => {
    const h = hash(k++);
    list.push({ name, phash: h, dhash: h, className });
  };
  for (let i = 0; i < 12; i++) add(`c${i}`, 'Cancer');
  for (let i = 0; i < 12; i++) add(`n${i}`, 'Normal');
  for (let i = 0; i < 4; i++) add(`u${i}`, null);
  const by = (name: string): SplitItem => list.find((x) => x.name === name)!;
  const copy = (to: string, from: string): void => {
    Object.assign(by(to), { phash: by(from).phash, dhash: by(from).dhash });
  };
  copy('c1', 'c0');
  copy('u0', 'c2');
  copy('n0', 'c3');
  return list;
}

const side = (split: ReturnType<typeof splitDataset>, name: string): string =>
  split.unlabelled.includes(name) ? 'pool' : (Object.entries(split.labelled).find(([, names]) => names.includes(name))?.[0] ?? 'none');

describe('splitDataset', () => {
  const options = { classes: ['Cancer', 'Normal'], labelledPerClass: 4, seed: 42, threshold: 3 };

  it('labels exactly N per class, pools the rest, and is deterministic whatever the input order', () => {
    const a = splitDataset(items(), options);
    const b = splitDataset(items().reverse(), options);
    expect(b).toEqual(a);
    expect(a.labelled['Cancer']).toHaveLength(4);
    expect(a.labelled['Normal']).toHaveLength(4);
    expect(a.unlabelled).toHaveLength(28 - 8);
    expect(a.groups).toBe(3);
    expect(a.mixedGroups).toBe(2);
  });

  it('over many seeds: near-duplicates never split, mixed groups never labelled, only known classes labelled', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 60; seed++) {
      const s = splitDataset(items(), { ...options, seed });
      expect(side(s, 'c1')).toBe(side(s, 'c0'));
      seen.add(side(s, 'c0'));
      for (const name of ['c2', 'u0', 'c3', 'n0']) expect(side(s, name)).toBe('pool');
      expect(s.labelled['Cancer']!.every((n) => n.startsWith('c'))).toBe(true);
      expect(s.labelled['Normal']!.every((n) => n.startsWith('n'))).toBe(true);
    }
    // The pair fits in the labelled set: some seed puts it there, some leaves it in the pool.
    expect(seen).toEqual(new Set(['Cancer', 'pool']));
  });

  it('--unlabelled takes a seeded subset of the pool', () => {
    const s = splitDataset(items(), { ...options, unlabelled: 5 });
    expect(s.unlabelled).toHaveLength(5);
    expect(s.leftOut).toBe(15);
    expect(splitDataset(items(), { ...options, unlabelled: 5 })).toEqual(s);
  });

  it('asking for more than exists is an exit-2 error with the numbers', () => {
    // Cancer: 12, minus c2 (mixed with u0) and c3 (mixed with n0) = 10 eligible.
    expect(() => splitDataset(items(), { ...options, labelledPerClass: 11 })).toThrow(
      new DataFetchError('cannot label 11 Cancer images: 10 are eligible (their near-duplicates are all Cancer too); lower --labelled-per-class', 2),
    );
    expect(() => splitDataset(items(), { ...options, unlabelled: 100 })).toThrow(/only 20 images are left for sans_label after the labelled ones; --unlabelled 100/);
  });
});
