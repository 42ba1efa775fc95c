// Step 3: which images become labelled and which go to the unlabelled pool. Near-duplicates (core's
// findNearDuplicateGroups on the pHashes, the grouping the dataset scan uses) move as one unit, so a
// labelled slice's re-crop or re-save never sits in sans_label. A group can be labelled only when all
// its members are known to be that class: a group touching pred/ or both classes stays in the pool.
// Deterministic for a seed, whatever order the archive listed its files in.

import { createRng, deriveSeed } from '@neuro-ssl/core';
import { findNearDuplicateGroups } from '@neuro-ssl/core/data';
import { DataFetchError } from './data-fetch-error.js';

export interface SplitItem {
  /** Unique name (the label-free file name). */
  name: string;
  phash: string;
  dhash: string;
  /** Known class, or null (no label, or contradictory copies). */
  className: string | null;
}

export interface SplitOptions {
  /** Class folder names, each gets `labelledPerClass` images. */
  classes: readonly string[];
  labelledPerClass: number;
  /** Size of the unlabelled pool; default: every image not labelled. */
  unlabelled?: number;
  seed: number;
  /** Largest pHash Hamming distance that counts as a near-duplicate (data.duplicates.threshold). */
  threshold: number;
}

export interface DatasetSplit {
  /** Class → names, sorted. */
  labelled: Record<string, string[]>;
  /** Names, sorted. */
  unlabelled: string[];
  /** Images left out because --unlabelled asked for fewer. */
  leftOut: number;
  /** Near-duplicate groups (two or more images). */
  groups: number;
  /** Of those, groups that could not be labelled (a member without a class, or two classes). */
  mixedGroups: number;
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function splitDataset(items: readonly SplitItem[], options: SplitOptions): DatasetSplit {
  const sorted = [...items].sort((a, b) => byString(a.name, b.name));
  const hashed = sorted.map((i) => ({ id: i.name, phash: i.phash, dhash: i.dhash, split: 'unlabelled' as const, className: i.className }));
  const classOf = new Map(sorted.map((i) => [i.name, i.className]));

  // Every image in exactly one unit: its near-duplicate group, or itself.
  const grouped = findNearDuplicateGroups(hashed, options.threshold, 'phash');
  const inGroup = new Set(grouped.flatMap((g) => g.members));
  const units: string[][] = [...grouped.map((g) => [...g.members].sort(byString)), ...sorted.filter((i) => !inGroup.has(i.name)).map((i) => [i.name])];
  units.sort((a, b) => byString(a[0] ?? '', b[0] ?? ''));
  const unitClass = (unit: string[]): string | null => {
    const classes = new Set(unit.map((n) => classOf.get(n) ?? null));
    return classes.size === 1 ? ([...classes][0] ?? null) : null;
  };

  const rng = createRng(deriveSeed(options.seed, 'runner data fetch'));
  const labelled: Record<string, string[]> = {};
  const taken = new Set<string[]>();
  for (const className of options.classes) {
    const candidates = rng.fork(`labelled/${className}`).shuffle(units.filter((u) => unitClass(u) === className));
    const chosen: string[] = [];
    for (const unit of candidates) {
      if (chosen.length === options.labelledPerClass) break;
      // A group that would overshoot is skipped whole, never cut.
      if (chosen.length + unit.length > options.labelledPerClass) continue;
      chosen.push(...unit);
      taken.add(unit);
    }
    if (chosen.length < options.labelledPerClass) {
      const available = candidates.reduce((n, u) => n + u.length, 0);
      throw new DataFetchError(
        `cannot label ${options.labelledPerClass} ${className} images: ${available} are eligible (their near-duplicates are all ${className} too)` +
          `${available >= options.labelledPerClass ? `, but whole groups fit only ${chosen.length}` : ''}; lower --labelled-per-class`,
        2,
      );
    }
    labelled[className] = chosen.sort(byString);
  }

  const pool = units.filter((u) => !taken.has(u)).flat();
  let unlabelled = pool;
  if (options.unlabelled !== undefined) {
    if (options.unlabelled > pool.length) {
      throw new DataFetchError(`only ${pool.length} images are left for sans_label after the labelled ones; --unlabelled ${options.unlabelled} asks for more: lower it or leave it out`, 2);
    }
    // Leaving images out of the pool cannot leak anything, so this subset may cut groups.
    unlabelled = rng.fork('unlabelled').shuffle([...pool]).slice(0, options.unlabelled);
  }
  return {
    labelled,
    unlabelled: unlabelled.sort(byString),
    leftOut: pool.length - unlabelled.length,
    groups: grouped.length,
    mixedGroups: grouped.filter((g) => unitClass(g.members) === null).length,
  };
}
