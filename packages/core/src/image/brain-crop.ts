// Cropping to the head. Many exports carry a wide black border, burned-in text ("W 953 L 437",
// scale bars, orientation letters) or white frames near the edges; frames occur mostly in tumour
// images, so leaving them in lets a model learn "frame => tumour". Steps, on a working copy shrunk to
// at most `workSize` pixels (so sizes mean the same for a 150-px thumbnail and a 1920-px screenshot,
// and it stays cheap):
//   threshold → erase straight frame lines (also where they touch the head) → small opening →
//   connected components → the head = the component enclosing the most area, plus sizeable pieces
//   beside it (skull arcs) → grown into dimmer connected pixels (hysteresis: dark T2 tissue, scalp)
//   → its box plus a margin. cropToBrain also blacks out what lies outside the head's convex hull
//   grown by the margin (letters in a corner of the box, watermarks, frame pieces next to the head).
// This runs on the main thread for every image, so the steps are written for speed: components, the
// opening and the growth work on row runs (union-find, no flood fill), the hull's margin on row spans.
// Each computes exactly what its description says; none approximates.

import { createGreyImage, type GreyImage, type PixelBox } from './grey-image.js';
import { complementRuns, dilateRuns, erodeRuns, linkRuns, runsOf, type Runs } from './mask-runs.js';

export interface BrainCropOptions {
  /** Longest side of the working copy. Default 256. */
  workSize?: number;
  /**
   * Fixed threshold 0..255 on the working copy (then without the hysteresis growth). Default: halfway
   * between the 5th percentile (background) and Otsu, growing into pixels above a quarter of the way.
   */
  threshold?: number;
  /** Radius (working pixels) of the square opening that breaks thin bridges (text touching the head) and speckle. Default 1. */
  openRadius?: number;
  /** Margin added around the head, as a fraction of the box's longer side. Default 0.03. */
  marginFraction?: number;
  /** cropToBrain: black out pixels away from the head inside the box (letters, frame pieces). Default true. */
  maskOutside?: boolean;
}

/** Shrink by an integer factor with block averaging (partial edge blocks average what they have). */
function shrink(img: GreyImage, factor: number): GreyImage {
  if (factor === 1) return img;
  if (factor === 2) return shrink2(img);
  const { width: W, height: H, data: src } = img;
  const w = Math.ceil(W / factor);
  const h = Math.ceil(H / factor);
  // One block row at a time: column sums over its rows, then each block's columns summed.
  const columns = new Uint32Array(W);
  const data = new Uint8Array(w * h);
  for (let by = 0; by < h; by++) {
    const y0 = by * factor;
    const y1 = Math.min(H, y0 + factor);
    columns.fill(0);
    for (let y = y0; y < y1; y++) {
      const row = y * W;
      for (let x = 0; x < W; x++) columns[x]! += src[row + x]!;
    }
    const bh = y1 - y0;
    const row = by * w;
    for (let bx = 0; bx < w; bx++) {
      const x0 = bx * factor;
      const x1 = Math.min(W, x0 + factor);
      let sum = 0;
      for (let x = x0; x < x1; x++) sum += columns[x]!;
      data[row + bx] = Math.round(sum / ((x1 - x0) * bh));
    }
  }
  return { width: w, height: h, data };
}

/**
 * shrink by 2, the commonest case, straight from pairs of rows. For a sum s of 4, 2 or 1 pixels,
 * Math.round(s / 4) = (s + 2) >> 2 and Math.round(s / 2) = (s + 1) >> 1 exactly (halves round up).
 */
function shrink2(img: GreyImage): GreyImage {
  const { width: W, height: H, data: src } = img;
  const w = Math.ceil(W / 2);
  const h = Math.ceil(H / 2);
  const full = W >> 1;
  const data = new Uint8Array(w * h);
  for (let by = 0; by < h; by++) {
    const top = 2 * by * W;
    const row = by * w;
    if (2 * by + 1 < H) {
      const bottom = top + W;
      for (let bx = 0, p = 0; bx < full; bx++, p += 2) {
        data[row + bx] = (src[top + p]! + src[top + p + 1]! + src[bottom + p]! + src[bottom + p + 1]! + 2) >> 2;
      }
      if (full < w) data[row + full] = (src[top + W - 1]! + src[bottom + W - 1]! + 1) >> 1;
    } else {
      // Odd height: the last block row has one pixel row.
      for (let bx = 0, p = 0; bx < full; bx++, p += 2) data[row + bx] = (src[top + p]! + src[top + p + 1]! + 1) >> 1;
      if (full < w) data[row + full] = src[top + W - 1]!;
    }
  }
  return { width: w, height: h, data };
}

