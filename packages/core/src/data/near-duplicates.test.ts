import { describe, expect, it } from 'vitest';

import type { DatasetIndex, ImageRecord, Split } from './dataset-index.js';
import { findNearDuplicateGroups, splitGroupKeys, type HashedImage } from './near-duplicates.js';

const img = (id: string, dhash: string, split: Split = 'unlabelled', className: string | null = null): HashedImage => ({
  id,
  dhash,
  split,
  className,
});

describe('findNearDuplicateGroups', () => {
  it('groups pairs within the threshold, inclusive, and leaves the rest alone', () => {
    const groups = findNearDuplicateGroups(
      [
        img('u/a', '0000000000000000'),
        img('u/b', '0000000000000003'), // 2 bits from a
        img('u/c', 'ffffffffffffffff'),
        img('u/d', '00000000000000ff'), // 8 bits from a, 6 from b
      ],
      2,
    );
    expect(groups).toEqual([{ members: ['u/a', 'u/b'], maxDistance: 2, spansSplits: false, spansClasses: false }]);
    expect(findNearDuplicateGroups([img('u/a', '0000000000000000'), img('u/b', '0000000000000003')], 1)).toEqual([]);
  });

  it('closes groups transitively and reports the real largest distance', () => {
    // a–b 4 bits, b–c 4 bits, a–c 8 bits: one group through b.
    const groups = findNearDuplicateGroups(
      [img('x/c', '00000000000000ff'), img('x/a', '0000000000000000'), img('x/b', '000000000000000f')],
      4,
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ members: ['x/a', 'x/b', 'x/c'], maxDistance: 8 });
  });

  it('flags groups that span splits or classes', () => {
    const groups = findNearDuplicateGroups(
      [
        img('L/Cancer/1', '1111111111111111', 'labelled', 'Cancer'),
        img('U/1', '1111111111111110', 'unlabelled'),
        img('L/Cancer/2', 'f0f0f0f0f0f0f0f0', 'labelled', 'Cancer'),
        img('L/Normal/2', 'f0f0f0f0f0f0f0f1', 'labelled', 'Normal'),
        img('L/Normal/3', '0f0f0f0f0f0f0f0f', 'labelled', 'Normal'),
        img('L/Normal/4', '0f0f0f0f0f0f0f0f', 'labelled', 'Normal'),
      ],
      3,
    );
    expect(groups).toEqual([
      { members: ['L/Cancer/1', 'U/1'], maxDistance: 1, spansSplits: true, spansClasses: false },
      { members: ['L/Cancer/2', 'L/Normal/2'], maxDistance: 1, spansSplits: false, spansClasses: true },
      { members: ['L/Normal/3', 'L/Normal/4'], maxDistance: 0, spansSplits: false, spansClasses: false },
    ]);
  });

  it('is deterministic whatever the input order, and threshold 0 means identical hashes', () => {
    const images = Array.from({ length: 40 }, (_, i) => img(`i${String(i).padStart(2, '0')}`, (i % 7).toString(16).padStart(16, '0')));
    const forward = findNearDuplicateGroups(images, 0);
    const backward = findNearDuplicateGroups([...images].reverse(), 0);
    expect(backward).toEqual(forward);
    expect(forward).toHaveLength(7);
    expect(forward.every((g) => g.maxDistance === 0)).toBe(true);
    expect(findNearDuplicateGroups(images, -1)).toEqual([]);
  });

  it('handles ~1,500 images quickly', () => {
    let seed = 1;
    const rand = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed;
    };
    const images = Array.from({ length: 1500 }, (_, i) =>
      img(`u/${i}`, rand().toString(16).padStart(8, '0') + rand().toString(16).padStart(8, '0')),
    );
    const started = performance.now();
    findNearDuplicateGroups(images, 6);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('splitGroupKeys', () => {
  it('maps group members to one key and other images to their own id', () => {
    const record = (id: string, duplicateGroup: number | null): ImageRecord => ({
      id,
      path: `/data/${id}`,
      split: 'unlabelled',
      label: -1,
      className: null,
      format: 'jpeg',
      progressive: false,
      width: 10,
      height: 10,
      channels: 1,
      hasAlpha: false,
      palette: false,
      bytes: 100,
      sha256: '',
      dhash: '0000000000000000',
      phash: '0000000000000000',
      duplicateGroup,
    });
    const index: DatasetIndex = {
      root: '/data',
      classes: {},
      images: [record('u/c', 0), record('u/a', 0), record('u/b', null)],
      badFiles: [],
      duplicateGroups: [{ members: ['u/c', 'u/a'], maxDistance: 1, spansSplits: false, spansClasses: false }],
      duplicateThreshold: 2,
      duplicateHash: 'phash',
      preprocess: { normalize: true, clahe: false, crop: 'brain', imageSize: 224 },
    };
    expect(Object.fromEntries(splitGroupKeys(index))).toEqual({ 'u/a': 'u/a', 'u/b': 'u/b', 'u/c': 'u/a' });
  });
});

describe('findNearDuplicateGroups on pHash', () => {
  it('groups by the hash it is told to use, and names an image that lacks it', () => {
    const images: HashedImage[] = [
      { id: 'a', split: 'unlabelled', className: null, dhash: '0000000000000000', phash: 'ffffffffffffffff' },
      { id: 'b', split: 'unlabelled', className: null, dhash: '0000000000000003', phash: 'fffffffffffffffe' },
    ];
    expect(findNearDuplicateGroups(images, 1)).toEqual([]);
    expect(findNearDuplicateGroups(images, 1, 'phash')).toEqual([{ members: ['a', 'b'], maxDistance: 1, spansSplits: false, spansClasses: false }]);
    expect(() => findNearDuplicateGroups([...images, { id: 'c', split: 'unlabelled', className: null, dhash: '0000000000000000' }], 1, 'phash')).toThrow(
      /image c has no phash/,
    );
  });

  it('with pHash, a dHash more than twice the threshold apart vetoes the pair (same outline, other content)', () => {
    const images: HashedImage[] = [
      { id: 'a', split: 'unlabelled', className: null, dhash: '0000000000000000', phash: 'ffffffffffffffff' },
      { id: 'b', split: 'unlabelled', className: null, dhash: '00000000000000ff', phash: 'ffffffffffffffff' }, // 8 dHash bits
    ];
    expect(findNearDuplicateGroups(images, 4, 'phash')).toHaveLength(1);
    expect(findNearDuplicateGroups(images, 3, 'phash')).toEqual([]);
    expect(findNearDuplicateGroups(images, 0, 'phash')).toEqual([]);
    // Without dHashes there is nothing to veto with.
    const bare = images.map(({ dhash: _d, ...rest }) => rest);
    expect(findNearDuplicateGroups(bare, 0, 'phash')).toHaveLength(1);
  });
});
