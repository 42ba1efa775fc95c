import { existsSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { BR35H_DIR } from '../__fixtures__/shared-paths.js';
import type { DataConfig } from './data-config.js';
import { createLogger } from '../progress/logger.js';
import { createRng } from '../util/rng.js';
import { DataError } from './data-error.js';
import { scanDataset } from './scan-dataset.js';
import { itemsForSplit, repeatedStratifiedGroupKFold, stratifiedGroupSplit, type SplitItem } from './split.js';

/**
 * 50 + 50 labelled images. Class 0: groups of 5, 4, 3, 2 (ids a00-a13), the rest singletons.
 * Class 1: groups of 4, 3, 2 (b00-b08), the rest singletons. One mixed group: a14, a15 + b09.
 */
function synthetic(): SplitItem[] {
  const items: SplitItem[] = [];
  const pad = (i: number): string => String(i).padStart(2, '0');
  const sizesA = [5, 4, 3, 2];
  const sizesB = [4, 3, 2];
  const add = (prefix: string, label: number, sizes: number[]): void => {
    let i = 0;
    for (const [g, size] of sizes.entries()) {
      for (let k = 0; k < size; k++) items.push({ id: `${prefix}${pad(i++)}`, label, group: `${prefix}-g${g}` });
    }
    const mixedStart = i;
    for (; i < 50; i++) {
      const mixed = prefix === 'a' ? i < mixedStart + 2 : i === mixedStart;
      items.push({ id: `${prefix}${pad(i)}`, label, group: mixed ? 'mixed' : `${prefix}${pad(i)}` });
    }
  };
  add('a', 0, sizesA);
  add('b', 1, sizesB);
  return items;
}

function groupsOf(items: SplitItem[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const item of items) groups.set(item.group, [...(groups.get(item.group) ?? []), item.id]);
  return groups;
}

function expectNoGroupCrosses(items: SplitItem[], train: string[], validation: string[]): void {
  const t = new Set(train);
  const v = new Set(validation);
  for (const [, ids] of groupsOf(items)) {
    const sides = new Set(ids.map((id) => (t.has(id) ? 't' : v.has(id) ? 'v' : '?')));
    expect(sides.size).toBe(1);
    expect(sides.has('?')).toBe(false);
  }
}

const countLabel = (items: SplitItem[], ids: string[], label: number): number => {
  const set = new Set(ids);
  return items.filter((i) => i.label === label && set.has(i.id)).length;
};

describe('stratifiedGroupSplit', () => {
  it('keeps groups whole, balances classes within one group of the 20% target, partitions the items', () => {
    const items = synthetic();
    expect(new Set(items.map((i) => i.id)).size).toBe(100);
    for (const seed of [1, 2, 3, 42, 1234]) {
      const { train, validation, report } = stratifiedGroupSplit(items, { rng: createRng(seed), labelNames: { 0: 'Normal', 1: 'Cancer' } });
      expect(train.length + validation.length).toBe(100);
      expect(new Set([...train, ...validation]).size).toBe(100);
      expectNoGroupCrosses(items, train, validation);
      // Target 10 per class; the largest group in a class is 5 (class 0) / 4 (class 1).
      expect(Math.abs(countLabel(items, validation, 0) - 10)).toBeLessThanOrEqual(5);
      expect(Math.abs(countLabel(items, validation, 1) - 10)).toBeLessThanOrEqual(4);
      // With this many singletons the repair reaches the target exactly.
      expect(countLabel(items, validation, 0)).toBe(10);
      expect(countLabel(items, validation, 1)).toBe(10);
      expect(report).toMatch(/^split: train 80 \(Normal 40, Cancer 40\), validation 20 \(Normal 10, Cancer 10\)/);
      expect(report).toContain('8 near-duplicate group(s) kept whole');
      expect(report).toContain('WARNING 1 group(s) hold several labels, kept together: mixed [Normal+Cancer]');
    }
  });

  it('is deterministic for a seed and independent of item order; another seed gives another split', () => {
    const items = synthetic();
    const a = stratifiedGroupSplit(items, { rng: createRng(7) });
    const b = stratifiedGroupSplit([...items].reverse(), { rng: createRng(7) });
    const c = stratifiedGroupSplit(items, { rng: createRng(8) });
    expect(b).toEqual(a);
    expect(c.validation).not.toEqual(a.validation);
  });

  it('counts the groups a naive split must cut: a 2-image class with testSize 0.5, a 5-image group that is its whole class', () => {
    // Classes 0, 1, 2: two images each, in one group per class → the naive split puts one in each side.
    // Class 3: five images in one group, target 1 → naive split cuts it. Class 4: ten singletons → nothing cut.
    const items: SplitItem[] = [];
    for (const label of [0, 1, 2]) for (const k of [0, 1]) items.push({ id: `c${label}-${k}`, label, group: `g${label}` });
    for (let k = 0; k < 5; k++) items.push({ id: `c3-${k}`, label: 3, group: 'g3' });
    for (let k = 0; k < 10; k++) items.push({ id: `c4-${k}`, label: 4, group: `c4-${k}` });
    for (const seed of [1, 2, 3]) {
      const split = stratifiedGroupSplit(items, { testSize: 0.5, rng: createRng(seed) });
      // testSize 0.5: class 3 target is round(2.5) = 3 of 5 → its group is cut too.
      expect(split.movedGroups).toBe(4);
      expectNoGroupCrosses(items, split.train, split.validation);
      expect(countLabel(items, split.validation, 4)).toBe(5);
      expect(split.report).toContain('4 near-duplicate group(s) kept whole (4 would have been cut by a plain split)');
    }
    const twenty = stratifiedGroupSplit(items, { rng: createRng(5) });
    // testSize 0.2: targets 1,1,1,1,2 → the 2-image groups and the 5-image group are cut: 4.
    expect(twenty.movedGroups).toBe(4);
    // The 5-image group stays in train: 5 in validation would be further from the target 1 than 0.
    expect(countLabel(items, twenty.validation, 3)).toBe(0);
    expect(twenty.report).toContain('groups allow only');
    expect(twenty.report).toContain('3 0/1');
  });

  it('all-singleton groups: nothing moved, exact stratification', () => {
    const items: SplitItem[] = Array.from({ length: 30 }, (_, i) => ({ id: `x${i}`, label: i % 3, group: `x${i}` }));
    const split = stratifiedGroupSplit(items, { testSize: 0.3, rng: createRng(3) });
    expect(split.movedGroups).toBe(0);
    for (const label of [0, 1, 2]) expect(countLabel(items, split.validation, label)).toBe(3);
    expect(split.report).toContain('0 near-duplicate group(s) kept whole (0 would have been cut by a plain split)');
  });

  it('rejects unlabelled items with a clear error', () => {
    const items = [...synthetic(), { id: 'u1', label: -1, group: 'u1' }];
    expect(() => stratifiedGroupSplit(items, { rng: createRng(1) })).toThrow(DataError);
    expect(() => stratifiedGroupSplit(items, { rng: createRng(1) })).toThrow(/1 unlabelled image\(s\) \(label -1\).*u1.*labelled images only/);
    expect(() => repeatedStratifiedGroupKFold(items, { rng: createRng(1) })).toThrow(/unlabelled/);
    expect(() => stratifiedGroupSplit([{ id: 'a', label: 0, group: 'a' }, { id: 'a', label: 0, group: 'a' }], { rng: createRng(1) })).toThrow(/more than once/);
    expect(() => stratifiedGroupSplit(synthetic(), { testSize: 1, rng: createRng(1) })).toThrow(RangeError);
  });

  it('a class with a single image goes to train and the report says so', () => {
    const items = [...synthetic(), { id: 'z0', label: 2, group: 'z0' }];
    for (const seed of [1, 2, 3, 4]) {
      const split = stratifiedGroupSplit(items, { rng: createRng(seed) });
      expect(split.train).toContain('z0');
      expect(split.report).toContain('WARNING class(es) with a single image, kept in train only (no validation): 2');
    }
  });
});

describe('repeatedStratifiedGroupKFold', () => {
  it('every id in validation exactly once per repeat, groups intact, folds balanced; repeats differ', () => {
    const items = synthetic();
    const folds = repeatedStratifiedGroupKFold(items, { folds: 5, repeats: 3, rng: createRng(11) });
    expect(folds).toHaveLength(15);
    for (let repeat = 0; repeat < 3; repeat++) {
      const mine = folds.filter((f) => f.repeat === repeat);
      expect(mine.map((f) => f.fold)).toEqual([0, 1, 2, 3, 4]);
      const seen = mine.flatMap((f) => f.validation).sort();
      expect(seen).toEqual(items.map((i) => i.id).sort());
      for (const fold of mine) {
        expect(fold.train.length + fold.validation.length).toBe(100);
        expectNoGroupCrosses(items, fold.train, fold.validation);
        // 10 per class per fold is the ideal; allow one group (≤ 5) off.
        for (const label of [0, 1]) expect(Math.abs(countLabel(items, fold.validation, label) - 10)).toBeLessThanOrEqual(5);
        expect(Math.abs(fold.validation.length - 20)).toBeLessThanOrEqual(5);
      }
    }
    const valsOf = (r: number): string[][] => folds.filter((f) => f.repeat === r).map((f) => f.validation);
    expect(valsOf(1)).not.toEqual(valsOf(0));
    expect(repeatedStratifiedGroupKFold(items, { folds: 5, repeats: 3, rng: createRng(11) })).toEqual(folds);
  });

  it('fills every fold even with few groups, and refuses fewer groups than folds', () => {
    const items: SplitItem[] = [
      { id: 'a', label: 0, group: 'g1' },
      { id: 'b', label: 0, group: 'g1' },
      { id: 'c', label: 0, group: 'g1' },
      { id: 'd', label: 1, group: 'g2' },
      { id: 'e', label: 1, group: 'g3' },
    ];
    const folds = repeatedStratifiedGroupKFold(items, { folds: 3, repeats: 1, rng: createRng(1) });
    for (const fold of folds) expect(fold.validation.length).toBeGreaterThan(0);
    expect(() => repeatedStratifiedGroupKFold(items, { folds: 4, rng: createRng(1) })).toThrow(/4 folds need at least 4 groups/);
  });
});

describe('itemsForSplit + real data', () => {
  it.skipIf(!existsSync(BR35H_DIR))(
    'br35h-oc: 100 labelled images split 80/20 stratified, no near-duplicate group crosses',
    async () => {
      const config: DataConfig = {
        root: BR35H_DIR,
        labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } },
        unlabelled: { dir: 'sans_label' },
        onBadFile: 'skip',
        duplicates: { threshold: 3 },
        preprocess: { normalize: false, clahe: false, crop: 'none', imageSize: 224 },
      };
      const index = await scanDataset(config, { logger: createLogger({ level: 'error', sinks: [] }) });
      const items = itemsForSplit(index);
      expect(items).toHaveLength(100);
      expect(items.every((i) => i.label === 0 || i.label === 1)).toBe(true);
      const split = stratifiedGroupSplit(items, { rng: createRng(42), labelNames: { 0: 'Normal', 1: 'Cancer' } });
      expect(split.train).toHaveLength(80);
      expect(split.validation).toHaveLength(20);
      expect(countLabel(items, split.validation, 0)).toBe(10);
      expect(countLabel(items, split.validation, 1)).toBe(10);
      expectNoGroupCrosses(items, split.train, split.validation);
      console.log(`[split real] ${split.report}`);
      const folds = repeatedStratifiedGroupKFold(items, { rng: createRng(42) });
      for (const fold of folds) expectNoGroupCrosses(items, fold.train, fold.validation);
    },
    180_000,
  );
});
