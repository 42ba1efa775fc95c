// Shared input checks. The metrics are binary-only and silently wrong answers (a label of 2, a NaN
// score, mismatched lengths) are worse than an exception, so every entry point validates up front.

/** Throws unless every label is exactly 0 or 1. */
export function checkLabels(yTrue: ArrayLike<number>, name = 'yTrue'): void {
  for (let i = 0; i < yTrue.length; i++) {
    const v = yTrue[i];
    if (v !== 0 && v !== 1) throw new RangeError(`${name}[${i}] = ${String(v)}: binary labels must be 0 or 1`);
  }
}

/** Throws unless the two arrays have the same length. */
export function checkSameLength(a: ArrayLike<number>, b: ArrayLike<number>, names: string): void {
  if (a.length !== b.length) throw new RangeError(`${names}: lengths differ (${a.length} vs ${b.length})`);
}

/** Throws on NaN or ±Infinity (sklearn's assert_all_finite). */
export function checkFinite(x: ArrayLike<number>, name: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) throw new RangeError(`${name}[${i}] = ${String(x[i])}: scores must be finite`);
  }
}

/** Throws unless every value is a probability in [0, 1]. */
export function checkProbabilities(p: ArrayLike<number>, name: string): void {
  for (let i = 0; i < p.length; i++) {
    const v = p[i] as number;
    if (!(v >= 0 && v <= 1)) throw new RangeError(`${name}[${i}] = ${String(v)}: probabilities must lie in [0, 1]`);
  }
}

/** Throws on an empty input: every metric here is a mean or a ratio over samples. */
export function checkNonEmpty(x: ArrayLike<number>, name: string): void {
  if (x.length === 0) throw new RangeError(`${name} is empty`);
}

/** Label and score checks shared by the threshold-free (ranking) metrics. */
export function checkScored(yTrue: ArrayLike<number>, scores: ArrayLike<number>): void {
  checkSameLength(yTrue, scores, 'yTrue/scores');
  checkNonEmpty(yTrue, 'yTrue');
  checkLabels(yTrue);
  checkFinite(scores, 'scores');
}
