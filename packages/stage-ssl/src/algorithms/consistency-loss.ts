// FixMatch's per-step loss, binary form: the supervised BCE (pos_weight) of the labelled rows, plus λu
// times the masked BCE of the strong views against the weak views' hard pseudo-labels, averaged over
// every unlabelled row (masked rows count as 0, as in FixMatch: the unlabelled term grows with the
// share of the pool that is confident). The pseudo-labels come in with the batch, computed with the
// current weights before the step (consistency-batches.ts): no gradient flows through them.

import { bceWithLogits, type BatchLoss, type TrainBatch } from '@neuro-ssl/core/learn';

type Scalar = ReturnType<BatchLoss>;

/** Rows 0..labelledRows−1: labelled weak views (targets = labels); the rest: strong views (targets = pseudo-labels). */
export interface ConsistencyBatch extends TrainBatch {
  labelledRows: number;
  /** Per unlabelled row: 1 when its pseudo-label passed the threshold. */
  mask: Float32Array;
  /** Pool indices of the unlabelled rows (diagnostics). */
  poolIndices: number[];
}

export interface ConsistencyLossOptions {
  posWeight: number;
  /** λu. */
  unlabelledWeight: number;
}

export function consistencyLoss(o: ConsistencyLossOptions): BatchLoss<ConsistencyBatch> {
  return ({ tf, batch, forward }) => {
    const logits = forward(batch.data, batch.shape).reshape([-1]);
    const rows = batch.targets.length;
    const l = batch.labelledRows;
    const u = rows - l;
    const supervised = bceWithLogits(tf, logits.slice(0, l), tf.tensor1d(batch.targets.subarray(0, l)), { posWeight: o.posWeight }) as Scalar;
    let masked = 0;
    for (let i = 0; i < batch.mask.length; i++) masked += batch.mask[i]!;
    if (u === 0 || masked === 0 || o.unlabelledWeight === 0) return supervised;
    // bceWithLogits with weights is Σ w·ℓ / Σ w; × Σ w / u gives FixMatch's Σ mask·ℓ / u.
    const unsupervised = bceWithLogits(tf, logits.slice(l, u), tf.tensor1d(batch.targets.subarray(l)), { posWeight: 1 }, tf.tensor1d(batch.mask));
    return supervised.add(unsupervised.mul((o.unlabelledWeight * masked) / u)) as Scalar;
  };
}