/** ROUND_NINTH[s] = Math.round(s / 9) for a 3x3 sum s: a table lookup instead of a division per pixel. */
const ROUND_NINTH = new Uint8Array(9 * 255 + 1);
for (let s = 0; s < ROUND_NINTH.length; s++) ROUND_NINTH[s] = Math.round(s / 9);

/** 3x3 mean, edges clamped: removes JPEG speckle that would otherwise glue noise to the head. */
function boxBlur3(img: GreyImage): GreyImage {
  const { width: w, height: h, data } = img;
  // Horizontal sums of three, then vertical sums of those; the clamped edge columns outside the loop.
  const rows = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const last = row + w - 1;
    if (w === 1) {
      rows[row] = 3 * data[row]!;
      continue;
    }
    rows[row] = 2 * data[row]! + data[row + 1]!;
    for (let p = row + 1; p < last; p++) rows[p] = data[p - 1]! + data[p]! + data[p + 1]!;
    rows[last] = data[last - 1]! + 2 * data[last]!;
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const row = y * w;
    const down = (y < h - 1 ? y + 1 : h - 1) * w;
    for (let x = 0; x < w; x++) out[row + x] = ROUND_NINTH[rows[up + x]! + rows[row + x]! + rows[down + x]!]!;
  }
  return { width: w, height: h, data: out };
}

/** Otsu's threshold: pixels > t are foreground. */
export function otsuThreshold(hist: ArrayLike<number>): number {
  let total = 0;
  let sumAll = 0;
  for (let v = 0; v < 256; v++) {
    total += hist[v]!;
    sumAll += v * hist[v]!;
  }
  let best = 0;
  let bestVar = -1;
  let wB = 0;
  let sumB = 0;
  for (let t = 0; t < 255; t++) {
    wB += hist[t]!;
    if (wB === 0) continue;
    const wF = total - wB;
    if (wF === 0) break;
    sumB += t * hist[t]!;
    const mB = sumB / wB;
    const mF = (sumAll - sumB) / wF;
    const between = wB * wF * (mB - mF) * (mB - mF);
    if (between > bestVar) {
      bestVar = between;
      best = t;
    }
  }
  return best;
}

/** Value below which p% of the histogram lies: with p small, the background level (black or grey surround). */
function percentile(hist: Uint32Array, p: number): number {
  let total = 0;
  for (let v = 0; v < 256; v++) total += hist[v]!;
  let cumulative = 0;
  for (let v = 0; v < 256; v++) {
    cumulative += hist[v]!;
    if (cumulative * 100 >= p * total) return v;
  }
  return 255;
}

/**
 * Separable square erosion or dilation of radius r on a 0/1 mask (outside the image counts as 0).
 * A sliding count of set pixels per window keeps it O(pixels) whatever r is. (The default opening,
 * r = 1, works on runs instead: erodeRuns, dilateRuns.)
 */
function morph(mask: Uint8Array, w: number, h: number, r: number, dilate: boolean): Uint8Array {
  // A pixel is set when its window holds more than `need - 1` set pixels: any (dilate) or all (erode).
  const need = dilate ? 1 : 2 * r + 1;
  const tmp = new Uint8Array(w * h);
  // Horizontal pass. The window gains pixel x + r while x < addEnd and loses x - r - 1 from x = subStart
  // on: split into ranges so the inner loops carry no edge tests.
  const addEnd = Math.max(0, w - r);
  const subStart = Math.min(w, r + 1);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let count = 0;
    for (let x = 0; x < r && x < w; x++) count += mask[row + x]!;
    let x = 0;
    for (const end = Math.min(addEnd, subStart); x < end; x++) {
      count += mask[row + x + r]!;
      tmp[row + x] = count >= need ? 1 : 0;
    }
    for (; x < subStart; x++) tmp[row + x] = count >= need ? 1 : 0;
    for (; x < addEnd; x++) {
      count += mask[row + x + r]! - mask[row + x - r - 1]!;
      tmp[row + x] = count >= need ? 1 : 0;
    }
    for (; x < w; x++) {
      count -= mask[row + x - r - 1]!;
      tmp[row + x] = count >= need ? 1 : 0;
    }
  }
  // Vertical pass, row by row with one running count per column (cache friendly).
  const out = new Uint8Array(w * h);
  const counts = new Int32Array(w);
  for (let y = 0; y < r && y < h; y++) for (let x = 0; x < w; x++) counts[x]! += tmp[y * w + x]!;
  for (let y = 0; y < h; y++) {
    const add = y + r < h ? (y + r) * w : -1;
    const sub = y > r ? (y - r - 1) * w : -1;
    const row = y * w;
    if (add >= 0) for (let x = 0; x < w; x++) counts[x]! += tmp[add + x]!;
    if (sub >= 0) for (let x = 0; x < w; x++) counts[x]! -= tmp[sub + x]!;
    for (let x = 0; x < w; x++) out[row + x] = counts[x]! >= need ? 1 : 0;
  }
  return out;
}

