// The images a self-training run works on: the input model's own labelled split (training ids and
// the fixed validation ids, looked up by id) and the unlabelled pool.

import type { DatasetIndex, ImageRecord } from '@neuro-ssl/core';
import type { ClassifierMeta, TrainItem, ValidationItem } from '@neuro-ssl/core/learn';

export interface SslSplit {
  labelled: TrainItem[];
  validation: ValidationItem[];
  pool: { id: string; path: string }[];
  /** Unlabelled near-duplicates of validation images, left out of the pool. */
  excluded: string[];
}

/** The model's own split, looked up in the dataset by id, and the unlabelled pool (sorted by id). */
export function sslSplit(
  dataset: DatasetIndex,
  meta: ClassifierMeta,
): SslSplit {
  const records = new Map(dataset.images.map((r) => [r.id, r]));
  const lookup = (ids: readonly string[], what: string): ImageRecord[] => {
    const missing = ids.filter((id) => records.get(id)?.split !== 'labelled');
    if (missing.length) {
      throw new Error(
        `the input model's ${what} split names ${missing.length} labelled image(s) this dataset does not have (e.g. ${missing.slice(0, 3).join(', ')}): was the model trained on another dataset?`,
      );
    }
    return ids.map((id) => records.get(id)!);
  };
  const labelled = lookup(meta.split.train, 'training').map((r) => ({ id: r.id, path: r.path, target: r.label }));
  const validation = lookup(meta.split.validation, 'validation').map((r) => ({ id: r.id, path: r.path, label: r.label }));
  if (labelled.length === 0 || validation.length === 0) throw new Error(`the input model's split is empty (${labelled.length} training, ${validation.length} validation images)`);
  // A pool image that is a near-duplicate of a validation image would carry it into training as a
  // pseudo-label, and validation would then measure memory: such images leave the pool.
  const validationIds = new Set(meta.split.validation);
  const leaking = new Set<string>();
  for (const group of dataset.duplicateGroups) {
    if (group.members.some((id) => validationIds.has(id))) for (const id of group.members) if (records.get(id)?.split === 'unlabelled') leaking.add(id);
  }
  const pool = dataset.images
    .filter((r) => r.split === 'unlabelled' && !leaking.has(r.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((r) => ({ id: r.id, path: r.path }));
  if (pool.length === 0) throw new Error('the dataset has no unlabelled images: self-training needs data.unlabelled (a folder of unlabelled images)');
  return { labelled, validation, pool, excluded: [...leaking].sort() };
}
