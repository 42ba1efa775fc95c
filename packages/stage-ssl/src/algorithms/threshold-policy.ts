// How a consistency algorithm turns the weak view's probabilities into masked pseudo-labels: FixMatch
// with one fixed threshold, FlexMatch with per-class thresholds that follow the pool's learning status.

import { ClasswiseLearningStatus } from './flexmatch-thresholds.js';
import { maskPseudoLabels, type MaskedPseudoLabels } from './pseudo-label-mask.js';

export interface ThresholdPolicy {
  /** Masks one unlabelled batch (pool indices, aligned positive-class probabilities); may learn from it. */
  mask(poolIndices: readonly number[], probabilities: ArrayLike<number>): MaskedPseudoLabels;
  /** The current thresholds [negative, positive] on the confidence max(p, 1 − p). */
  thresholds(): [number, number];
}

export function fixedThreshold(tau: number): ThresholdPolicy {
  return {
    mask: (_indices, probabilities) => maskPseudoLabels(probabilities, [tau, tau]),
    thresholds: () => [tau, tau],
  };
}

/** FlexMatch (USB's order): the batch updates the learning status first, then is masked with the new thresholds. */
export function flexibleThresholds(tau: number, poolSize: number, warmup: boolean): ThresholdPolicy {
  const status = new ClasswiseLearningStatus(poolSize);
  const current = (): [number, number] => {
    const [neg, pos] = status.thresholds(tau, warmup);
    return [neg!, pos!];
  };
  return {
    mask(indices, probabilities) {
      const first = maskPseudoLabels(probabilities, [tau, tau]);
      status.record(indices, first.labels, first.confidence, tau);
      return maskPseudoLabels(probabilities, current());
    },
    thresholds: current,
  };
}
