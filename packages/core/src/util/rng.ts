// Seeded pseudo-random numbers. Every random choice in a run (splits, init, augmentation, shuffling)
// comes from one of these so that the YAML's seed fixes the whole run.

import { createHash } from 'node:crypto';

export interface Rng {
  /** The 32-bit seed this stream started from. */
  readonly seed: number;
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Fisher-Yates shuffle, in place; returns the array. */
  shuffle<T>(items: T[]): T[];
  /** An independent stream derived from this stream's seed and a label (order-independent). */
  fork(label: string): Rng;
}

/** Derive a 32-bit seed from a parent seed and a label (stable across platforms). */
export function deriveSeed(seed: number, label: string): number {
  const digest = createHash('sha256').update(`${seed >>> 0}:${label}`).digest();
  return digest.readUInt32LE(0);
}

/** mulberry32: small, fast, good enough for ML shuffling and augmentation. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  let spareNormal: number | null = null;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    seed: seed >>> 0,
    next,
    int: (n) => Math.floor(next() * n),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: () => {
      if (spareNormal !== null) {
        const v = spareNormal;
        spareNormal = null;
        return v;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spareNormal = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = items[i] as (typeof items)[number];
        items[i] = items[j] as (typeof items)[number];
        items[j] = tmp;
      }
      return items;
    },
    fork: (label) => createRng(deriveSeed(seed, label)),
  };
  return rng;
}
