// Train/validation splits that keep every near-duplicate group on one side. A plain stratified split
// scatters the re-crops of one slice across train and validation and the validation score measures
// memory, not generalisation; here groups are atomic and the classes are balanced as well as the
// groups allow.

import type { Rng } from '../util/rng.js';
import { DataError } from './data-error.js';
import type { DatasetIndex } from './dataset-index.js';
import { splitGroupKeys } from './near-duplicates.js';

export interface SplitItem {
  id: string;
  /** Class label (≥ 0); unlabelled images (−1) are rejected. */
  label: number;
  /** Group key: items sharing a key always land on the same side. */
  group: string;
}

export interface StratifiedGroupSplitOptions {
  /** Share of each class in validation, in (0, 1) (default 0.2). */
  testSize?: number;
  rng: Rng;
  /** Label → class name, for the report (labels are printed as numbers otherwise). */
  labelNames?: Readonly<Record<number, string>>;
}

export interface StratifiedGroupSplit {
  /** Ids, sorted. */
  train: string[];
  /** Ids, sorted. */
  validation: string[];
  /** Groups a naive stratified split of images would have cut across the two sides. */
  movedGroups: number;
  /** One line for the log: counts per class per side, groups moved, warnings. */
  report: string;
}

export interface GroupKFoldOptions {
  /** Folds per repeat, ≥ 2 (default 5). */
  folds?: number;
  /** Repeats, each a different shuffle, ≥ 1 (default 2). */
  repeats?: number;
  rng: Rng;
}

export interface GroupFold {
  /** 0-based. */
  repeat: number;
  /** 0-based. */
  fold: number;
  /** Ids, sorted. */
  train: string[];
  /** Ids, sorted. */
  validation: string[];
}

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Issues listed before "… and N more". */
const MAX_LISTED = 5;

function listed(ids: string[]): string {
  const shown = ids.slice(0, MAX_LISTED).join(', ');
  return ids.length > MAX_LISTED ? `${shown} … and ${ids.length - MAX_LISTED} more` : shown;
}

/** Sorted copy; rejects unlabelled items, non-integer labels and duplicate ids. */
function checkItems(items: readonly SplitItem[], what: string): SplitItem[] {
  const unlabelled = items.filter((i) => i.label === -1).map((i) => i.id);
  const invalid = items.filter((i) => i.label !== -1 && !(Number.isInteger(i.label) && i.label >= 0)).map((i) => `${i.id} (${i.label})`);
  const seen = new Set<string>();
  const duplicated = new Set<string>();
  for (const item of items) {
    if (seen.has(item.id)) duplicated.add(item.id);
    seen.add(item.id);
  }
  const issues: string[] = [];
  if (unlabelled.length > 0) {
    issues.push(
      `${unlabelled.length} unlabelled image(s) (label -1) passed to ${what}: ${listed(unlabelled)}; ` +
        'supervised splits take labelled images only (itemsForSplit filters them)',
    );
  }
  if (invalid.length > 0) issues.push(`${invalid.length} item(s) with a label that is not a non-negative integer: ${listed(invalid)}`);
  if (duplicated.size > 0) issues.push(`ids appear more than once: ${listed([...duplicated].sort(byCodeUnit))}`);
  if (issues.length > 0) throw DataError.fromIssues(`${what}: invalid items`, issues);
  if (items.length === 0) throw DataError.fromIssues(`${what}: no items`, [`${what}: no labelled images to split`]);
  return [...items].sort((a, b) => byCodeUnit(a.id, b.id));
}

interface Group {
  key: string;
  members: SplitItem[];
  /** Label → members with it. */
  counts: Map<number, number>;
}

/** Groups in order of first appearance in the (sorted) items. */
function groupItems(items: readonly SplitItem[]): Group[] {
  const groups = new Map<string, Group>();
  for (const item of items) {
    let group = groups.get(item.group);
    if (!group) {
      group = { key: item.group, members: [], counts: new Map() };
      groups.set(item.group, group);
    }
    group.members.push(item);
    group.counts.set(item.label, (group.counts.get(item.label) ?? 0) + 1);
  }
  return [...groups.values()];
}

