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

import { cropGreyImage, padToSquare, type GreyImage, type PixelBox } from './grey-image.js';

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
  const w = Math.ceil(img.width / factor);
  const h = Math.ceil(img.height / factor);
  const sums = new Uint32Array(w * h);
  const column = new Int32Array(img.width);
  for (let x = 0; x < img.width; x++) column[x] = Math.floor(x / factor);
  for (let y = 0; y < img.height; y++) {
    const sy = Math.floor(y / factor) * w;
    const row = y * img.width;
    for (let x = 0; x < img.width; x++) sums[sy + column[x]!]! += img.data[row + x]!;
  }
  const data = new Uint8Array(w * h);
  for (let by = 0; by < h; by++) {
    const bh = Math.min(factor, img.height - by * factor);
    for (let bx = 0; bx < w; bx++) {
      const bw = Math.min(factor, img.width - bx * factor);
      data[by * w + bx] = Math.round(sums[by * w + bx]! / (bw * bh));
    }
  }
  return { width: w, height: h, data };
}

/** 3x3 mean, edges clamped: removes JPEG speckle that would otherwise glue noise to the head. */
function boxBlur3(img: GreyImage): GreyImage {
  const { width: w, height: h, data } = img;
  // Horizontal sums of three, then vertical sums of those.
  const rows = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      rows[row + x] = data[row + (x > 0 ? x - 1 : 0)]! + data[row + x]! + data[row + (x < w - 1 ? x + 1 : w - 1)]!;
    }
  }
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const up = (y > 0 ? y - 1 : 0) * w;
    const row = y * w;
    const down = (y < h - 1 ? y + 1 : h - 1) * w;
    for (let x = 0; x < w; x++) out[row + x] = Math.round((rows[up + x]! + rows[row + x]! + rows[down + x]!) / 9);
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
 * A sliding count of set pixels per window keeps it O(pixels) whatever r is.
 */
function morph(mask: Uint8Array, w: number, h: number, r: number, dilate: boolean): Uint8Array {
  // A pixel is set when its window holds more than `need - 1` set pixels: any (dilate) or all (erode).
  const need = dilate ? 1 : 2 * r + 1;
  const tmp = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    let count = 0;
    for (let x = 0; x < r && x < w; x++) count += mask[row + x]!;
    for (let x = 0; x < w; x++) {
      if (x + r < w) count += mask[row + x + r]!;
      if (x > r) count -= mask[row + x - r - 1]!;
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
    for (let x = 0; x < w; x++) {
      let c = counts[x]!;
      if (add >= 0) c += tmp[add + x]!;
      if (sub >= 0) c -= tmp[sub + x]!;
      counts[x] = c;
      out[row + x] = c >= need ? 1 : 0;
    }
  }
  return out;
}

/**
 * Clear straight thin lines (frame edges, scale bars): pixels in a horizontal run at least
 * `minLength` long that are at most `maxThickness` thick vertically, and the same transposed. Where
 * a frame touches the head the pixels are thick (line + head) and stay, so the head is not cut.
 */
function removeThinLines(mask: Uint8Array, w: number, h: number, maxThickness: number, minFraction: number): Uint8Array {
  const hRun = new Uint16Array(w * h);
  const vRun = new Uint16Array(w * h);
  for (let y = 0; y < h; y++) {
    let x = 0;
    while (x < w) {
      if (!mask[y * w + x]) {
        x++;
        continue;
      }
      let end = x;
      while (end < w && mask[y * w + end]) end++;
      hRun.fill(end - x, y * w + x, y * w + end);
      x = end;
    }
  }
  for (let x = 0; x < w; x++) {
    let y = 0;
    while (y < h) {
      if (!mask[y * w + x]) {
        y++;
        continue;
      }
      let end = y;
      while (end < h && mask[end * w + x]) end++;
      for (let k = y; k < end; k++) vRun[k * w + x] = end - y;
      y = end;
    }
  }
  const out = mask.slice();
  const minH = minFraction * w;
  const minV = minFraction * h;
  for (let i = 0; i < out.length; i++) {
    if (!out[i]) continue;
    if ((hRun[i]! >= minH && vRun[i]! <= maxThickness) || (vRun[i]! >= minV && hRun[i]! <= maxThickness)) out[i] = 0;
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
  const pass = (along: number, across: number, at: (i: number, j: number) => number): void => {
    const minRun = 0.3 * along;
    // longCover[j]: fraction of line j in runs at least 30% of its length; anyCover[j]: fraction set.
    const longCover = new Float64Array(across);
    const anyCover = new Float64Array(across);
    for (let j = 0; j < across; j++) {
      let run = 0;
      let long = 0;
      let any = 0;
      for (let i = 0; i <= along; i++) {
        if (i < along && mask[at(i, j)]) {
          run++;
          any++;
        } else {
          if (run >= minRun) long += run;
          run = 0;
        }
      }
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
          let start = 0;
          for (let i = 0; i <= along; i++) {
            if (i < along && mask[at(i, k)]) continue;
            if (i - start >= minRun) for (let q = start; q < i; q++) out[at(q, k)] = 0;
            start = i + 1;
          }
        }
      }
      j = end;
    }
  };
  pass(w, h, (i, j) => j * w + i);
  pass(h, w, (i, j) => i * w + j);
  return out;
}

