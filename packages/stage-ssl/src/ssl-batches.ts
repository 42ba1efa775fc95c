// The batches of a self-training round, when plain shuffling is not enough: a minimum number of
// labelled images in every batch (the labelled signal is never drowned by pseudo-labels), and mixup
// between labelled and pseudo-labelled rows. Both plug into core's training sources as a BatchPlan,
// so they work on image batches and on cached probe features alike.

import type { Rng } from '@neuro-ssl/core';
import type { BatchPlan, TrainBatch } from '@neuro-ssl/core/learn';
import { sampleBeta } from './beta-sample.js';

export interface SslBatchOptions {
  /** Items 0..labelled-1 are labelled, the next `pseudo` are pseudo-labelled. */
  labelled: number;
  pseudo: number;
  batchSize: number;
  minLabelledPerBatch: number;
  /** Mixup's α; null: no mixup. */
  mixupAlpha: number | null;
}

/** Undefined when neither switch is on: the trainer's own shuffle is then used, exactly as in the train stage. */
export function sslBatchPlan(options: SslBatchOptions): BatchPlan | undefined {
  const quota = options.minLabelledPerBatch > 0;
  const alpha = options.mixupAlpha;
  if (!quota && alpha === null) return undefined;
  return {
    batches: (_epoch, rng) => (quota ? labelledQuotaBatches(options, rng) : shuffledBatches(options.labelled + options.pseudo, options.batchSize, rng)),
    ...(alpha !== null ? { transform: (batch: TrainBatch, indices: readonly number[], rng: Rng) => mixup(batch, indices.map((i) => i < options.labelled), alpha, rng) } : {}),
  };
}

/** A seeded shuffle cut into batches; a last batch of one is dropped, as core's sources do (BatchNorm cannot train on one row). */
function shuffledBatches(n: number, batchSize: number, rng: Rng): number[][] {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  const batches: number[][] = [];
  for (let i = 0; i < n; i += batchSize) batches.push(order.slice(i, i + batchSize));
  if (batches.length > 1 && batches[batches.length - 1]!.length === 1) batches.pop();
  return batches;
}

/**
 * Every pseudo-label once per epoch, spread over batches of exactly `batchSize` rows that each hold at
 * least `minLabelledPerBatch` labelled ones: labelled rows fill the rest, drawn from a shuffled stream
 * that reshuffles when it runs out (so small labelled sets are oversampled, never skipped).
 */
export function labelledQuotaBatches(options: SslBatchOptions, rng: Rng): number[][] {
  const { labelled, pseudo, batchSize, minLabelledPerBatch: min } = options;
  if (min >= batchSize) throw new Error(`minLabelledPerBatch (${min}) must be smaller than the batch size (${batchSize})`);
  if (labelled === 0) throw new Error('minLabelledPerBatch: there are no labelled training images');
  const count = Math.max(1, Math.ceil((labelled + pseudo) / batchSize), Math.ceil(pseudo / (batchSize - min)));
  const pseudoOrder = rng.fork('pseudo').shuffle(Array.from({ length: pseudo }, (_, i) => labelled + i));
  const stream = labelledStream(labelled, rng.fork('labelled'));
  const batches: number[][] = [];
  let p = 0;
  for (let b = 0; b < count; b++) {
    // Pseudo-labels split as evenly as possible: batch b gets floor((b+1)·P/count) − floor(b·P/count).
    const take = Math.floor(((b + 1) * pseudo) / count) - Math.floor((b * pseudo) / count);
    const rows = pseudoOrder.slice(p, p + take);
    p += take;
    while (rows.length < batchSize) rows.push(stream());
    batches.push(rng.shuffle(rows));
  }
  return batches;
}

function labelledStream(n: number, rng: Rng): () => number {
  let order: number[] = [];
  let cycle = 0;
  return () => {
    if (order.length === 0) order = rng.fork(`cycle-${cycle++}`).shuffle(Array.from({ length: n }, (_, i) => i)).reverse();
    return order.pop()!;
  };
}

/**
 * Mixup across the two groups: each row is mixed with a random row of the other group in the same
 * batch (rows are left as they are when the batch holds no row of the other group). λ ~ Beta(α, α),
 * folded to max(λ, 1 − λ) as in MixMatch so a row stays closest to its own image and label.
 */
export function mixup(batch: TrainBatch, labelled: readonly boolean[], alpha: number, rng: Rng): TrainBatch {
  const n = batch.targets.length;
  const width = batch.data.length / n;
  const groups = [labelled.flatMap((l, i) => (l ? [] : [i])), labelled.flatMap((l, i) => (l ? [i] : []))];
  const data = new Float32Array(batch.data.length);
  const targets = new Float32Array(n);
  const weights = new Float32Array(n);
  const weightOf = (i: number): number => batch.weights?.[i] ?? 1;
  for (let i = 0; i < n; i++) {
    const others = groups[labelled[i] ? 0 : 1]!;
    const lambda = sampleBeta(alpha, alpha, rng);
    const partner = others.length ? others[rng.int(others.length)]! : i;
    const l = others.length ? Math.max(lambda, 1 - lambda) : 1;
    for (let k = 0; k < width; k++) data[i * width + k] = l * batch.data[i * width + k]! + (1 - l) * batch.data[partner * width + k]!;
    targets[i] = l * batch.targets[i]! + (1 - l) * batch.targets[partner]!;
    weights[i] = l * weightOf(i) + (1 - l) * weightOf(partner);
  }
  return { data, shape: batch.shape, targets, ...(batch.weights ? { weights } : {}) };
}
