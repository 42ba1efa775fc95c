// Benchmark mode on one's own data: hide the labels of a share of the labelled images. The hidden
// images join the unlabelled pool and their labels are kept for the report only (how right the
// pseudo-labels were), exactly like a labels file for the pool. Seeded and stratified, and a
// near-duplicate group is hidden whole — a visible copy would carry the hidden label into training.

import type { Rng } from '@neuro-ssl/core';
import { stratifiedGroupSplit, type SplitItem } from '@neuro-ssl/core/learn';

export interface HiddenLabels {
  /** The labelled images that stay labelled. */
  kept: SplitItem[];
  /** The images whose labels are hidden: they join the pool. */
  hidden: SplitItem[];
  /** One line for the log. */
  report: string;
}

export function hideLabels(items: readonly SplitItem[], share: number, rng: Rng, labelNames?: Readonly<Record<number, string>>): HiddenLabels {
  const split = stratifiedGroupSplit(items, { testSize: share, rng, ...(labelNames ? { labelNames } : {}) });
  const hiddenIds = new Set(split.validation);
  const hidden = items.filter((i) => hiddenIds.has(i.id));
  const kept = items.filter((i) => !hiddenIds.has(i.id));
  const count = (list: readonly SplitItem[], label: number): number => list.filter((i) => i.label === label).length;
  const name = (label: number): string => labelNames?.[label] ?? String(label);
  const labels = [...new Set(items.map((i) => i.label))].sort((a, b) => a - b);
  const report =
    `benchmark: the labels of ${hidden.length} of ${items.length} labelled images are hidden (${labels.map((l) => `${name(l)} ${count(hidden, l)}`).join(', ')}; seeded, near-duplicate groups whole): ` +
    `they join the unlabelled pool, and their labels only score the pseudo-labels`;
  return { kept, hidden, report };
}
