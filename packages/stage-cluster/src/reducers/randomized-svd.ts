// Truncated SVD by randomized range finding (Halko, Martinsson & Tropp 2011, algorithm 4.4), as
// scikit-learn's `randomized_svd`: Ω ~ N(0, 1) of p × (k + oversamples), Y = A Ω, `iterations`
// power steps Q ← qr(A qr(Aᵀ Q)), then B = Qᵀ A (l × p) is decomposed exactly. Here the small SVD
// comes from the eigendecomposition of B Bᵀ (l × l, symmetric-eigen.ts), and QR normalisation is
// used at every power step (sklearn defaults to LU; both span the same subspace in exact arithmetic).
//
// Layout: the tall m × l factors (Y, Q) and the p × l factor (Aᵀ Q) are kept as l contiguous
// vectors ("column-major"), and A is held both row-major and transposed, so every product is a set
// of contiguous Float64 dot products, computed in 4 × 2 register blocks (see `mulRowsByRows`).

import type { Rng } from '@neuro-ssl/core';
import { symmetricEigen } from './symmetric-eigen.js';

export interface RandomizedSvdOptions {
  /** Number of singular triplets wanted (1 ≤ k ≤ min(m, p)). */
  k: number;
  /** Extra random vectors (sklearn: n_oversamples = 10). */
  oversamples?: number;
  /** Power iterations (sklearn's 'auto': 7 when k < 0.1·min(m, p), else 4). */
  iterations?: number | 'auto';
  /** Source of the normal draws for Ω. */
  rng: Rng;
  /** Order of the power-iteration products (see `tallSvd`); 'auto': the one with fewer multiply-adds. */
  route?: 'auto' | 'direct' | 'gram';
}

export interface TruncatedSvd {
  k: number;
  /** Singular values, descending, length k. */
  s: Float64Array;
  /** m × k left singular vectors, row-major. */
  u: Float64Array;
  /** k × p right singular vectors, row-major. */
  vt: Float64Array;
}

/** sklearn's `randomized_svd(n_iter='auto')` rule. */
export function autoPowerIterations(k: number, m: number, p: number): number {
  return k < 0.1 * Math.min(m, p) ? 7 : 4;
}

/**
 * out[c·ra + i] = a_i · b_c for the `ra` rows of `a` and the `rb` rows of `b` (both row-major, rows
 * of length `len`): the ra × rb product A Bᵀ stored column-major. Rows of `a` are taken four at a
 * time against pairs of rows of `b`, so eight accumulators share six loads per step; `a` is streamed
 * once while `b` (small: l rows) stays in cache.
 */
export function mulRowsByRows(
  a: Float64Array,
  ra: number,
  b: Float64Array,
  rb: number,
  len: number,
  out: Float64Array = new Float64Array(ra * rb),
  upperOnly = false,
): Float64Array {
  const ra4 = ra - (ra % 4);
  const rb2 = rb - (rb % 2);
  for (let i = 0; i < ra4; i += 4) {
    const o0 = i * len;
    const o1 = o0 + len;
    const o2 = o1 + len;
    const o3 = o2 + len;
    const cFrom = upperOnly ? Math.min(i, rb2) : 0;
    for (let c = cFrom; c < rb2; c += 2) {
      const q0 = c * len;
      const q1 = q0 + len;
      let s00 = 0;
      let s01 = 0;
      let s10 = 0;
      let s11 = 0;
      let s20 = 0;
      let s21 = 0;
      let s30 = 0;
      let s31 = 0;
      for (let t = 0; t < len; t++) {
        const b0 = b[q0 + t]!;
        const b1 = b[q1 + t]!;
        const a0 = a[o0 + t]!;
        const a1 = a[o1 + t]!;
        const a2 = a[o2 + t]!;
        const a3 = a[o3 + t]!;
        s00 += a0 * b0;
        s01 += a0 * b1;
        s10 += a1 * b0;
        s11 += a1 * b1;
        s20 += a2 * b0;
        s21 += a2 * b1;
        s30 += a3 * b0;
        s31 += a3 * b1;
      }
      const c0 = c * ra + i;
      const c1 = c0 + ra;
      out[c0] = s00;
      out[c0 + 1] = s10;
      out[c0 + 2] = s20;
      out[c0 + 3] = s30;
      out[c1] = s01;
      out[c1 + 1] = s11;
      out[c1 + 2] = s21;
      out[c1 + 3] = s31;
    }
    for (let c = rb2; c < rb; c++) {
      const q0 = c * len;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let t = 0; t < len; t++) {
        const bv = b[q0 + t]!;
        s0 += a[o0 + t]! * bv;
        s1 += a[o1 + t]! * bv;
        s2 += a[o2 + t]! * bv;
        s3 += a[o3 + t]! * bv;
      }
      const c0 = c * ra + i;
      out[c0] = s0;
      out[c0 + 1] = s1;
      out[c0 + 2] = s2;
      out[c0 + 3] = s3;
    }
  }
  for (let i = ra4; i < ra; i++) {
    const o0 = i * len;
    for (let c = upperOnly ? i : 0; c < rb; c++) {
      const q0 = c * len;
      let s = 0;
      for (let t = 0; t < len; t++) s += a[o0 + t]! * b[q0 + t]!;
      out[c * ra + i] = s;
    }
  }
  return out;
}

