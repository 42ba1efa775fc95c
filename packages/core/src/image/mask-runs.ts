// Binary masks as row runs (start/end per row), and what the brain crop does on them: runs of a mask
// and of its background, exact erosion and dilation of radius 1, and 4-connected groups by union-find.
// The crop's connected-component work (components, the border-connected background, the head's
// growth) runs on these rather than pixel by pixel: far fewer items, and no flood fill.

/**
 * A binary mask as row runs: run k covers columns start[k]..end[k] - 1 of row y[k]; runs are in raster
 * order, row y's being first[y]..first[y + 1] - 1.
 */
export interface Runs {
  count: number;
  y: Int32Array;
  start: Int32Array;
  end: Int32Array;
  first: Int32Array;
}

/** Collects Runs: row(y) for every row in order, then that row's runs left to right, then done(). */
export class RunBuilder {
  private count = 0;
  private y = -1;
  // Grown by doubling when full: a few runs per row is typical, (w + 1) / 2 the worst case.
  private capacity: number;
  private ys: Int32Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private readonly first: Int32Array;

  constructor(private readonly h: number) {
    this.capacity = 8 * h + 64;
    this.ys = new Int32Array(this.capacity);
    this.starts = new Int32Array(this.capacity);
    this.ends = new Int32Array(this.capacity);
    this.first = new Int32Array(h + 1);
  }

  row(y: number): void {
    this.y = y;
    this.first[y] = this.count;
  }

  push(start: number, end: number): void {
    if (this.count === this.capacity) {
      this.capacity *= 2;
      const grown = (a: Int32Array): Int32Array => {
        const b = new Int32Array(this.capacity);
        b.set(a);
        return b;
      };
      this.ys = grown(this.ys);
      this.starts = grown(this.starts);
      this.ends = grown(this.ends);
    }
    this.ys[this.count] = this.y;
    this.starts[this.count] = start;
    this.ends[this.count++] = end;
  }

  done(): Runs {
    this.first[this.h] = this.count;
    return { count: this.count, y: this.ys, start: this.starts, end: this.ends, first: this.first };
  }
}

/** Runs of the pixels of a mask equal to `value` (0 or 1). */
export function runsOf(mask: Uint8Array, w: number, h: number, value: number): Runs {
  const out = new RunBuilder(h);
  for (let y = 0; y < h; y++) {
    out.row(y);
    const row = y * w;
    let x = 0;
    while (x < w) {
      while (x < w && mask[row + x] !== value) x++;
      if (x === w) break;
      const s = x;
      while (x < w && mask[row + x] === value) x++;
      out.push(s, x);
    }
  }
  return out.done();
}

/** The background's runs: the gaps between a mask's runs. */
export function complementRuns(runs: Runs, w: number, h: number): Runs {
  const out = new RunBuilder(h);
  for (let y = 0; y < h; y++) {
    out.row(y);
    let x = 0;
    for (let k = runs.first[y]!; k < runs.first[y + 1]!; k++) {
      if (runs.start[k]! > x) out.push(x, runs.start[k]!);
      x = runs.end[k]!;
    }
    if (x < w) out.push(x, w);
  }
  return out.done();
}

/**
 * The opening with r = 1 (morph's erosion then dilation, exactly) done on runs, which is all the
 * components need. Erosion: a pixel stays when its 3x3 neighbourhood is set, i.e. row y keeps the
 * intersection of rows y - 1..y + 1 with each run shrunk by a pixel at both ends (none in the edge rows).
 */
export function erodeRuns(a: Runs, h: number): Runs {
  const out = new RunBuilder(h);
  const { start, end, first } = a;
  for (let y = 0; y < h; y++) {
    out.row(y);
    if (y === 0 || y === h - 1) continue;
    // One pointer per row; the run ending first moves on.
    let i = first[y - 1]!;
    let j = first[y]!;
    let k = first[y + 1]!;
    while (i < first[y]! && j < first[y + 1]! && k < first[y + 2]!) {
      const lo = Math.max(start[i]!, start[j]!, start[k]!) + 1;
      const hi = Math.min(end[i]!, end[j]!, end[k]!) - 1;
      if (lo < hi) out.push(lo, hi);
      if (end[i]! <= end[j]! && end[i]! <= end[k]!) i++;
      else if (end[j]! <= end[k]!) j++;
      else k++;
    }
  }
  return out.done();
}

/** Dilation (the opening's second half): row y is the union of rows y - 1..y + 1, each run grown by a pixel at both ends. */
export function dilateRuns(a: Runs, w: number, h: number): Runs {
  const out = new RunBuilder(h);
  const { start, end, first } = a;
  for (let y = 0; y < h; y++) {
    out.row(y);
    // Merge the (up to) three rows' runs in order of start, joining those that overlap or touch.
    let i = y > 0 ? first[y - 1]! : first[y]!;
    let j = first[y]!;
    let k = first[y + 1]!;
    const iEnd = first[y]!;
    const jEnd = first[y + 1]!;
    const kEnd = y < h - 1 ? first[y + 2]! : k;
    let lo = 0;
    let hi = -1;
    for (;;) {
      let next = -1;
      if (i < iEnd) next = i;
      if (j < jEnd && (next < 0 || start[j]! < start[next]!)) next = j;
      if (k < kEnd && (next < 0 || start[k]! < start[next]!)) next = k;
      if (next < 0) break;
      if (next === i) i++;
      else if (next === j) j++;
      else k++;
      const s = Math.max(0, start[next]! - 1);
      const e = Math.min(w, end[next]! + 1);
      if (s <= hi) {
        hi = Math.max(hi, e);
      } else {
        if (hi >= 0) out.push(lo, hi);
        lo = s;
        hi = e;
      }
    }
    if (hi >= 0) out.push(lo, hi);
  }
  return out.done();
}

/**
 * 4-connected groups of runs (runs in consecutive rows that share a column), by union-find: for each
 * run, the index of its group's first run in raster order (the root, kept the smallest index).
 */
export function linkRuns(runs: Runs, h: number): Int32Array {
  const { count, start, end, first } = runs;
  const parent = new Int32Array(count);
  for (let k = 0; k < count; k++) parent[k] = k;
  const find = (k: number): number => {
    while (parent[k] !== k) k = parent[k] = parent[parent[k]!]!;
    return k;
  };
  for (let y = 1; y < h; y++) {
    // Two pointers over the runs of rows y - 1 (i) and y (j); whichever ends first moves on.
    let i = first[y - 1]!;
    let j = first[y]!;
    const iEnd = first[y]!;
    const jEnd = first[y + 1]!;
    while (i < iEnd && j < jEnd) {
      if (start[i]! < end[j]! && start[j]! < end[i]!) {
        const a = find(i);
        const b = find(j);
        if (a < b) parent[b] = a;
        else if (b < a) parent[a] = b;
      }
      if (end[i]! < end[j]!) i++;
      else j++;
    }
  }
  // Every parent has a smaller index, so one pass in order leaves each run pointing at its root.
  for (let k = 0; k < count; k++) parent[k] = parent[parent[k]!]!;
  return parent;
}
