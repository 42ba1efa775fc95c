// Barnes-Hut t-SNE pieces, after scikit-learn 1.2's TSNE(method='barnes_hut') (the default):
//  - sparse P from the k = min(n − 1, floor(3·perplexity + 1)) nearest neighbours (exact kNN on
//    squared euclidean distances, float32 like sklearn), the perplexity binary search on those
//    neighbours only, then P = (P + Pᵀ) / max(ΣP, eps) (sklearn's csr + csr.T, no flooring);
//  - gradient 4 (e·Σ_j p_ij w_ij (y_i − y_j) − Σ_j w_ij² (y_i − y_j) / Z) with the attractive sum
//    over the sparse P and the repulsive sum and Z = Σ_{i≠j} w_ij from a quadtree of the embedding,
//    a cell being summarised by its centre of mass when max_width² / dist² < angle²
//    (sklearn's _barnes_hut_tsne.gradient; float64 here where sklearn uses float32);
//  - KL as sklearn's compute_gradient_positive: Σ_{ij ∈ P} p log(max(p, tiny) / max(w / Z, tiny)).
// The optimiser (early exaggeration, momentum, gains) is the exact path's, in tsne.ts.
//
// Cost: O(n² d) once for the kNN, then O(n k + n log n) per iteration.

import type { Matrix } from '../matrix.js';
import { buildQuadtree, type Quadtree } from './quadtree.js';

const MACHINE_EPSILON = 2 ** -52;
const FLOAT32_TINY = 1.1754943508222875e-38;
const PERPLEXITY_TOLERANCE = 1e-5;
const BINARY_SEARCH_STEPS = 100;

/** Symmetric sparse P in CSR form (both (i, j) and (j, i) stored; columns ascending within a row). */
export interface SparseP {
  n: number;
  rowPtr: Int32Array;
  col: Int32Array;
  val: Float64Array;
}

/**
 * sklearn's _utils._binary_search_perplexity for one row: fills cond[0..len) with the conditional
 * distribution exp(−β d_j) / Σ whose entropy matches log(perplexity); `self` (or −1) is left at 0.
 * Returns Σ_j cond[j].
 */
export function conditionalRow(dist: Float32Array, len: number, self: number, desiredEntropy: number, cond: Float64Array): number {
  let betaMin = -Infinity;
  let betaMax = Infinity;
  let beta = 1;
  for (let step = 0; step < BINARY_SEARCH_STEPS; step++) {
    let sumP = 0;
    for (let j = 0; j < len; j++) {
      if (j === self) {
        cond[j] = 0;
        continue;
      }
      const v = Math.exp(-dist[j]! * beta);
      cond[j] = v;
      sumP += v;
    }
    if (sumP === 0) sumP = 1e-8;
    let sumDistP = 0;
    for (let j = 0; j < len; j++) {
      const v = cond[j]! / sumP;
      cond[j] = v;
      sumDistP += dist[j]! * v;
    }
    const entropyDiff = Math.log(sumP) + beta * sumDistP - desiredEntropy;
    if (Math.abs(entropyDiff) <= PERPLEXITY_TOLERANCE) break;
    if (entropyDiff > 0) {
      betaMin = beta;
      beta = betaMax === Infinity ? beta * 2 : (beta + betaMax) / 2;
    } else {
      betaMax = beta;
      beta = betaMin === -Infinity ? beta / 2 : (beta + betaMin) / 2;
    }
  }
  let s = 0;
  for (let j = 0; j < len; j++) s += cond[j]!;
  return s;
}

/** Number of neighbours sklearn's Barnes-Hut path uses. */
export function neighbourCount(n: number, perplexity: number): number {
  return Math.min(n - 1, Math.floor(3 * perplexity + 1));
}

/** Exact k nearest neighbours (self excluded) by squared euclidean distance, ties by index; n × k indices and float32 distances. */
export function nearestNeighbours(x: Matrix, k: number): { indices: Int32Array; distances: Float32Array } {
  const { rows: n, cols: d, data } = x;
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const row = new Float64Array(n);
  const nd = new Float64Array(k);
  const ni = new Int32Array(k);
  const xs = Float64Array.from(data);
  for (let i = 0; i < n; i++) {
    const oi = i * d;
    for (let j = 0; j < n; j++) {
      const oj = j * d;
      let s = 0;
      for (let t = 0; t < d; t++) {
        const diff = xs[oi + t]! - xs[oj + t]!;
        s += diff * diff;
      }
      row[j] = s;
    }
    let filled = 0;
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const v = row[j]!;
      if (filled === k && v >= nd[k - 1]!) continue;
      let pos = filled < k ? filled++ : k - 1;
      while (pos > 0 && nd[pos - 1]! > v) {
        nd[pos] = nd[pos - 1]!;
        ni[pos] = ni[pos - 1]!;
        pos--;
      }
      nd[pos] = v;
      ni[pos] = j;
    }
    for (let q = 0; q < k; q++) {
      indices[i * k + q] = ni[q]!;
      distances[i * k + q] = nd[q]!;
    }
  }
  return { indices, distances };
}