function countByLabel(items: readonly SplitItem[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const item of items) counts.set(item.label, (counts.get(item.label) ?? 0) + 1);
  return counts;
}

/** A group's label counts as a stable string: groups with equal signatures are interchangeable for balance. */
const signature = (group: Group): string =>
  [...group.counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([l, n]) => `${l}:${n}`)
    .join(',');

/**
 * Stratified train/validation split that never cuts a group: a naive per-class split of images
 * first, then each group goes where most of its members landed (ties → train), then whole groups are
 * moved greedily (smallest first) while that brings the per-class validation counts closer to target.
 * Target per class: round(n · testSize), at least 1 when the class has ≥ 2 images, at most n − 1;
 * a class with a single image stays in train. Deterministic for the rng's seed, whatever the item order.
 */
export function stratifiedGroupSplit(items: readonly SplitItem[], options: StratifiedGroupSplitOptions): StratifiedGroupSplit {
  const { rng, labelNames } = options;
  const testSize = options.testSize ?? 0.2;
  if (!(testSize > 0 && testSize < 1)) throw new RangeError(`stratifiedGroupSplit: testSize must be in (0, 1), got ${testSize}`);
  const sorted = checkItems(items, 'stratifiedGroupSplit');
  const name = (label: number): string => labelNames?.[label] ?? String(label);

  const classSize = countByLabel(sorted);
  const labels = [...classSize.keys()].sort((a, b) => a - b);
  const target = new Map<number, number>();
  for (const label of labels) {
    const n = classSize.get(label) ?? 0;
    target.set(label, n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * testSize))));
  }

  // 1. What a naive stratified split of images would do.
  const naiveValidation = new Set<string>();
  for (const label of labels) {
    const ids = sorted.filter((i) => i.label === label).map((i) => i.id);
    rng.shuffle(ids);
    for (const id of ids.slice(0, target.get(label) ?? 0)) naiveValidation.add(id);
  }

  // 2. Each group to the side holding most of its members; count the groups the naive split cut.
  const groups = groupItems(sorted);
  const inValidation = new Map<Group, boolean>();
  let movedGroups = 0;
  for (const group of groups) {
    const v = group.members.filter((m) => naiveValidation.has(m.id)).length;
    if (v > 0 && v < group.members.length) movedGroups++;
    inValidation.set(group, v * 2 > group.members.length);
  }
  // Single-image classes have nothing to validate against: their group is pinned to train.
  const singletons = labels.filter((l) => classSize.get(l) === 1);
  const pinned = new Set(groups.filter((g) => singletons.some((l) => g.counts.has(l))));
  for (const group of pinned) inValidation.set(group, false);

  // 3. Repair: move whole groups while the squared distance to the per-class targets shrinks.
  const validationCount = new Map<number, number>(labels.map((l) => [l, 0]));
  for (const group of groups) {
    if (!inValidation.get(group)) continue;
    for (const [l, n] of group.counts) validationCount.set(l, (validationCount.get(l) ?? 0) + n);
  }
  const costDelta = (group: Group, sign: 1 | -1): number => {
    let delta = 0;
    for (const [l, n] of group.counts) {
      const before = (validationCount.get(l) ?? 0) - (target.get(l) ?? 0);
      const after = before + sign * n;
      delta += after * after - before * before;
    }
    return delta;
  };
  const apply = (group: Group, toValidation: boolean): void => {
    inValidation.set(group, toValidation);
    const sign = toValidation ? 1 : -1;
    for (const [l, n] of group.counts) validationCount.set(l, (validationCount.get(l) ?? 0) + sign * n);
  };
  // Candidates in a seeded order so that equal groups are picked at random, not by id.
  const movable = rng.shuffle(groups.filter((g) => !pinned.has(g)));
  let rebalanced = 0;
  for (let guard = 0; guard < 4 * groups.length + 8; guard++) {
    // One representative per (side, signature): equal groups give equal moves.
    const reps = new Map<string, Group>();
    for (const group of movable) {
      const key = `${inValidation.get(group) ? 'v' : 't'}|${signature(group)}`;
      if (!reps.has(key)) reps.set(key, group);
    }
    let best: { moves: [Group, boolean][]; delta: number; size: number } | null = null;
    const consider = (moves: [Group, boolean][], delta: number): void => {
      const size = moves.reduce((s, [g]) => s + g.members.length, 0);
      if (delta < 0 && (best === null || delta < best.delta || (delta === best.delta && size < best.size))) best = { moves, delta, size };
    };
    const candidates = [...reps.values()];
    for (const group of candidates) {
      const toValidation = !inValidation.get(group);
      consider([[group, toValidation]], costDelta(group, toValidation ? 1 : -1));
    }
    // Swaps (one group in, one out) fix drifts that no single move can.
    if (best === null) {
      for (const a of candidates.filter((g) => !inValidation.get(g))) {
        for (const b of candidates.filter((g) => inValidation.get(g))) {
          const before = costDelta(a, 1);
          apply(a, true);
          const delta = before + costDelta(b, -1);
          apply(a, false);
          consider(
            [
              [a, true],
              [b, false],
            ],
            delta,
          );
        }
      }
    }
    if (best === null) break;
    for (const [group, toValidation] of (best as { moves: [Group, boolean][] }).moves) {
      apply(group, toValidation);
      rebalanced++;
    }
  }

  const train: string[] = [];
  const validation: string[] = [];
  for (const group of groups) for (const m of group.members) (inValidation.get(group) ? validation : train).push(m.id);
  train.sort(byCodeUnit);
  validation.sort(byCodeUnit);

  // Report.
  const side = (ids: string[]): string => {
    const set = new Set(ids);
    const counts = countByLabel(sorted.filter((i) => set.has(i.id)));
    return `${ids.length} (${labels.map((l) => `${name(l)} ${counts.get(l) ?? 0}`).join(', ')})`;
  };
  const multi = groups.filter((g) => g.members.length > 1);
  const parts = [
    `split: train ${side(train)}, validation ${side(validation)}, target ${labels.map((l) => `${name(l)} ${target.get(l) ?? 0}`).join(', ')}`,
    `${multi.length} near-duplicate group(s) kept whole (${movedGroups} would have been cut by a plain split)` +
      (rebalanced > 0 ? `, ${rebalanced} group move(s) to rebalance classes` : ''),
  ];
  const offTarget = labels.filter((l) => (validationCount.get(l) ?? 0) !== (target.get(l) ?? 0));
  if (offTarget.length > 0) {
    parts.push(
      `groups allow only ${offTarget.map((l) => `${name(l)} ${validationCount.get(l) ?? 0}/${target.get(l) ?? 0}`).join(', ')} in validation`,
    );
  }
  const mixed = groups.filter((g) => g.counts.size > 1);
  if (mixed.length > 0) {
    const describe = (g: Group): string =>
      `${g.key} [${[...g.counts.keys()]
        .sort((a, b) => a - b)
        .map(name)
        .join('+')}]`;
    parts.push(`WARNING ${mixed.length} group(s) hold several labels, kept together: ${mixed.slice(0, MAX_LISTED).map(describe).join(', ')}${mixed.length > MAX_LISTED ? ' …' : ''}`);
  }
  if (singletons.length > 0) {
    parts.push(`WARNING class(es) with a single image, kept in train only (no validation): ${singletons.map(name).join(', ')}`);
  }
  return { train, validation, movedGroups, report: parts.join('; ') };
}