/**
 * Clear straight thin lines (frame edges, scale bars): pixels in a horizontal run at least
 * `minLength` long that are at most `maxThickness` thick vertically, and the same transposed. Where
 * a frame touches the head the pixels are thick (line + head) and stay, so the head is not cut.
 */
function removeThinLines(mask: Uint8Array, w: number, h: number, maxThickness: number, minFraction: number): Uint8Array {
  const n = w * h;
  const minH = minFraction * w;
  const minV = minFraction * h;
  // Vertical run lengths: counted down each run here; the bottom-up pass below copies each run's full
  // length (held by its bottom pixel) up it.
  const vRun = new Uint16Array(n);
  for (let p = 0; p < w; p++) vRun[p] = mask[p]!;
  for (let p = w; p < n; p++) vRun[p] = mask[p] ? vRun[p - w]! + 1 : 0;
  const runs = runsOf(mask, w, h, 1);
  const out = mask.slice();
  // Horizontal runs in reverse raster order, so the row below is complete when a row is reached.
  for (let k = runs.count - 1; k >= 0; k--) {
    const row = runs.y[k]! * w;
    const hRun = runs.end[k]! - runs.start[k]!;
    const below = runs.y[k]! < h - 1;
    for (let p = row + runs.start[k]!; p < row + runs.end[k]!; p++) {
      if (below && mask[p + w]) vRun[p] = vRun[p + w]!;
      const vLen = vRun[p]!;
      if ((hRun >= minH && vLen <= maxThickness) || (vLen >= minV && hRun <= maxThickness)) out[p] = 0;
    }
  }
  return out;
}

/**
 * Clear frame edges that touch the head (which the per-pixel test above cannot see, since there the
 * line and the head form one thick blob). Looks at rows (then columns) in the outer quarter of the
 * image: a band of at most `maxThickness` consecutive rows mostly covered by long runs, with (almost)
 * nothing beyond it towards the edge and far less coverage just inside, is a drawn line. A head's
 * coverage grows gradually row by row, and has more head outside any inner row.
 */
function removeFrameBands(mask: Uint8Array, w: number, h: number, maxThickness: number): Uint8Array {
  const out = mask.slice();
  clearFrameBands(mask, out, w, h, 1, w, maxThickness);
  clearFrameBands(mask, out, h, w, w, 1, maxThickness);
  return out;
}

/**
 * One direction of removeFrameBands: `across` lines of `along` pixels; pixel i of line j is at
 * j * stride + i * step (rows: step 1, stride w; columns: step w, stride 1). Reads `mask`, clears in `out`.
 */
