// Seeded Beta(α, β) draws for mixup, from two Gamma draws (Marsaglia & Tsang 2000; α < 1 through
// Gamma(α + 1)·U^(1/α)). Only the project Rng is used, so a seed fixes every λ.

import type { Rng } from '@neuro-ssl/core';

export function sampleGamma(shape: number, rng: Rng): number {
  if (!(shape > 0)) throw new RangeError(`Gamma shape must be positive, got ${shape}`);
  if (shape < 1) {
    let u = rng.next();
    while (u === 0) u = rng.next();
    return sampleGamma(shape + 1, rng) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

export function sampleBeta(a: number, b: number, rng: Rng): number {
  const x = sampleGamma(a, rng);
  const y = sampleGamma(b, rng);
  // Both underflow to 0 only for tiny shapes: call it a fair coin rather than divide 0 by 0.
  return x + y > 0 ? x / (x + y) : rng.next() < 0.5 ? 0 : 1;
}
