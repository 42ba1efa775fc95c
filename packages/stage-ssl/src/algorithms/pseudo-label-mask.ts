// The consistency step's targets: the weak view's (aligned) probability gives a hard pseudo-label,
// kept only when its confidence max(p, 1 − p) reaches the threshold of the class it predicts.

export interface MaskedPseudoLabels {
  /** 0/1 per image: argmax of the weak view's probability. */
  labels: Float32Array;
  /** 1 where the confidence reaches the predicted class's threshold, else 0. */
  mask: Float32Array;
  /** max(p, 1 − p). */
  confidence: Float32Array;
}

/** `thresholds`: [negative, positive]; p is the positive class's probability. Ties (p = 0.5) go to positive. */
export function maskPseudoLabels(probabilities: ArrayLike<number>, thresholds: readonly [number, number] | readonly number[]): MaskedPseudoLabels {
  const n = probabilities.length;
  const labels = new Float32Array(n);
  const mask = new Float32Array(n);
  const confidence = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = probabilities[i]!;
    const label = p >= 0.5 ? 1 : 0;
    const c = label === 1 ? p : 1 - p;
    labels[i] = label;
    confidence[i] = c;
    mask[i] = c >= thresholds[label]! ? 1 : 0;
  }
  return { labels, mask, confidence };
}
