// Near-duplicate groups: images whose perceptual hashes (pHash in the dataset scan) are within a
// Hamming threshold, closed transitively (union-find), so that a split can keep every copy of a slice
// on one side and a labelled image's re-crop cannot sit in the unlabelled pool or the test set.

import type { DatasetIndex, DuplicateGroup, DuplicateHash, ImageRecord } from './dataset-index.js';
import { dhashHalves, popcount32 } from './dhash.js';

/** An image with at least the hash the grouping uses. */
export type HashedImage = Pick<ImageRecord, 'id' | 'split' | 'className'> & Partial<Pick<ImageRecord, DuplicateHash>>;

class UnionFind {
  private readonly parent: Int32Array;
  constructor(n: number) {
    this.parent = Int32Array.from({ length: n }, (_, i) => i);
  }
  find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root] ?? root;
    // Path compression keeps later finds near O(1).
    while (this.parent[i] !== root) {
      const next = this.parent[i] ?? root;
      this.parent[i] = root;
      i = next;
    }
    return root;
  }
  union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    // The smaller index becomes the root: deterministic, independent of pair order.
    if (ra < rb) this.parent[rb] = ra;
    else if (rb < ra) this.parent[ra] = rb;
  }
}

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** 64-bit hashes as two 32-bit halves per image, and their Hamming distance. */
function hashTable(images: readonly HashedImage[], hash: DuplicateHash): ((i: number, j: number) => number) | null {
  if (images.some((image) => image[hash] === undefined)) return null;
  const hi = new Uint32Array(images.length);
  const lo = new Uint32Array(images.length);
  images.forEach((image, i) => {
    [hi[i], lo[i]] = dhashHalves(image[hash] as string);
  });
  return (i, j) => popcount32(((hi[i] ?? 0) ^ (hi[j] ?? 0)) >>> 0) + popcount32(((lo[i] ?? 0) ^ (lo[j] ?? 0)) >>> 0);
}

/**
 * Groups near-duplicates, closed transitively. `hash` 'dhash' (the default, for callers that hash with
 * computeDhash): dHash distance ≤ threshold. 'phash' (the dataset scan): pHash distance ≤ threshold
 * and, when the images carry dHashes too, dHash distance ≤ 2 × threshold — the pHash sees low
 * frequencies only, so two noisy ellipses of one outline can share it exactly while their dHashes,
 * which compare neighbouring cells, are 12+ bits apart; real copies move a dHash by 11 bits at most
 * (γ 1.25 on Br35H), inside the default's 16. All pairs are compared: 1,500 images are ~1.1M
 * XOR+popcount pairs (a few ms); beyond ~50k images this wants a multi-index hash instead.
 * Groups are sorted by their first member id, members by id; maxDistance is of `hash`; a negative
 * threshold yields no groups.
 */
export function findNearDuplicateGroups(images: readonly HashedImage[], threshold: number, hash: DuplicateHash = 'dhash'): DuplicateGroup[] {
  if (threshold < 0 || images.length < 2) return [];
  const n = images.length;
  const distance = hashTable(images, hash);
  if (!distance) throw new Error(`findNearDuplicateGroups: image ${images.find((image) => image[hash] === undefined)?.id} has no ${hash}`);
  const veto = hash === 'phash' ? hashTable(images, 'dhash') : null;
  const near = (i: number, j: number): boolean => distance(i, j) <= threshold && (veto === null || veto(i, j) <= 2 * threshold);

  const uf = new UnionFind(n);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (near(i, j)) uf.union(i, j);
    }
  }

  const components = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const root = uf.find(i);
    const list = components.get(root);
    if (list) list.push(i);
    else components.set(root, [i]);
  }

  const groups: DuplicateGroup[] = [];
  for (const indices of components.values()) {
    if (indices.length < 2) continue;
    indices.sort((a, b) => byId(images[a]?.id ?? '', images[b]?.id ?? ''));
    // Chaining can make the group wider than the threshold; report the real spread.
    let maxDistance = 0;
    for (let a = 0; a < indices.length; a++) {
      for (let b = a + 1; b < indices.length; b++) {
        maxDistance = Math.max(maxDistance, distance(indices[a] ?? 0, indices[b] ?? 0));
      }
    }
    const members = indices.map((i) => images[i] as HashedImage);
    const splits = new Set(members.map((m) => m.split));
    const classes = new Set(members.filter((m) => m.split === 'labelled').map((m) => m.className));
    groups.push({
      members: members.map((m) => m.id),
      maxDistance,
      spansSplits: splits.size > 1,
      spansClasses: classes.size > 1,
    });
  }
  groups.sort((a, b) => byId(a.members[0] ?? '', b.members[0] ?? ''));
  return groups;
}

/**
 * Image id → group key: the first member id of its duplicate group, or its own id. Splitting by key
 * keeps near-duplicates together; ids are unique, so keys never collide.
 */
export function splitGroupKeys(index: DatasetIndex): Map<string, string> {
  const keys = new Map<string, string>();
  for (const image of index.images) keys.set(image.id, image.id);
  for (const group of index.duplicateGroups) {
    const key = [...group.members].sort(byId)[0];
    if (key === undefined) continue;
    for (const id of group.members) if (keys.has(id)) keys.set(id, key);
  }
  return keys;
}
