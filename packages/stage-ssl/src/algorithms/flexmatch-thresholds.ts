// FlexMatch's curriculum pseudo-labelling (Zhang et al. 2021), binary form. Each pool image remembers
// the class it was last predicted confidently (above the fixed τ) or none. The learning effect of class c
// is σ(c) = the images whose last confident prediction was c; normalised by max(max_c σ(c), N − Σ σ)
// — the warm-up: while most of the pool has never been confident the unused images dominate and every
// threshold stays low — and mapped through the convex M(x) = x / (2 − x): T_c = M(β_c) · τ.

export const UNUSED = -1;

/** The convex mapping M(x) = x / (2 − x) (FlexMatch's default; M(0) = 0, M(1) = 1). */
export function convexMapping(x: number): number {
  return x / (2 - x);
}

/** Per class: β_c = σ(c) / max(max_c σ, N − Σσ) (`warmup`) or σ(c) / max_c σ (0 when nothing is confident yet). */
export function learningEffects(lastConfident: ArrayLike<number>, classes: number, warmup: boolean): number[] {
  const sigma = new Array<number>(classes).fill(0);
  let unused = 0;
  for (let i = 0; i < lastConfident.length; i++) {
    const c = lastConfident[i]!;
    if (c === UNUSED) unused++;
    else sigma[c]!++;
  }
  const top = Math.max(...sigma);
  const norm = warmup ? Math.max(top, unused) : top;
  return sigma.map((s) => (norm > 0 ? s / norm : 0));
}

/** T_c = M(β_c) · τ per class. */
export function flexThresholds(lastConfident: ArrayLike<number>, tau: number, options: { classes?: number; warmup: boolean }): number[] {
  return learningEffects(lastConfident, options.classes ?? 2, options.warmup).map((b) => convexMapping(b) * tau);
}

/** The pool's memory of confident predictions: image index → last class predicted above τ. */
export class ClasswiseLearningStatus {
  readonly lastConfident: Int32Array;

  constructor(poolSize: number) {
    this.lastConfident = new Int32Array(poolSize).fill(UNUSED);
  }

  /** After a batch: images predicted with confidence ≥ τ (the fixed one) remember their class. */
  record(indices: readonly number[], labels: ArrayLike<number>, confidences: ArrayLike<number>, tau: number): void {
    indices.forEach((index, k) => {
      if (confidences[k]! >= tau) this.lastConfident[index] = labels[k]!;
    });
  }

  thresholds(tau: number, warmup: boolean): number[] {
    return flexThresholds(this.lastConfident, tau, { warmup });
  }
}