/** Sparse symmetric joint probabilities from the k nearest neighbours (sklearn's _joint_probabilities_nn). */
export function sparseJointProbabilities(x: Matrix, perplexity: number): SparseP {
  const n = x.rows;
  const k = neighbourCount(n, perplexity);
  const { indices, distances } = nearestNeighbours(x, k);
  const cond = new Float64Array(n * k);
  const rowCond = new Float64Array(k);
  const rowDist = new Float32Array(k);
  const desiredEntropy = Math.log(perplexity);
  let total = 0;
  for (let i = 0; i < n; i++) {
    rowDist.set(distances.subarray(i * k, (i + 1) * k));
    total += conditionalRow(rowDist, k, -1, desiredEntropy, rowCond);
    cond.set(rowCond, i * k);
  }
  // P + Pᵀ: row i gathers its own neighbours and the points that have i as a neighbour.
  const inCount = new Int32Array(n + 1);
  for (let t = 0; t < n * k; t++) inCount[indices[t]! + 1]!++;
  for (let i = 0; i < n; i++) inCount[i + 1] = inCount[i + 1]! + inCount[i]!;
  const inFrom = new Int32Array(n * k);
  const inVal = new Float64Array(n * k);
  const fill = inCount.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let q = 0; q < k; q++) {
      const j = indices[i * k + q]!;
      const slot = fill[j]!++;
      inFrom[slot] = i;
      inVal[slot] = cond[i * k + q]!;
    }
  }
  const acc = new Float64Array(n);
  const seen = new Uint8Array(n);
  const cols: number[] = [];
  const rowPtr = new Int32Array(n + 1);
  const colOut: number[] = [];
  const valOut: number[] = [];
  const norm = Math.max(2 * total, MACHINE_EPSILON);
  for (let i = 0; i < n; i++) {
    cols.length = 0;
    const add = (j: number, v: number): void => {
      if (!seen[j]) {
        seen[j] = 1;
        acc[j] = 0;
        cols.push(j);
      }
      acc[j] = acc[j]! + v;
    };
    for (let q = 0; q < k; q++) add(indices[i * k + q]!, cond[i * k + q]!);
    for (let s = inCount[i]!; s < inCount[i + 1]!; s++) add(inFrom[s]!, inVal[s]!);
    cols.sort((a, b) => a - b);
    for (const j of cols) {
      colOut.push(j);
      valOut.push(acc[j]! / norm);
      seen[j] = 0;
    }
    rowPtr[i + 1] = colOut.length;
  }
  return { n, rowPtr, col: Int32Array.from(colOut), val: Float64Array.from(valOut) };
}

/**
 * Barnes-Hut gradient: fills grad (n × 2) and returns Z (the quadtree's estimate of Σ_{i≠j} w_ij)
 * and, when computeError, the KL divergence (else NaN). `tree` may be passed to reuse one built on y.
 */