function clearFrameBands(mask: Uint8Array, out: Uint8Array, along: number, across: number, step: number, stride: number, maxThickness: number): void {
  const minRun = 0.3 * along;
  // longCover[j]: fraction of line j in runs at least 30% of its length; anyCover[j]: fraction set.
  const longCover = new Float64Array(across);
  const anyCover = new Float64Array(across);
  for (let j = 0; j < across; j++) {
    let run = 0;
    let long = 0;
    let any = 0;
    for (let i = 0, p = j * stride; i < along; i++, p += step) {
      if (mask[p]) {
        run++;
        any++;
      } else {
        if (run >= minRun) long += run;
        run = 0;
      }
    }
    if (run >= minRun) long += run;
    longCover[j] = long / along;
    anyCover[j] = any / along;
  }
  const outer = Math.ceil(0.25 * across);
  let j = 0;
  while (j < across) {
    if (longCover[j]! < 0.4) {
      j++;
      continue;
    }
    let end = j;
    let weakest = 1;
    while (end < across && longCover[end]! >= 0.4) weakest = Math.min(weakest, longCover[end++]!);
    const nearStart = end <= outer;
    const nearEnd = j >= across - outer;
    // Outward neighbour (towards the closer edge) must be nearly empty; inward one much less covered.
    const outward = nearStart ? (j > 0 ? anyCover[j - 1]! : 0) : end < across ? anyCover[end]! : 0;
    const inward = nearStart ? (end < across ? longCover[end]! : 0) : j > 0 ? longCover[j - 1]! : 0;
    if ((nearStart || nearEnd) && end - j <= maxThickness && outward <= 0.1 && inward < weakest / 2) {
      for (let k = j; k < end; k++) {
        // Clear only the long runs of the band (what drew the line).
        const line = k * stride;
        let start = 0;
        for (let i = 0; i <= along; i++) {
          if (i < along && mask[line + i * step]) continue;
          if (i - start >= minRun) for (let q = start; q < i; q++) out[line + q * step] = 0;
          start = i + 1;
        }
      }
    }
    j = end;
  }
}

