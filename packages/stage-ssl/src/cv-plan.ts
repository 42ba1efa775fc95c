// The images of a cross-validated self-training verdict. Outer folds (repeated stratified group
// k-fold of the labelled images) each hold out images that only score. Inside a fold, an inner
// group-aware split of its training labels chooses epochs, rounds, temperature and threshold; both
// arms — the supervised baseline and self-training — train on the rest. The fold's pool is the
// unlabelled pool minus every near-duplicate of a held-out or inner-validation image: pseudo-labelled,
// such a copy would carry that image into training, and its score would measure memory.

import type { DatasetIndex, Rng } from '@neuro-ssl/core';
import { repeatedStratifiedGroupKFold, stratifiedGroupSplit, type SplitItem } from '@neuro-ssl/core/learn';

export interface PoolImage {
  id: string;
  path: string;
}

export interface CvFold {
  /** 0-based. */
  repeat: number;
  fold: number;
  /** What both arms train on: the fold's training labels minus the inner validation. */
  train: string[];
  /** Chooses epochs, rounds, temperature and threshold. */
  inner: string[];
  /** Only scores. */
  heldOut: string[];
  pool: PoolImage[];
  /** Pool images left out of this fold's pool (near-duplicates of its held-out or inner images). */
  excluded: string[];
  /** The inner split's line for the log. */
  innerReport: string;
}

/** Pool ids in a near-duplicate group with any of `ids`. */
export function nearDuplicatesOf(dataset: DatasetIndex, ids: ReadonlySet<string>, poolIds: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  for (const group of dataset.duplicateGroups) {
    if (!group.members.some((id) => ids.has(id))) continue;
    for (const id of group.members) if (poolIds.has(id)) out.add(id);
  }
  return out;
}

export function planFolds(
  dataset: DatasetIndex,
  items: readonly SplitItem[],
  pool: readonly PoolImage[],
  cv: { folds: number; repeats: number; innerSize: number },
  rng: Rng,
  labelNames?: Readonly<Record<number, string>>,
): CvFold[] {
  const byId = new Map(items.map((i) => [i.id, i]));
  const poolIds = new Set(pool.map((p) => p.id));
  return repeatedStratifiedGroupKFold(items, { folds: cv.folds, repeats: cv.repeats, rng: rng.fork('outer') }).map((outer) => {
    const inner = stratifiedGroupSplit(
      outer.train.map((id) => byId.get(id)!),
      { testSize: cv.innerSize, rng: rng.fork(`inner-r${outer.repeat}-f${outer.fold}`), ...(labelNames ? { labelNames } : {}) },
    );
    const excluded = nearDuplicatesOf(dataset, new Set([...outer.validation, ...inner.validation]), poolIds);
    return {
      repeat: outer.repeat,
      fold: outer.fold,
      train: inner.train,
      inner: inner.validation,
      heldOut: outer.validation,
      pool: pool.filter((p) => !excluded.has(p.id)),
      excluded: [...excluded].sort(),
      innerReport: inner.report,
    };
  });
}