/**
 * G = A Aᵀ (r × r, symmetric) for the `r` rows of length `len` of `a`: the blocks on or above the
 * diagonal through `mulRowsByRows`, then mirrored.
 */
export function gramOfRows(a: Float64Array, r: number, len: number): Float64Array {
  const g = mulRowsByRows(a, r, a, r, len, new Float64Array(r * r), true);
  // g[c·r + i] = a_i · a_c was computed for every c ≥ i.
  for (let c = 0; c < r; c++) for (let i = c + 1; i < r; i++) g[c * r + i] = g[i * r + c]!;
  return g;
}

/**
 * Orthonormalise, in place, the `l` contiguous vectors of length `m` in `q` (modified Gram-Schmidt;
 * with `passes` = 2 — "twice is enough" — the basis stays orthonormal to working precision even when
 * the columns are badly conditioned; one pass suffices inside the power iterations, where only the
 * span matters). A vector that is (numerically) in the span of the previous
 * ones becomes zero: it then contributes a zero singular value, as a rank-deficient QR would.
 */
export function orthonormalizeColumns(q: Float64Array, m: number, l: number, passes = 2): void {
  const original = new Float64Array(l);
  for (let c = 0; c < l; c++) {
    const oc = c * m;
    let nn = 0;
    for (let i = 0; i < m; i++) nn += q[oc + i]! * q[oc + i]!;
    original[c] = Math.sqrt(nn);
  }
  for (let c = 0; c < l; c++) {
    const oc = c * m;
    for (let pass = 0; pass < passes; pass++) {
      for (let r = 0; r < c; r++) {
        const or = r * m;
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[or + i]! * q[oc + i]!;
        if (dot === 0) continue;
        for (let i = 0; i < m; i++) q[oc + i] = q[oc + i]! - dot * q[or + i]!;
      }
    }
    let nn = 0;
    for (let i = 0; i < m; i++) nn += q[oc + i]! * q[oc + i]!;
    const norm = Math.sqrt(nn);
    if (!(norm > 1e-12 * original[c]!) || norm === 0) {
      q.fill(0, oc, oc + m);
      continue;
    }
    const inv = 1 / norm;
    for (let i = 0; i < m; i++) q[oc + i] = q[oc + i]! * inv;
  }
}

/** Row-major r × c → row-major c × r. */
export function transpose(a: Float64Array, r: number, c: number): Float64Array {
  const t = new Float64Array(r * c);
  const B = 32;
  for (let i0 = 0; i0 < r; i0 += B) {
    const i1 = Math.min(r, i0 + B);
    for (let j0 = 0; j0 < c; j0 += B) {
      const j1 = Math.min(c, j0 + B);
      for (let i = i0; i < i1; i++) {
        const oi = i * c;
        for (let j = j0; j < j1; j++) t[j * r + i] = a[oi + j]!;
      }
    }
  }
  return t;
}

/**
 * Rank-k truncated SVD of the m × p row-major matrix `a` (not modified). As sklearn, a wide matrix
 * (m < p) is handled through its transpose. Signs are left as they come: the caller flips them.
 */
export function randomizedSvd(a: Float64Array, m: number, p: number, options: RandomizedSvdOptions): TruncatedSvd {
  if (a.length !== m * p) throw new Error(`randomizedSvd: expected ${m}×${p} values, got ${a.length}`);
  const { k, rng } = options;
  const small = Math.min(m, p);
  if (!Number.isInteger(k) || k < 1 || k > small) throw new Error(`randomizedSvd: k=${k} must be an integer in [1, ${small}]`);
  const iterations = options.iterations === undefined || options.iterations === 'auto' ? autoPowerIterations(k, m, p) : options.iterations;
  const oversamples = options.oversamples ?? 10;
  if (m < p) {
    // A = U S Vᵀ ⇔ Aᵀ = V S Uᵀ.
    const at = transpose(a, m, p);
    const r = tallSvd(at, a, p, m, k, oversamples, iterations, rng, options.route ?? 'auto');
    return { k, s: r.s, u: transpose(r.vt, k, m), vt: transpose(r.u, p, k) };
  }
  return tallSvd(a, transpose(a, m, p), m, p, k, oversamples, iterations, rng, options.route ?? 'auto');
}

