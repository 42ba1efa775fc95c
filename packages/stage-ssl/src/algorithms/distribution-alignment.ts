// Distribution alignment (ReMixMatch, Berthelot et al. 2020), binary form: the unlabelled predictions
// are rescaled so that their running mean matches the labelled class prior, p̃ ∝ p · prior / mean(p),
// then renormalised over the two classes. Our pool is scored mostly as tumour: without it, a fixed
// threshold would pseudo-label almost only that class and the skew would feed on itself.

/** The running mean over this many recent unlabelled batches (USB's queue length). */
export const ALIGNMENT_WINDOW = 128;

export class DistributionAlignment {
  private readonly means: number[] = [];

  /** `prior`: the labelled share of the positive class, in (0, 1). */
  constructor(
    readonly prior: number,
    private readonly window = ALIGNMENT_WINDOW,
  ) {
    if (!(prior > 0 && prior < 1)) throw new Error(`distribution alignment: the labelled prior must be in (0, 1), got ${prior}`);
  }

  /** The running mean of the positive-class probability over the recent batches (the prior before any). */
  get modelMean(): number {
    return this.means.length ? this.means.reduce((a, b) => a + b, 0) / this.means.length : this.prior;
  }

  /** Records this batch's mean prediction, then aligns the batch (USB's order: update, then align). */
  updateAndAlign(probabilities: ArrayLike<number>): Float32Array {
    if (probabilities.length > 0) {
      let sum = 0;
      for (let i = 0; i < probabilities.length; i++) sum += probabilities[i]!;
      this.means.push(sum / probabilities.length);
      if (this.means.length > this.window) this.means.shift();
    }
    return alignProbabilities(probabilities, this.prior, this.modelMean);
  }
}

/** p̃ = p·π/m over p·π/m + (1 − p)(1 − π)/(1 − m): the positive-class probability aligned to prior π. */
export function alignProbabilities(probabilities: ArrayLike<number>, prior: number, modelMean: number): Float32Array {
  const eps = 1e-6;
  const m = Math.min(1 - eps, Math.max(eps, modelMean));
  const up = prior / m;
  const down = (1 - prior) / (1 - m);
  return Float32Array.from(probabilities as ArrayLike<number>, (p) => {
    const a = p * up;
    const b = (1 - p) * down;
    return a / (a + b);
  });
}
