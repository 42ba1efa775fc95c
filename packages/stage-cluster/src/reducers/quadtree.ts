// Point-region quadtree over a 2-D embedding for Barnes-Hut t-SNE (after scikit-learn's _quad_tree):
// the root box is the points' bounding box (upper bounds nudged up by 1e-3 relative, as sklearn),
// each cell keeps its point count and centre of mass, and is split into four equal quadrants when
// a second point arrives. Unlike sklearn, leaves keep the list of their points (exact duplicates,
// and points that are still together at MAX_DEPTH, share a leaf) so that a query can skip itself
// exactly instead of skipping every point within 1e-6 of it.

const MAX_DEPTH = 50;

export interface Quadtree {
  /** Number of cells; cell 0 is the root. */
  size: number;
  /** Per cell: number of points below it. */
  count: Int32Array;
  /** Per cell: centre of mass (x, y). */
  comX: Float64Array;
  comY: Float64Array;
  /** Per cell: bounds. */
  minX: Float64Array;
  minY: Float64Array;
  maxX: Float64Array;
  maxY: Float64Array;
  /** Per cell: squared max side (sklearn's squared_max_width). */
  squaredWidth: Float64Array;
  /** Per cell: four children (−1 where empty; all −1 for a leaf), quadrant q = (x ≥ mid) + 2 (y ≥ mid). */
  children: Int32Array;
  /** Per cell: first point of a leaf (−1 for an internal cell or an empty leaf); next point in `next`. */
  head: Int32Array;
  /** Per point: next point in the same leaf, −1 at the end. */
  next: Int32Array;
}

/** Build the quadtree of the n points y (n × 2, row-major). Deterministic: points are inserted in index order. */
export function buildQuadtree(y: Float64Array, n: number): Quadtree {
  let capacity = Math.max(16, 2 * n);
  const alloc = (c: number) => ({
    count: new Int32Array(c),
    comX: new Float64Array(c),
    comY: new Float64Array(c),
    minX: new Float64Array(c),
    minY: new Float64Array(c),
    maxX: new Float64Array(c),
    maxY: new Float64Array(c),
    squaredWidth: new Float64Array(c),
    children: new Int32Array(4 * c).fill(-1),
    head: new Int32Array(c).fill(-1),
    depth: new Int32Array(c),
  });
  let t = alloc(capacity);
  const next = new Int32Array(n).fill(-1);
  let size = 0;

  const grow = (): void => {
    const old = t;
    capacity *= 2;
    t = alloc(capacity);
    for (const key of Object.keys(old) as (keyof typeof old)[]) (t[key] as Float64Array | Int32Array).set(old[key]);
  };
  const newCell = (x0: number, y0: number, x1: number, y1: number, depth: number): number => {
    if (size === capacity) grow();
    const c = size++;
    t.minX[c] = x0;
    t.minY[c] = y0;
    t.maxX[c] = x1;
    t.maxY[c] = y1;
    const w = Math.max(x1 - x0, y1 - y0);
    t.squaredWidth[c] = w * w;
    t.depth[c] = depth;
    return c;
  };
  const child = (c: number, px: number, py: number): number => {
    const mx = (t.minX[c]! + t.maxX[c]!) / 2;
    const my = (t.minY[c]! + t.maxY[c]!) / 2;
    const qx = px >= mx ? 1 : 0;
    const qy = py >= my ? 1 : 0;
    const slot = 4 * c + qx + 2 * qy;
    let ch = t.children[slot]!;
    if (ch === -1) {
      ch = newCell(qx ? mx : t.minX[c]!, qy ? my : t.minY[c]!, qx ? t.maxX[c]! : mx, qy ? t.maxY[c]! : my, t.depth[c]! + 1);
      t.children[slot] = ch;
    }
    return ch;
  };
  const isLeaf = (c: number): boolean => {
    const o = 4 * c;
    return t.children[o] === -1 && t.children[o + 1] === -1 && t.children[o + 2] === -1 && t.children[o + 3] === -1;
  };

  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    const px = y[2 * i]!;
    const py = y[2 * i + 1]!;
    if (px < x0) x0 = px;
    if (px > x1) x1 = px;
    if (py < y0) y0 = py;
    if (py > y1) y1 = py;
  }
  if (n === 0) x0 = y0 = x1 = y1 = 0;
  x1 = x1 > 0 ? x1 * (1 + 1e-3) : x1 * (1 - 1e-3);
  y1 = y1 > 0 ? y1 * (1 + 1e-3) : y1 * (1 - 1e-3);
  if (x1 <= x0) x1 = x0 + 1e-12 + Math.abs(x0) * 1e-3;
  if (y1 <= y0) y1 = y0 + 1e-12 + Math.abs(y0) * 1e-3;
  newCell(x0, y0, x1, y1, 0);

  for (let i = 0; i < n; i++) {
    const px = y[2 * i]!;
    const py = y[2 * i + 1]!;
    let c = 0;
    for (;;) {
      // Account for the point in every cell on its way down.
      const cnt = t.count[c]!;
      t.comX[c] = (cnt * t.comX[c]! + px) / (cnt + 1);
      t.comY[c] = (cnt * t.comY[c]! + py) / (cnt + 1);
      t.count[c] = cnt + 1;
      if (!isLeaf(c)) {
        c = child(c, px, py);
        continue;
      }
      const h = t.head[c]!;
      if (h === -1) {
        t.head[c] = i; // empty leaf
        break;
      }
      if ((y[2 * h] === px && y[2 * h + 1] === py) || t.depth[c]! >= MAX_DEPTH) {
        next[i] = h; // duplicate (or too deep to separate): share the leaf
        t.head[c] = i;
        break;
      }
      // Split: push the leaf's points (all at one position) down one level, then continue with i.
      t.head[c] = -1;
      const ch = child(c, y[2 * h]!, y[2 * h + 1]!);
      let moved = 0;
      for (let k = h; k !== -1; k = next[k]!) moved++;
      t.head[ch] = h;
      t.count[ch] = moved;
      t.comX[ch] = y[2 * h]!;
      t.comY[ch] = y[2 * h + 1]!;
      c = child(c, px, py);
    }
  }
  return {
    size,
    count: t.count,
    comX: t.comX,
    comY: t.comY,
    minX: t.minX,
    minY: t.minY,
    maxX: t.maxX,
    maxY: t.maxY,
    squaredWidth: t.squaredWidth,
    children: t.children,
    head: t.head,
    next,
  };
}