interface Component {
  label: number;
  area: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/**
 * 4-connected components of a mask given as runs, labelled 1, 2... in the raster order of their first
 * pixel: each run's label, and each component's area and box.
 */
function components(runs: Runs, w: number, h: number): { runLabel: Int32Array; found: Component[] } {
  const root = linkRuns(runs, h);
  const { count, y: ry, start, end } = runs;
  const runLabel = new Int32Array(count);
  const found: Component[] = [];
  for (let k = 0; k < count; k++) {
    const r = root[k]!;
    if (r === k) found.push({ label: found.length + 1, area: 0, minX: w, minY: ry[k]!, maxX: -1, maxY: ry[k]! });
    const label = r === k ? found.length : runLabel[r]!;
    runLabel[k] = label;
    const c = found[label - 1]!;
    c.area += end[k]! - start[k]!;
    if (start[k]! < c.minX) c.minX = start[k]!;
    if (end[k]! - 1 > c.maxX) c.maxX = end[k]! - 1;
    c.maxY = ry[k]!;
  }
  return { runLabel, found };
}

/** Pixels of the background (outside the mask's runs) connected to the image edge. */
function borderConnectedArea(mask: Runs, w: number, h: number): number {
  const runs = complementRuns(mask, w, h);
  const root = linkRuns(runs, h);
  const { count, y: ry, start, end } = runs;
  const touches = new Uint8Array(count);
  for (let k = 0; k < count; k++) if (ry[k] === 0 || ry[k] === h - 1 || start[k] === 0 || end[k] === w) touches[root[k]!] = 1;
  let area = 0;
  for (let k = 0; k < count; k++) if (touches[root[k]!]) area += end[k]! - start[k]!;
  return area;
}

/** Per component: the area enclosed row by row (leftmost to rightmost pixel of each row). A skull ring encloses the whole head. */
function enclosedAreas(runs: Runs, runLabel: Int32Array, count: number, h: number): Float64Array {
  const { start, end, first } = runs;
  const enclosed = new Float64Array(count + 1);
  const rowMin = new Int32Array(count + 1);
  // -1: not met on this row yet. Reset only for the labels a row touched.
  const rowMax = new Int32Array(count + 1).fill(-1);
  const touched = new Int32Array(count + 1);
  for (let y = 0; y < h; y++) {
    let nTouched = 0;
    // A row's runs run left to right: a label's first run holds its leftmost pixel, its last the rightmost.
    for (let k = first[y]!; k < first[y + 1]!; k++) {
      const l = runLabel[k]!;
      if (rowMax[l] === -1) {
        touched[nTouched++] = l;
        rowMin[l] = start[k]!;
      }
      rowMax[l] = end[k]! - 1;
    }
    for (let t = 0; t < nTouched; t++) {
      const l = touched[t]!;
      enclosed[l]! += rowMax[l]! - rowMin[l]! + 1;
      rowMax[l] = -1;
    }
  }
  return enclosed;
}

/** A frame that survived line removal: spans (nearly) the whole image, encloses a rectangle, yet is mostly empty inside. */
function looksLikeFrame(c: Component, enclosed: number, w: number, h: number): boolean {
  const bw = c.maxX - c.minX + 1;
  const bh = c.maxY - c.minY + 1;
  const boxArea = bw * bh;
  return bw >= 0.85 * w && bh >= 0.85 * h && enclosed >= 0.92 * boxArea && c.area < 0.5 * boxArea;
}

/** The head as found on the working copy. */
interface HeadAnalysis {
  /** Box in original pixels, margin included. */
  box: PixelBox;
  /** Original pixels per working pixel. */
  factor: number;
  /** Working-copy width. */
  w: number;
  /**
   * 1 inside the convex hull of the head grown by the margin, on the working copy; null when no head
   * was found, or when it was not asked for (only masking needs it).
   */
  region: Uint8Array | null;
}

/** Each row's leftmost and rightmost head pixel (-1 in rows without one). */
interface HeadRows {
  left: Int32Array;
  right: Int32Array;
}

/**
 * Convex hull (Andrew's monotone chain) of the head pixels, filled, then grown by r, never onto
 * `blocked` pixels outside the hull: what "near the head" means for masking.
 */
function headRegion(head: HeadRows, w: number, h: number, r: number, blocked: Uint8Array | null): Uint8Array {
  // The leftmost and rightmost pixel (corners included) of each row are enough to define the hull.
  const rx = new Int32Array(4 * h);
  const ry = new Int32Array(4 * h);
  let n = 0;
  for (let y = 0; y < h; y++) {
    const lo = head.left[y]!;
    const hi = head.right[y]!;
    if (lo < 0) continue;
    for (const x of [lo, hi + 1]) {
      rx[n] = x;
      ry[n++] = y;
      rx[n] = x;
      ry[n++] = y + 1;
    }
  }
  // The chain wants them sorted by x then y. Made row by row, each x's points already come in y order,
  // so a stable counting sort on x (0..w) does it.
  const bucket = new Int32Array(w + 2);
  for (let i = 0; i < n; i++) bucket[rx[i]! + 1]!++;
  for (let x = 1; x <= w + 1; x++) bucket[x]! += bucket[x - 1]!;
  const px = new Int32Array(n);
  const py = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = bucket[rx[i]!]!++;
    px[k] = rx[i]!;
    py[k] = ry[i]!;
  }
  const cross = (o: number, a: number, b: number): number => (px[a]! - px[o]!) * (py[b]! - py[o]!) - (py[a]! - py[o]!) * (px[b]! - px[o]!);
  // Stacks of point indices; the hull is lower minus its last point, then upper minus its last.
  const lower = new Int32Array(n);
  let nl = 0;
  for (let i = 0; i < n; i++) {
    while (nl >= 2 && cross(lower[nl - 2]!, lower[nl - 1]!, i) <= 0) nl--;
    lower[nl++] = i;
  }
  const upper = new Int32Array(n);
  let nu = 0;
  for (let i = n - 1; i >= 0; i--) {
    while (nu >= 2 && cross(upper[nu - 2]!, upper[nu - 1]!, i) <= 0) nu--;
    upper[nu++] = i;
  }
  const fromLower = Math.max(0, nl - 1);
  const m = fromLower + Math.max(0, nu - 1);
  const hx = new Float64Array(m);
  const hy = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    const i = k < fromLower ? lower[k]! : upper[k - fromLower]!;
    hx[k] = px[i]!;
    hy[k] = py[i]!;
  }
  // Fill: a pixel is inside when its centre lies between the hull's crossings of that row's centre line.
  // Each edge is visited for the rows whose centre line it crosses (horizontal edges lie on integer y,
  // never on a centre line). Row y of the filled hull is then spanLo[y]..spanHi[y] (empty if lo > hi).
  const xMin = new Float64Array(h).fill(Infinity);
  const xMax = new Float64Array(h).fill(-Infinity);
  for (let i = 0; i < m; i++) {
    const j = i + 1 === m ? 0 : i + 1;
    const a0 = hx[i]!;
    const a1 = hy[i]!;
    const b0 = hx[j]!;
    const b1 = hy[j]!;
    if (a1 === b1) continue;
    const yFrom = Math.max(0, Math.ceil(Math.min(a1, b1) - 0.5));
    const yTo = Math.min(h - 1, Math.floor(Math.max(a1, b1) - 0.5));
    for (let y = yFrom; y <= yTo; y++) {
      const x = a0 + ((y + 0.5 - a1) * (b0 - a0)) / (b1 - a1);
      xMin[y] = Math.min(xMin[y]!, x);
      xMax[y] = Math.max(xMax[y]!, x);
    }
  }
  const spanLo = new Int32Array(h);
  const spanHi = new Int32Array(h);
  for (let y = 0; y < h; y++) {
    const from = Math.max(0, Math.ceil(xMin[y]! - 0.5));
    const to = Math.min(w - 1, Math.floor(xMax[y]! - 0.5));
    spanLo[y] = from <= to ? from : w;
    spanHi[y] = from <= to ? to : -1;
  }
  const region = new Uint8Array(w * h);
  if (r <= 0) {
    for (let y = 0; y < h; y++) if (spanLo[y]! <= spanHi[y]!) region.fill(1, y * w + spanLo[y]!, y * w + spanHi[y]! + 1);
    return region;
  }
  // Grow by the margin (a square dilation, as morph would do it, but on spans): each span widens by r,
  // and row y is the union of the widened spans of rows y - r..y + r, sorted by start and merged.
  const starts = new Int32Array(2 * r + 1);
  const ends = new Int32Array(2 * r + 1);
  for (let y = 0; y < h; y++) {
    let count = 0;
    for (let k = Math.max(0, y - r), last = Math.min(h - 1, y + r); k <= last; k++) {
      if (spanLo[k]! > spanHi[k]!) continue;
      const a = Math.max(0, spanLo[k]! - r);
      const b = Math.min(w - 1, spanHi[k]! + r);
      let i = count++;
      for (; i > 0 && starts[i - 1]! > a; i--) {
        starts[i] = starts[i - 1]!;
        ends[i] = ends[i - 1]!;
      }
      starts[i] = a;
      ends[i] = b;
    }
    for (let i = 0; i < count; ) {
      const a = starts[i]!;
      let b = ends[i++]!;
      while (i < count && starts[i]! <= b + 1) b = Math.max(b, ends[i++]!);
      region.fill(1, y * w + a, y * w + b + 1);
    }
  }
  // Not onto frame lines we removed (pieces of a frame just beside the head), unless inside the hull.
  // (Blocked pixels are few: visit just them.)
  if (blocked) {
    for (let p = blocked.indexOf(1); p >= 0; p = blocked.indexOf(1, p + 1)) {
      const y = Math.floor(p / w);
      const x = p - y * w;
      if (x < spanLo[y]! || x > spanHi[y]!) region[p] = 0;
    }
  }
  return region;
}