export function barnesHutGradient(
  P: SparseP,
  y: Float64Array,
  exaggeration: number,
  angle: number,
  grad: Float64Array,
  computeError: boolean,
  tree: Quadtree = buildQuadtree(y, P.n),
): { z: number; kl: number } {
  const n = P.n;
  const theta2 = angle * angle;
  const { count, comX, comY, squaredWidth, children, head, next, size } = tree;
  // Cells renumbered in depth-first order and packed [comX, comY, count, width²] for locality, with
  // width² = −1 for a single-point leaf (always summarised: exact) and +∞ for a multi-point leaf
  // (never summarised: its points are visited one by one, skipping the query). Queries run in the
  // depth-first order of their leaves, so consecutive traversals follow similar paths. A query in a
  // single-point leaf meets itself at distance 0 (w = 1, no force), taken back from Z afterwards.
  const node = new Float64Array(4 * size);
  const kind = new Int32Array(size);
  const kids = new Int32Array(4 * size).fill(-1);
  const leafHead = new Int32Array(size).fill(-1);
  const order = new Int32Array(n);
  const cellOf = new Int32Array(n);
  const stack = new Int32Array(4 * 64 + 8);
  const parentSlot = new Int32Array(4 * 64 + 8);
  let filled = 0;
  let nextId = 0;
  let sp = 0;
  stack[sp] = 0;
  parentSlot[sp++] = -1;
  while (sp > 0) {
    const c = stack[--sp]!;
    const slot = parentSlot[sp]!;
    const id = nextId++;
    if (slot >= 0) kids[slot] = id;
    node[4 * id] = comX[c]!;
    node[4 * id + 1] = comY[c]!;
    node[4 * id + 2] = count[c]!;
    node[4 * id + 3] = squaredWidth[c]!;
    const o = 4 * c;
    const leaf = children[o] === -1 && children[o + 1] === -1 && children[o + 2] === -1 && children[o + 3] === -1;
    kind[id] = !leaf ? 0 : count[c] === 0 ? -3 : count[c] === 1 ? -1 : -2;
    if (kind[id] === -1) node[4 * id + 3] = -1;
    else if (kind[id] !== 0) node[4 * id + 3] = Infinity;
    if (leaf) {
      leafHead[id] = head[c]!;
      for (let p = head[c]!; p !== -1; p = next[p]!) {
        order[filled++] = p;
        cellOf[p] = id;
      }
      continue;
    }
    for (let q = 3; q >= 0; q--) {
      const ch = children[o + q]!;
      if (ch === -1) continue;
      stack[sp] = ch;
      parentSlot[sp++] = 4 * id + q;
    }
  }
  let z = 0;
  // Repulsive part (unnormalised), kept in grad for now.
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi]!;
    const yi0 = y[2 * i]!;
    const yi1 = y[2 * i + 1]!;
    let r0 = 0;
    let r1 = 0;
    let zi = 0;
    sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
      const c = stack[--sp]!;
      const c4 = 4 * c;
      const dx = yi0 - node[c4]!;
      const dy = yi1 - node[c4 + 1]!;
      const d2 = dx * dx + dy * dy;
      if (node[c4 + 3]! < theta2 * d2) {
        const cnt = node[c4 + 2]!;
        const w = 1 / (1 + d2);
        zi += cnt * w;
        const mult = cnt * w * w;
        r0 += mult * dx;
        r1 += mult * dy;
        continue;
      }
      const k = kind[c]!;
      if (k === 0) {
        for (let q = 3; q >= 0; q--) {
          const ch = kids[c4 + q]!;
          if (ch !== -1) stack[sp++] = ch;
        }
        continue;
      }
      if (k === -2) {
        for (let p = leafHead[c]!; p !== -1; p = next[p]!) {
          if (p === i) continue;
          const dx = yi0 - y[2 * p]!;
          const dy = yi1 - y[2 * p + 1]!;
          const w = 1 / (1 + dx * dx + dy * dy);
          zi += w;
          const ww = w * w;
          r0 += ww * dx;
          r1 += ww * dy;
        }
      }
    }
    if (kind[cellOf[i]!] === -1) zi -= 1;
    z += zi;
    grad[2 * i] = r0;
    grad[2 * i + 1] = r1;
  }
  const { rowPtr, col, val } = P;
  const rScale = 4 / z;
  const aScale = 4 * exaggeration;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const yi0 = y[2 * i]!;
    const yi1 = y[2 * i + 1]!;
    let a0 = 0;
    let a1 = 0;
    for (let s = rowPtr[i]!; s < rowPtr[i + 1]!; s++) {
      const j = col[s]!;
      const dx = yi0 - y[2 * j]!;
      const dy = yi1 - y[2 * j + 1]!;
      const w = 1 / (1 + dx * dx + dy * dy);
      const p = val[s]! * exaggeration;
      const pw = val[s]! * w;
      a0 += pw * dx;
      a1 += pw * dy;
      if (computeError) kl += p * Math.log(Math.max(p, FLOAT32_TINY) / Math.max(w / z, FLOAT32_TINY));
    }
    grad[2 * i] = aScale * a0 - rScale * grad[2 * i]!;
    grad[2 * i + 1] = aScale * a1 - rScale * grad[2 * i + 1]!;
  }
  return { z, kl: computeError ? kl : NaN };
}