interface Component {
  label: number;
  area: number;
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** 4-connected components of a 0/1 mask: a label per pixel (0 = background) and each component's area and box. */
function components(mask: Uint8Array, w: number, h: number): { labels: Int32Array; found: Component[] } {
  const labels = new Int32Array(w * h);
  const stack = new Int32Array(w * h);
  const found: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const c: Component = { label: found.length + 1, area: 0, minX: w, minY: h, maxX: -1, maxY: -1 };
    let top = 0;
    stack[top++] = start;
    labels[start] = c.label;
    while (top > 0) {
      const p = stack[--top]!;
      const x = p % w;
      const y = (p - x) / w;
      c.area++;
      if (x < c.minX) c.minX = x;
      if (x > c.maxX) c.maxX = x;
      if (y < c.minY) c.minY = y;
      if (y > c.maxY) c.maxY = y;
      const label = c.label;
      if (x > 0 && mask[p - 1] && !labels[p - 1]) {
        labels[p - 1] = label;
        stack[top++] = p - 1;
      }
      if (x < w - 1 && mask[p + 1] && !labels[p + 1]) {
        labels[p + 1] = label;
        stack[top++] = p + 1;
      }
      if (y > 0 && mask[p - w] && !labels[p - w]) {
        labels[p - w] = label;
        stack[top++] = p - w;
      }
      if (y < h - 1 && mask[p + w] && !labels[p + w]) {
        labels[p + w] = label;
        stack[top++] = p + w;
      }
    }
    found.push(c);
  }
  return { labels, found };
}

/** Pixels of the background (mask 0) connected to the image edge. */
function borderConnectedArea(mask: Uint8Array, w: number, h: number): number {
  const seen = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let top = 0;
  const seedAt = (p: number): void => {
    if (!mask[p] && !seen[p]) {
      seen[p] = 1;
      stack[top++] = p;
    }
  };
  for (let x = 0; x < w; x++) {
    seedAt(x);
    seedAt((h - 1) * w + x);
  }
  for (let y = 0; y < h; y++) {
    seedAt(y * w);
    seedAt(y * w + w - 1);
  }
  let area = 0;
  while (top > 0) {
    const p = stack[--top]!;
    area++;
    const x = p % w;
    if (x > 0) seedAt(p - 1);
    if (x < w - 1) seedAt(p + 1);
    if (p >= w) seedAt(p - w);
    if (p < (h - 1) * w) seedAt(p + w);
  }
  return area;
}

