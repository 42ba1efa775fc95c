// Benchmark mode: when the experiment supplies the unlabelled images' true classes
// (data.unlabelled.labelsFile), how right were a round's pseudo-labels? This module only reads a
// round's picks and the truth; nothing it computes flows back into selection or training.

import type { PseudoLabelPick } from './pseudo-label.js';

export interface PseudoLabelBenchmark {
  /** Pseudo-labels whose image has a true label. */
  checked: number;
  correct: number;
  /** correct / checked; null when none could be checked. */
  accuracy: number | null;
  /** Per pseudo-label class [negative, positive]: the share that truly is that class. */
  precision: [number | null, number | null];
  /** Per pseudo-label class [negative, positive]: how many truly are that class. */
  correctByClass: [number, number];
  /** The whole pool (images with a true label) labelled at p ≥ 0.5: how good the model is there. */
  poolAccuracy: number | null;
}

/** `truth`: image id → true label; `poolIds` in pool order (the picks' indices). */
export function benchmarkRound(picks: readonly PseudoLabelPick[], poolIds: readonly string[], poolProbabilities: readonly number[], truth: ReadonlyMap<string, number>): PseudoLabelBenchmark {
  const hits = [0, 0];
  const totals = [0, 0];
  for (const p of picks) {
    const t = truth.get(poolIds[p.index]!);
    if (t === undefined) continue;
    totals[p.label]! += 1;
    if (t === p.label) hits[p.label]! += 1;
  }
  let poolChecked = 0;
  let poolCorrect = 0;
  poolIds.forEach((id, i) => {
    const t = truth.get(id);
    if (t === undefined) return;
    poolChecked++;
    if ((poolProbabilities[i]! >= 0.5 ? 1 : 0) === t) poolCorrect++;
  });
  const checked = totals[0]! + totals[1]!;
  const correct = hits[0]! + hits[1]!;
  const share = (a: number, b: number): number | null => (b > 0 ? a / b : null);
  return {
    checked,
    correct,
    accuracy: share(correct, checked),
    precision: [share(hits[0]!, totals[0]!), share(hits[1]!, totals[1]!)],
    correctByClass: [hits[0]!, hits[1]!],
    poolAccuracy: share(poolCorrect, poolChecked),
  };
}
