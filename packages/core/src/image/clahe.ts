// Contrast-limited adaptive histogram equalisation (CLAHE), as in Zuiderveld (1994) / OpenCV:
// equalise each tile of a grid with a clipped histogram (the clip stops noise in flat regions
// from being blown up), then blend the four nearest tile mappings bilinearly so no tile seams show.

import { createGreyImage, type GreyImage } from './grey-image.js';

export interface ClaheOptions {
  /** Tiles across. Default 8. */
  tilesX?: number;
  /** Tiles down. Default 8. */
  tilesY?: number;
  /** Histogram bins are clipped at clipLimit * (tile pixels / 256), OpenCV's convention. Default 2.0. */
  clipLimit?: number;
}

/** Tile boundaries along one axis: tile i covers [edges[i], edges[i+1]). */
function tileEdges(size: number, tiles: number): Int32Array {
  const edges = new Int32Array(tiles + 1);
  for (let i = 0; i <= tiles; i++) edges[i] = Math.floor((i * size) / tiles);
  return edges;
}

/** For every coordinate along one axis: the two neighbouring tile indices and the weight of the second. */
function interpolationTable(size: number, tiles: number): { lo: Int32Array; hi: Int32Array; w: Float64Array } {
  const lo = new Int32Array(size);
  const hi = new Int32Array(size);
  const w = new Float64Array(size);
  for (let p = 0; p < size; p++) {
    // Position in "tile units", with tile centres at integer values.
    const t = ((p + 0.5) * tiles) / size - 0.5;
    if (t <= 0) {
      lo[p] = 0;
      hi[p] = 0;
      w[p] = 0;
    } else if (t >= tiles - 1) {
      lo[p] = tiles - 1;
      hi[p] = tiles - 1;
      w[p] = 0;
    } else {
      const i = Math.floor(t);
      lo[p] = i;
      hi[p] = i + 1;
      w[p] = t - i;
    }
  }
  return { lo, hi, w };
}

/** Clip a 256-bin histogram at `limit` and spread the excess evenly (remainder one per bin from the start), like OpenCV. */
function clipHistogram(hist: Uint32Array, limit: number): void {
  let excess = 0;
  for (let v = 0; v < 256; v++) {
    const count = hist[v]!;
    if (count > limit) {
      excess += count - limit;
      hist[v] = limit;
    }
  }
  const perBin = Math.floor(excess / 256);
  const residual = excess - perBin * 256;
  for (let v = 0; v < 256; v++) hist[v]! += perBin;
  if (residual > 0) {
    const step = Math.max(1, Math.floor(256 / residual));
    for (let v = 0, left = residual; v < 256 && left > 0; v += step, left--) hist[v]!++;
  }
}

export function clahe(img: GreyImage, options: ClaheOptions = {}): GreyImage {
  const { width, height, data } = img;
  // Never more tiles than pixels along an axis (tiny images).
  const tilesX = Math.max(1, Math.min(options.tilesX ?? 8, width));
  const tilesY = Math.max(1, Math.min(options.tilesY ?? 8, height));
  const clipLimit = options.clipLimit ?? 2.0;
  const xEdges = tileEdges(width, tilesX);
  const yEdges = tileEdges(height, tilesY);

  // One 256-entry lookup table per tile.
  const luts = new Uint8Array(tilesX * tilesY * 256);
  const hist = new Uint32Array(256);
  for (let ty = 0; ty < tilesY; ty++) {
    for (let tx = 0; tx < tilesX; tx++) {
      hist.fill(0);
      const x0 = xEdges[tx]!;
      const x1 = xEdges[tx + 1]!;
      const y0 = yEdges[ty]!;
      const y1 = yEdges[ty + 1]!;
      for (let y = y0; y < y1; y++) {
        const row = y * width;
        for (let x = x0; x < x1; x++) hist[data[row + x]!]!++;
      }
      const area = (x1 - x0) * (y1 - y0);
      if (clipLimit > 0) clipHistogram(hist, Math.max(1, Math.floor((clipLimit * area) / 256)));
      const base = (ty * tilesX + tx) * 256;
      let cdf = 0;
      for (let v = 0; v < 256; v++) {
        cdf += hist[v]!;
        // Multiply first: exact for integer ratios (50 * 255 / 100 is 127.5, 50 * (255 / 100) is not).
        luts[base + v] = Math.min(255, Math.round((cdf * 255) / area));
      }
    }
  }

  const xs = interpolationTable(width, tilesX);
  const ys = interpolationTable(height, tilesY);
  const out = createGreyImage(width, height);
  const dst = out.data;
  for (let y = 0; y < height; y++) {
    const wy = ys.w[y]!;
    const rowLo = ys.lo[y]! * tilesX;
    const rowHi = ys.hi[y]! * tilesX;
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const v = data[row + x]!;
      const wx = xs.w[x]!;
      const cLo = xs.lo[x]!;
      const cHi = xs.hi[x]!;
      const a = luts[(rowLo + cLo) * 256 + v]!;
      const b = luts[(rowLo + cHi) * 256 + v]!;
      const c = luts[(rowHi + cLo) * 256 + v]!;
      const d = luts[(rowHi + cHi) * 256 + v]!;
      const top = a + (b - a) * wx;
      const bottom = c + (d - c) * wx;
      dst[row + x] = Math.round(top + (bottom - top) * wy);
    }
  }
  return out;
}