/** Standard deviation of a vector (population). */
function std(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) * (v - mean), 0) / values.length);
}

/**
 * Repeated stratified group k-fold (sklearn's StratifiedGroupKFold assignment, repeated with a new
 * shuffle each time): groups are never cut; each group, largest and most label-skewed first, joins the
 * fold that keeps the per-class fold shares most even (ties → the smallest fold). Every item is in
 * validation exactly once per repeat. Repeat r uses rng.fork(`repeat-${r}`).
 */
export function repeatedStratifiedGroupKFold(items: readonly SplitItem[], options: GroupKFoldOptions): GroupFold[] {
  const folds = options.folds ?? 5;
  const repeats = options.repeats ?? 2;
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`repeatedStratifiedGroupKFold: folds must be an integer ≥ 2, got ${folds}`);
  if (!Number.isInteger(repeats) || repeats < 1) throw new RangeError(`repeatedStratifiedGroupKFold: repeats must be an integer ≥ 1, got ${repeats}`);
  const sorted = checkItems(items, 'repeatedStratifiedGroupKFold');
  const baseGroups = groupItems(sorted);
  if (baseGroups.length < folds) {
    throw DataError.fromIssues('repeatedStratifiedGroupKFold: too few groups', [
      `${folds} folds need at least ${folds} groups of images; there are ${baseGroups.length} (near-duplicates are grouped)`,
    ]);
  }
  const classSize = countByLabel(sorted);
  const labels = [...classSize.keys()].sort((a, b) => a - b);
  const labelIndex = new Map(labels.map((l, i) => [l, i]));

  const result: GroupFold[] = [];
  for (let repeat = 0; repeat < repeats; repeat++) {
    const rng = options.rng.fork(`repeat-${repeat}`);
    const groups = rng.shuffle([...baseGroups]).map((g) => {
      const vec = labels.map(() => 0);
      for (const [l, n] of g.counts) vec[labelIndex.get(l) ?? 0] = n;
      return { group: g, vec, spread: std(vec) };
    });
    // Stable sort after the shuffle: large, single-label groups first (they are the hard ones to place).
    groups.sort((a, b) => b.group.members.length - a.group.members.length || b.spread - a.spread);

    const foldCounts = Array.from({ length: folds }, () => labels.map(() => 0));
    const foldSize = Array.from({ length: folds }, () => 0);
    const assignment: number[] = Array.from({ length: groups.length }, () => 0);
    let emptyFolds = folds;
    groups.forEach(({ group, vec }, gi) => {
      const remaining = groups.length - gi;
      let bestFold = -1;
      let bestEval = Infinity;
      for (let f = 0; f < folds; f++) {
        // Once only as many groups are left as folds are empty, fill the empty folds.
        if (remaining <= emptyFolds && (foldSize[f] ?? 0) > 0) continue;
        let evaluation = 0;
        for (let c = 0; c < labels.length; c++) {
          const shares = foldCounts.map((counts, ff) => ((counts[c] ?? 0) + (ff === f ? (vec[c] ?? 0) : 0)) / (classSize.get(labels[c] ?? 0) ?? 1));
          evaluation += std(shares);
        }
        evaluation /= labels.length;
        const better =
          evaluation < bestEval - 1e-12 || (Math.abs(evaluation - bestEval) <= 1e-12 && (foldSize[f] ?? 0) < (foldSize[bestFold] ?? 0));
        if (bestFold === -1 || better) {
          bestFold = f;
          bestEval = evaluation;
        }
      }
      if ((foldSize[bestFold] ?? 0) === 0) emptyFolds--;
      assignment[gi] = bestFold;
      foldSize[bestFold] = (foldSize[bestFold] ?? 0) + group.members.length;
      const counts = foldCounts[bestFold] ?? [];
      vec.forEach((n, c) => (counts[c] = (counts[c] ?? 0) + n));
    });

    for (let fold = 0; fold < folds; fold++) {
      const train: string[] = [];
      const validation: string[] = [];
      groups.forEach(({ group }, gi) => {
        for (const m of group.members) (assignment[gi] === fold ? validation : train).push(m.id);
      });
      train.sort(byCodeUnit);
      validation.sort(byCodeUnit);
      result.push({ repeat, fold, train, validation });
    }
  }
  return result;
}

/** The labelled images of a scan, sorted by id, with their near-duplicate group keys. */
export function itemsForSplit(index: DatasetIndex): SplitItem[] {
  const keys = splitGroupKeys(index);
  return index.images
    .filter((image) => image.split === 'labelled' && image.label >= 0)
    .map((image) => ({ id: image.id, label: image.label, group: keys.get(image.id) ?? image.id }))
    .sort((a, b) => byCodeUnit(a.id, b.id));
}
