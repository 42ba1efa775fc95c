// A two-class problem in feature space where the answer is known. The class is one latent coordinate,
// two clusters at ±1.5 (sd 0.5) with a low-density gap between them: the cluster assumption holds.
// Every image also has its own nuisance coordinates (sd 2, the same for both classes). A weak view adds
// small noise; a strong view also redraws each nuisance coordinate with probability 0.5 — the
// augmentation changes what does not decide the class. Ten labelled points in this many dimensions are
// separable along nuisance directions, so a supervised head learns some of them; consistency between
// weak and strong views is what makes the head ignore them.

import { createRng, type Rng } from '@neuro-ssl/core';
import type { FeatureViews } from '@neuro-ssl/core/learn';

export const LATENT_DIM = 24;
const CENTRE = 1.5;
const SPREAD = 0.5;
const NUISANCE = 2;
const WEAK_NOISE = 0.1;

export interface LatentSet {
  labels: number[];
  /** Row-major [n × LATENT_DIM]. */
  latent: Float32Array;
}

export function latentSet(n: number, rng: Rng, balanced = false): LatentSet {
  const labels: number[] = [];
  const latent = new Float32Array(n * LATENT_DIM);
  for (let i = 0; i < n; i++) {
    const y = balanced ? i % 2 : rng.next() < 0.5 ? 1 : 0;
    labels.push(y);
    latent[i * LATENT_DIM] = (y ? CENTRE : -CENTRE) + SPREAD * rng.normal();
    for (let d = 1; d < LATENT_DIM; d++) latent[i * LATENT_DIM + d] = NUISANCE * rng.normal();
  }
  return { labels, latent };
}

export function views(set: LatentSet, count: number, level: 'weak' | 'strong', rng: Rng): FeatureViews {
  const n = set.labels.length;
  const out: Float32Array[] = [];
  for (let v = 0; v < count; v++) {
    const r = rng.fork(`${level}-${v}`);
    const view = new Float32Array(n * LATENT_DIM);
    for (let i = 0; i < n * LATENT_DIM; i++) {
      const nuisance = i % LATENT_DIM !== 0;
      const redraw = level === 'strong' && nuisance && r.next() < 0.5;
      view[i] = redraw ? NUISANCE * r.normal() : set.latent[i]! + WEAK_NOISE * r.normal();
    }
    out.push(view);
  }
  return { dim: LATENT_DIM, views: out };
}

/** Clean features (the latent points themselves), as a probe scores images. */
export function clean(set: LatentSet): Float32Array {
  return set.latent;
}

export function synthetic(seed: number): { labelled: LatentSet; validation: LatentSet; pool: LatentSet; test: LatentSet } {
  const rng = createRng(seed);
  return {
    labelled: latentSet(10, rng.fork('labelled'), true),
    validation: latentSet(40, rng.fork('validation'), true),
    pool: latentSet(1000, rng.fork('pool')),
    test: latentSet(2000, rng.fork('test')),
  };
}
