// Binary cross-entropy on logits with a positive-class weight, as torch's BCEWithLogitsLoss(pos_weight):
//   loss = −[w·y·log σ(x) + (1 − y)·log(1 − σ(x))], averaged over the batch (optionally weighted per
// sample). Written with softplus so large |logits| stay finite: log σ(x) = −softplus(−x).

import type { Tensor } from '@tensorflow/tfjs';
import type { Tf } from '../tf/types.js';

export interface BceOptions {
  /** Weight of the positive term (torch's pos_weight); 1 = plain BCE. */
  posWeight: number;
  /** Targets y become y·(1 − ε) + ε/2. */
  labelSmoothing?: number;
}

/** logits [n, 1] or [n]; targets [n] in [0, 1] (soft targets allowed); sampleWeights [n] optional. */
export function bceWithLogits(tf: Tf, logits: Tensor, targets: Tensor, options: BceOptions, sampleWeights?: Tensor): Tensor {
  return tf.tidy(() => {
    const x = logits.reshape([-1]);
    let y = targets.reshape([-1]).toFloat();
    const eps = options.labelSmoothing ?? 0;
    if (eps > 0) y = y.mul(1 - eps).add(eps / 2);
    const logSig = tf.softplus(x.neg()).neg();
    const logOneMinusSig = tf.softplus(x).neg();
    const perSample = y.mul(logSig).mul(options.posWeight).add(tf.scalar(1).sub(y).mul(logOneMinusSig)).neg();
    if (!sampleWeights) return perSample.mean();
    const w = sampleWeights.reshape([-1]).toFloat();
    return perSample.mul(w).sum().div(w.sum().maximum(1e-12));
  });
}

/** The same loss in plain numbers (for reporting validation loss without a graph). */
export function bceWithLogitsValue(logits: ArrayLike<number>, targets: ArrayLike<number>, options: BceOptions): number {
  const softplus = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
  const eps = options.labelSmoothing ?? 0;
  let total = 0;
  for (let i = 0; i < logits.length; i++) {
    const x = logits[i] as number;
    const y = (targets[i] as number) * (1 - eps) + eps / 2;
    total += options.posWeight * y * softplus(-x) + (1 - y) * softplus(x);
  }
  return logits.length ? total / logits.length : Number.NaN;
}