/**
 * The selected components, grown through connected pixels brighter than `low` (hysteresis), never
 * onto `blocked` pixels (removed frame lines): the 4-connected parts of (selected pixels + brighter
 * unblocked pixels) that hold a selected pixel. Updates `box` (working coordinates) to the grown extent
 * and returns each row's extent.
 */
function growHead(
  maskRuns: Runs,
  runLabel: Int32Array,
  selected: Uint8Array,
  data: Uint8Array,
  low: number,
  blocked: Uint8Array,
  w: number,
  h: number,
  box: { minX: number; minY: number; maxX: number; maxY: number },
): HeadRows {
  const n = w * h;
  const grow = new Uint8Array(n);
  for (let p = 0; p < n; p++) grow[p] = (data[p]! > low ? 1 : 0) & (blocked[p]! ^ 1);
  for (let k = 0; k < maskRuns.count; k++) {
    if (selected[runLabel[k]!]) grow.fill(1, maskRuns.y[k]! * w + maskRuns.start[k]!, maskRuns.y[k]! * w + maskRuns.end[k]!);
  }
  const runs = runsOf(grow, w, h, 1);
  const root = linkRuns(runs, h);
  // Keep the groups holding a selected run: each selected run lies inside one run of `grow`.
  const keep = new Uint8Array(runs.count);
  for (let y = 0; y < h; y++) {
    let j = runs.first[y]!;
    for (let k = maskRuns.first[y]!; k < maskRuns.first[y + 1]!; k++) {
      if (!selected[runLabel[k]!]) continue;
      while (runs.end[j]! <= maskRuns.start[k]!) j++;
      keep[root[j]!] = 1;
    }
  }
  const left = new Int32Array(h).fill(-1);
  const right = new Int32Array(h).fill(-1);
  for (let k = 0; k < runs.count; k++) {
    if (!keep[root[k]!]) continue;
    const y = runs.y[k]!;
    if (left[y]! < 0) left[y] = runs.start[k]!;
    right[y] = runs.end[k]! - 1;
    if (runs.start[k]! < box.minX) box.minX = runs.start[k]!;
    if (runs.end[k]! - 1 > box.maxX) box.maxX = runs.end[k]! - 1;
    if (y < box.minY) box.minY = y;
    if (y > box.maxY) box.maxY = y;
  }
  return { left, right };
}

