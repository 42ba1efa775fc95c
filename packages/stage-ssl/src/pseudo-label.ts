// Which unlabelled images become pseudo-labels in a round, and with which label: those whose
// probability clears the round's rule, optionally balanced between the classes so the majority class
// cannot swamp the training set (confirmation bias feeds on exactly that).

import type { BalanceMode } from './ssl-config.js';
import type { RoundRule } from './threshold-schedule.js';

export interface PseudoLabelPick {
  /** Index into the pool. */
  index: number;
  label: 0 | 1;
  /** The probability of the positive class the selection used. */
  probability: number;
}

export interface Selection {
  picks: PseudoLabelPick[];
  /** The confidence max(p, 1 − p) an image needed: the threshold, or the lowest one inside the top p%. */
  cutoff: number;
  /** Per label [negative, positive]: images that cleared the rule, and those kept after balancing. */
  passed: [number, number];
  kept: [number, number];
}

export interface SelectionOptions {
  balance: BalanceMode;
  /** Share of positives among the labelled training images (`balance: prior`). */
  prior: number;
}

const confidence = (p: number): number => Math.max(p, 1 - p);

export function selectPseudoLabels(probabilities: ArrayLike<number>, rule: RoundRule, options: SelectionOptions): Selection {
  const all: PseudoLabelPick[] = Array.from(probabilities, (p, index) => ({ index, probability: p, label: p >= 0.5 ? 1 : 0 }));
  // Most confident first; ties by pool index, so the pick never depends on sort stability.
  const byConfidence = (a: PseudoLabelPick, b: PseudoLabelPick): number => confidence(b.probability) - confidence(a.probability) || a.index - b.index;
  let passing: PseudoLabelPick[];
  let cutoff: number;
  if (rule.kind === 'threshold') {
    const t = rule.value;
    passing = all.filter((c) => c.probability >= t || c.probability <= 1 - t);
    cutoff = t;
  } else {
    const k = Math.round((rule.value / 100) * all.length);
    passing = all.sort(byConfidence).slice(0, k);
    cutoff = passing.length ? confidence(passing[passing.length - 1]!.probability) : 1;
  }
  const byLabel = (label: 0 | 1): PseudoLabelPick[] => passing.filter((c) => c.label === label).sort(byConfidence);
  const neg = byLabel(0);
  const pos = byLabel(1);
  const [keepNeg, keepPos] = balancedCounts(neg.length, pos.length, options);
  const picks = [...neg.slice(0, keepNeg), ...pos.slice(0, keepPos)].sort((a, b) => a.index - b.index);
  return { picks, cutoff, passed: [neg.length, pos.length], kept: [keepNeg, keepPos] };
}

/** How many of each label to keep, [negative, positive]. */
export function balancedCounts(negatives: number, positives: number, options: SelectionOptions): [number, number] {
  if (options.balance === 'none') return [negatives, positives];
  if (options.balance === 'rarer') {
    const k = Math.min(negatives, positives);
    return [k, k];
  }
  // prior: the largest total n whose split round(n·π) / n − round(n·π) fits what passed, both classes present.
  const pi = options.prior;
  if (!(pi > 0 && pi < 1)) throw new Error(`balance: prior needs both classes among the labelled training images (positive share ${pi})`);
  for (let n = negatives + positives; n > 1; n--) {
    const p = Math.round(n * pi);
    if (p >= 1 && p <= positives && n - p >= 1 && n - p <= negatives) return [n - p, p];
  }
  return [0, 0];
}