/** Per component: the area enclosed row by row (leftmost to rightmost pixel of each row). A skull ring encloses the whole head. */
function enclosedAreas(labels: Int32Array, count: number, w: number, h: number): Float64Array {
  const enclosed = new Float64Array(count + 1);
  const rowMin = new Int32Array(count + 1);
  const rowMax = new Int32Array(count + 1);
  const touched: number[] = [];
  for (let y = 0; y < h; y++) {
    rowMin.fill(w);
    rowMax.fill(-1);
    touched.length = 0;
    for (let x = 0; x < w; x++) {
      const l = labels[y * w + x]!;
      if (l === 0) continue;
      if (rowMax[l] === -1) touched.push(l);
      if (x < rowMin[l]!) rowMin[l] = x;
      rowMax[l] = x;
    }
    for (const l of touched) enclosed[l]! += rowMax[l]! - rowMin[l]! + 1;
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
  /** 1 inside the convex hull of the head grown by the margin, on the working copy; null when no head was found. */
  region: Uint8Array | null;
}

/** Convex hull (Andrew's monotone chain) of the head pixels, filled, then grown by r: what "near the head" means for masking. */
function headRegion(head: Uint8Array, w: number, h: number, r: number, blocked: Uint8Array): Uint8Array {
  // The leftmost and rightmost pixel (corners included) of each row are enough to define the hull.
  const pts: [number, number][] = [];
  for (let y = 0; y < h; y++) {
    let lo = -1;
    let hi = -1;
    for (let x = 0; x < w; x++) {
      if (head[y * w + x]) {
        if (lo < 0) lo = x;
        hi = x;
      }
    }
    if (lo >= 0) pts.push([lo, y], [lo, y + 1], [hi + 1, y], [hi + 1, y + 1]);
  }
  pts.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const cross = (o: [number, number], a: [number, number], b: [number, number]): number =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: [number, number][] = [];
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  const hull = lower.slice(0, -1).concat(upper.slice(0, -1));
  // Fill: a pixel is inside when its centre lies between the hull's crossings of that row's centre line.
  const region = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    const cy = y + 0.5;
    let xMin = Infinity;
    let xMax = -Infinity;
    for (let i = 0; i < hull.length; i++) {
      const a = hull[i]!;
      const b = hull[(i + 1) % hull.length]!;
      if ((a[1] <= cy && b[1] >= cy) || (b[1] <= cy && a[1] >= cy)) {
        const x = a[1] === b[1] ? a[0] : a[0] + ((cy - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
        const x2 = a[1] === b[1] ? b[0] : x;
        xMin = Math.min(xMin, x, x2);
        xMax = Math.max(xMax, x, x2);
      }
    }
    const from = Math.max(0, Math.ceil(xMin - 0.5));
    const to = Math.min(w - 1, Math.floor(xMax - 0.5));
    if (from <= to) region.fill(1, y * w + from, y * w + to + 1);
  }
  if (r <= 0) return region;
  // Grow by the margin, but not onto frame lines we removed (pieces of a frame just beside the head).
  const grown = morph(region, w, h, r, true);
  for (let i = 0; i < grown.length; i++) if (blocked[i] && !region[i]) grown[i] = 0;
  return grown;
}

/**
 * The selected components, grown through connected pixels brighter than `low` (hysteresis), never
 * onto `blocked` pixels (removed frame lines). Updates `box` (working coordinates) to the grown extent.
 */
function growHead(
  labels: Int32Array,
  selected: Uint8Array,
  data: Uint8Array,
  low: number,
  blocked: Uint8Array,
  w: number,
  h: number,
  box: { minX: number; minY: number; maxX: number; maxY: number },
): Uint8Array {
  const head = new Uint8Array(w * h);
  const stack = new Int32Array(w * h);
  let top = 0;
  for (let p = 0; p < head.length; p++) {
    if (selected[labels[p]!]) {
      head[p] = 1;
      stack[top++] = p;
    }
  }
  while (top > 0) {
    const p = stack[--top]!;
    const x = p % w;
    const y = (p - x) / w;
    if (x < box.minX) box.minX = x;
    if (x > box.maxX) box.maxX = x;
    if (y < box.minY) box.minY = y;
    if (y > box.maxY) box.maxY = y;
    const visit = (q: number): void => {
      if (!head[q] && data[q]! > low && !blocked[q]) {
        head[q] = 1;
        stack[top++] = q;
      }
    };
    if (x > 0) visit(p - 1);
    if (x < w - 1) visit(p + 1);
    if (y > 0) visit(p - w);
    if (y < h - 1) visit(p + w);
  }
  return head;
}

function analyseHead(img: GreyImage, options: BrainCropOptions): HeadAnalysis {
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
  const removedLines = new Uint8Array(w * h);
  for (let i = 0; i < removedLines.length; i++) removedLines[i] = thresholded[i]! & (mask[i]! ^ 1);
  const r = options.openRadius ?? 1;
  if (r > 0 && side > 4 * r + 2) mask = morph(morph(mask, w, h, r, false), w, h, r, true);

  const { labels, found } = components(mask, w, h);
  const enclosed = enclosedAreas(labels, found.length, w, h);
  // No dark surround reachable from the edges (the head fills the picture, or it sits on a white
  // page): there is nothing to crop away, and masking could only hurt.
  if (borderConnectedArea(mask, w, h) < 0.08 * w * h) return { box: whole, factor, w, region: null };

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

  // Removed frame lines, widened by a pixel for the blur: neither grown into nor kept by the mask.
  const blocked = morph(removedLines, w, h, 1, true);
  const head = growHead(labels, selected, data, lowThreshold, blocked, w, h, best);

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
  return { box, factor, w, region: headRegion(head, w, h, Math.ceil(margin / factor), blocked) };
}

/** Bounding box (original pixel coordinates) of the head plus a small margin; the whole image if no head is found. */
export function findBrainBox(img: GreyImage, options: BrainCropOptions = {}): PixelBox {
  return analyseHead(img, options).box;
}

/**
 * Crop to the head and centre it on a black square (so resizing keeps its aspect ratio). Unless
 * `maskOutside` is false, pixels away from the head (text or frame pieces that fall inside the box,
 * e.g. an orientation letter in a corner) are also set to black.
 */
export function cropToBrain(img: GreyImage, options: BrainCropOptions = {}): GreyImage {
  const head = analyseHead(img, options);
  const cropped = cropGreyImage(img, head.box);
  const { region, factor, w } = head;
  if (region && options.maskOutside !== false) {
    const { x: bx, y: by, width: bw, height: bh } = head.box;
    for (let y = 0; y < bh; y++) {
      const regionRow = Math.floor((by + y) / factor) * w;
      for (let x = 0; x < bw; x++) {
        if (!region[regionRow + Math.floor((bx + x) / factor)]) cropped.data[y * bw + x] = 0;
      }
    }
  }
  return padToSquare(cropped);
}