function analyseHead(img: GreyImage, options: BrainCropOptions, withRegion: boolean): HeadAnalysis {
  const whole: PixelBox = { x: 0, y: 0, width: img.width, height: img.height };
  const workSize = options.workSize ?? 256;
  const factor = Math.max(1, Math.ceil(Math.max(img.width, img.height) / workSize));
  const small = boxBlur3(shrink(img, factor));
  const { width: w, height: h, data } = small;
  const side = Math.min(w, h);

  let threshold = options.threshold;
  let lowThreshold = threshold === undefined ? 0 : threshold;
  if (threshold === undefined) {
    const hist = new Uint32Array(256);
    for (let i = 0; i < data.length; i++) hist[data[i]!]!++;
    const otsu = otsuThreshold(hist);
    const background = percentile(hist, 5);
    // Halfway between background and Otsu: Otsu alone is pulled up by white frames and skull and
    // splits a dim head into pieces; the background term adapts to grey (not black) surrounds.
    threshold = background < otsu ? Math.round(background + (otsu - background) / 2) : otsu;
    // Dim parts of the head (dark T2 tissue, scalp) are recovered by growing the head into pixels
    // above this lower level (hysteresis), once the head itself has been identified.
    lowThreshold = background < otsu ? Math.round(background + (otsu - background) / 4) : otsu;
  }
  let mask: Uint8Array = new Uint8Array(w * h);
  for (let i = 0; i < data.length; i++) mask[i] = data[i]! > threshold ? 1 : 0;
  const thresholded = mask;
  // Frame edges up to 5% of the side thick (after blurring).
  const lineThickness = Math.max(3, Math.round(0.05 * side));
  mask = removeFrameBands(mask, w, h, lineThickness);
  mask = removeThinLines(mask, w, h, lineThickness, 0.5);
  // Removed frame lines, widened by a pixel for the blur: neither grown into nor kept by the mask.
  // They are few, so each marks its 3x3 neighbourhood (the dilation by one pixel, done sparsely).
  const blocked = new Uint8Array(w * h);
  let anyBlocked = false;
  for (let y = 0, p = 0; y < h; y++) {
    const up = y > 0 ? -w : 0;
    const down = y < h - 1 ? w : 0;
    for (let x = 0; x < w; x++, p++) {
      if (!thresholded[p] || mask[p]) continue;
      anyBlocked = true;
      const left = x > 0 ? -1 : 0;
      const right = x < w - 1 ? 1 : 0;
      for (let dy = up; dy <= down; dy += w) for (let dx = left; dx <= right; dx++) blocked[p + dy + dx] = 1;
    }
  }
  const r = options.openRadius ?? 1;
  const open = r > 0 && side > 4 * r + 2;
  // The opened mask as runs (for the default radius the opening itself works on runs).
  const runs =
    open && r === 1 ? dilateRuns(erodeRuns(runsOf(mask, w, h, 1), h), w, h) : runsOf(open ? morph(morph(mask, w, h, r, false), w, h, r, true) : mask, w, h, 1);

  const { runLabel, found } = components(runs, w, h);
  const enclosed = enclosedAreas(runs, runLabel, found.length, h);
  // No dark surround reachable from the edges (the head fills the picture, or it sits on a white
  // page): there is nothing to crop away, and masking could only hurt.
  if (borderConnectedArea(runs, w, h) < 0.08 * w * h) return { box: whole, factor, w, region: null };

  // Seed: the component enclosing the most area. With a bright skull that is the skull ring (even when
  // a dark band separates it from the brain), otherwise the brain itself.
  let seed: Component | undefined;
  for (const c of found) {
    const e = enclosed[c.label]!;
    if (looksLikeFrame(c, e, w, h)) continue;
    if (!seed || e > enclosed[seed.label]!) seed = c;
  }
  // Nothing head-sized (blank or noise-only image): better not to crop at all.
  if (!seed || enclosed[seed.label]! < 0.02 * w * h) return { box: whole, factor, w, region: null };
  // Grow it with sizeable pieces touching its box: skull arcs broken by the opening, a brain separated
  // from its skull ring. Letters and scale marks are far smaller than 3% of the head and stay out.
  const selected = new Uint8Array(found.length + 1);
  selected[seed.label] = 1;
  const best = { ...seed };
  const gap = Math.max(1, Math.round(0.02 * side));
  const minPiece = 0.03 * enclosed[seed.label]!;
  for (let changed = true; changed; ) {
    changed = false;
    for (const c of found) {
      if (selected[c.label] || enclosed[c.label]! < minPiece || looksLikeFrame(c, enclosed[c.label]!, w, h)) continue;
      const touches = c.minX <= best.maxX + gap && c.maxX >= best.minX - gap && c.minY <= best.maxY + gap && c.maxY >= best.minY - gap;
      if (!touches) continue;
      selected[c.label] = 1;
      best.minX = Math.min(best.minX, c.minX);
      best.minY = Math.min(best.minY, c.minY);
      best.maxX = Math.max(best.maxX, c.maxX);
      best.maxY = Math.max(best.maxY, c.maxY);
      changed = true;
    }
  }

  const head = growHead(runs, runLabel, selected, data, lowThreshold, blocked, w, h, best);

  const x0 = best.minX * factor;
  const y0 = best.minY * factor;
  const x1 = Math.min(img.width, (best.maxX + 1) * factor);
  const y1 = Math.min(img.height, (best.maxY + 1) * factor);
  const margin = Math.max(factor, Math.round((options.marginFraction ?? 0.03) * Math.max(x1 - x0, y1 - y0)));
  const bx0 = Math.max(0, x0 - margin);
  const by0 = Math.max(0, y0 - margin);
  const bx1 = Math.min(img.width, x1 + margin);
  const by1 = Math.min(img.height, y1 + margin);
  const box = { x: bx0, y: by0, width: bx1 - bx0, height: by1 - by0 };
  return { box, factor, w, region: withRegion ? headRegion(head, w, h, Math.ceil(margin / factor), anyBlocked ? blocked : null) : null };
}

