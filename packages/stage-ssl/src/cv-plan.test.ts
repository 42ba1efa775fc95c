import { describe, expect, it } from 'vitest';
import { createRng, type DatasetIndex } from '@neuro-ssl/core';
import type { SplitItem } from '@neuro-ssl/core/learn';
import { planFolds } from './cv-plan.js';
import { hideLabels } from './hide-labels.js';

// 40 labelled images in groups of two (near-duplicate pairs), 30 pool images of which some are
// near-duplicates of labelled ones.
const items: SplitItem[] = Array.from({ length: 40 }, (_, i) => ({ id: `l${String(i).padStart(2, '0')}`, label: i % 2, group: `g${Math.floor(i / 4)}-${i % 2}` }));
const pool = Array.from({ length: 30 }, (_, i) => ({ id: `u${String(i).padStart(2, '0')}`, path: `/u${i}` }));
const groups = new Map<string, string[]>();
for (const item of items) groups.set(item.group, [...(groups.get(item.group) ?? []), item.id]);
// Pool image u<k> (k < 10) is a near-duplicate of the labelled group g<k>-0.
const duplicateGroups = [...groups.entries()].map(([key, members]) => {
  const k = Number(key.slice(1, key.indexOf('-')));
  return { members: key.endsWith('-0') && k < 10 ? [...members, `u${String(k).padStart(2, '0')}`] : members, maxDistance: 1, spansSplits: false, spansClasses: false };
});
const dataset = { duplicateGroups } as unknown as DatasetIndex;
const groupOf = (id: string): string => duplicateGroups.findIndex((g) => g.members.includes(id)).toString();

describe('cross-validation plan', () => {
  it('outer folds hold out, inner splits choose, both group-aware; the pool loses the near-duplicates of what a fold must not train on', () => {
    const folds = planFolds(dataset, items, pool, { folds: 5, repeats: 2, innerSize: 0.25 }, createRng(1));
    expect(folds).toHaveLength(10);
    for (const repeat of [0, 1]) expect(folds.filter((f) => f.repeat === repeat).flatMap((f) => f.heldOut).sort()).toEqual(items.map((i) => i.id));
    for (const f of folds) {
      const sides = [f.train, f.inner, f.heldOut];
      expect(new Set(sides.flat()).size).toBe(40); // disjoint, and together every labelled image
      // a near-duplicate group never straddles two sides
      const sideOf = new Map<string, number>();
      sides.forEach((ids, s) => ids.forEach((id) => {
        const g = groupOf(id);
        expect(sideOf.get(g) ?? s, `group ${g}`).toBe(s);
        sideOf.set(g, s);
      }));
      // no pool image is a near-duplicate of a held-out or inner image; the others stay
      const chosen = new Set([...f.heldOut, ...f.inner].map(groupOf));
      expect(f.pool.filter((p) => chosen.has(groupOf(p.id)))).toEqual([]);
      expect(f.pool.length + f.excluded.length).toBe(30);
      expect(f.inner.filter((id) => items.find((i) => i.id === id)!.label === 1).length).toBeGreaterThan(0);
    }
    expect(planFolds(dataset, items, pool, { folds: 5, repeats: 2, innerSize: 0.25 }, createRng(1))).toEqual(folds);
  });

  it('benchmark: hides a seeded, stratified share of the labels, near-duplicate groups whole', () => {
    const h = hideLabels(items, 0.5, createRng(2), { 0: 'Normal', 1: 'Cancer' });
    expect(h.hidden).toHaveLength(20);
    expect(h.hidden.filter((i) => i.label === 1)).toHaveLength(10);
    const hiddenGroups = new Set(h.hidden.map((i) => i.group));
    expect(h.kept.filter((i) => hiddenGroups.has(i.group))).toEqual([]);
    expect(h.report).toMatch(/^benchmark: the labels of 20 of 40 labelled images are hidden \(Normal 10, Cancer 10;/);
    expect(hideLabels(items, 0.5, createRng(2))).toEqual({ ...h, report: expect.any(String) });
  });
});