/** m ≥ p; `a` row-major m × p and `at` its transpose (row-major p × m). */
function tallSvd(
  a: Float64Array,
  at: Float64Array,
  m: number,
  p: number,
  k: number,
  oversamples: number,
  iterations: number,
  rng: Rng,
  route: 'auto' | 'direct' | 'gram',
): TruncatedSvd {
  const l = Math.min(k + oversamples, p);
  // Ω (p × l), stored as l vectors of length p; drawn row by row as sklearn's normal(size=(p, l)).
  const omega = new Float64Array(l * p);
  for (let j = 0; j < p; j++) for (let c = 0; c < l; c++) omega[c * p + j] = rng.normal();

  // sklearn's range finder: Q = qr(A (AᵀA)^q Ω), normalising after every product. Two equivalent
  // orders (same span in exact arithmetic), whichever costs fewer multiply-adds:
  //  - alternate A and Aᵀ on the tall side: (2q + 2)·m·p·l, plus 2q + 1 QRs of m × l (or p × l);
  //  - form C = AᵀA once (m·p²/2) and iterate W ← qr(C W) on p × l: q·p²·l, then Q = qr(A W).
  // C's rounding (ε·σ₁²) only touches directions with σ²/σ₁² ≲ 1e-13, far below what PCA keeps.
  const direct = (2 * iterations + 2) * m * p * l + iterations * (m + p) * l * l;
  const viaGram = (m * p * p) / 2 + iterations * (p * p * l + p * l * l) + 2 * m * p * l;
  let q: Float64Array;
  if (iterations > 0 && (route === 'gram' || (route === 'auto' && viaGram < direct))) {
    const c = gramOfRows(at, p, m);
    let w = omega;
    let next = new Float64Array(l * p);
    for (let it = 0; it < iterations; it++) {
      mulRowsByRows(c, p, w, l, p, next); // C W
      orthonormalizeColumns(next, p, l, 1);
      [w, next] = [next, w];
    }
    q = mulRowsByRows(a, m, w, l, p); // A W
  } else {
    q = mulRowsByRows(a, m, omega, l, p); // Y = A Ω: l vectors of length m
    const z = new Float64Array(l * p);
    for (let it = 0; it < iterations; it++) {
      orthonormalizeColumns(q, m, l, 1);
      mulRowsByRows(at, p, q, l, m, z); // Aᵀ Q: l vectors of length p
      orthonormalizeColumns(z, p, l, 1);
      mulRowsByRows(a, m, z, l, p, q); // A Z
    }
  }
  orthonormalizeColumns(q, m, l);
  // B = Qᵀ A (l × p, row-major): B[c, j] = q_c · (column j of A).
  const b = mulRowsByRows(at, p, q, l, m);

  // B Bᵀ = W Λ Wᵀ  ⇒  B = W S Vᵀ with S = √Λ, Vᵀ = S⁻¹ Wᵀ B; A ≈ (Q W) S Vᵀ.
  const g = new Float64Array(l * l);
  mulRowsByRows(b, l, b, l, p, g);
  for (let r = 0; r < l; r++)
    for (let c = r + 1; c < l; c++) {
      const v = 0.5 * (g[r * l + c]! + g[c * l + r]!);
      g[r * l + c] = v;
      g[c * l + r] = v;
    }
  const eig = symmetricEigen(g, l);
  const s = new Float64Array(k);
  const u = new Float64Array(m * k);
  const vt = new Float64Array(k * p);
  for (let c = 0; c < k; c++) {
    const sc = Math.sqrt(Math.max(eig.values[c]!, 0));
    s[c] = sc;
    const w = eig.vectors.subarray(c * l, c * l + l);
    // u_c = Q w_c
    for (let r = 0; r < l; r++) {
      const wr = w[r]!;
      if (wr === 0) continue;
      const or = r * m;
      for (let i = 0; i < m; i++) u[i * k + c] = u[i * k + c]! + wr * q[or + i]!;
    }
    if (sc === 0) continue;
    const vo = c * p;
    for (let r = 0; r < l; r++) {
      const wr = w[r]! / sc;
      if (wr === 0) continue;
      const br = r * p;
      for (let j = 0; j < p; j++) vt[vo + j] = vt[vo + j]! + wr * b[br + j]!;
    }
  }
  return { k, s, u, vt };
}