/** Bounding box (original pixel coordinates) of the head plus a small margin; the whole image if no head is found. */
export function findBrainBox(img: GreyImage, options: BrainCropOptions = {}): PixelBox {
  return analyseHead(img, options, false).box;
}

/**
 * Crop to the head and centre it on a black square (so resizing keeps its aspect ratio). Unless
 * `maskOutside` is false, pixels away from the head (text or frame pieces that fall inside the box,
 * e.g. an orientation letter in a corner) are also set to black.
 */
export function cropToBrain(img: GreyImage, options: BrainCropOptions = {}): GreyImage {
  const { box, factor, w, region: mask } = analyseHead(img, options, options.maskOutside !== false);
  const { x: bx, y: by, width: bw, height: bh } = box;
  // One pass straight onto the square, placed as padToSquare(cropGreyImage(img, box)) would place it:
  // copy the box's rows, or with a mask only the runs of working columns inside the region (the rest
  // stays black).
  const side = Math.max(bw, bh);
  const out = createGreyImage(side, side);
  const left = Math.floor((side - bw) / 2);
  const top = Math.floor((side - bh) / 2);
  const src = img.data;
  const c0 = Math.floor(bx / factor);
  const c1 = Math.floor((bx + bw - 1) / factor);
  for (let y = 0; y < bh; y++) {
    const from = (by + y) * img.width + bx;
    const to = (top + y) * side + left;
    if (!mask) {
      out.data.set(src.subarray(from, from + bw), to);
      continue;
    }
    const regionRow = Math.floor((by + y) / factor) * w;
    for (let c = c0; c <= c1; c++) {
      if (!mask[regionRow + c]) continue;
      let end = c + 1;
      while (end <= c1 && mask[regionRow + end]) end++;
      const a = Math.max(0, c * factor - bx);
      const b = Math.min(bw, end * factor - bx);
      out.data.set(src.subarray(from + a, from + b), to + a);
      c = end;
    }
  }
  return out;
}
