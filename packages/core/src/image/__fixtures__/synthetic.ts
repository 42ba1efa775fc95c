// Synthetic test images: a head-like ellipse with the clutter real exports carry (frames, text).

import { createGreyImage, type GreyImage, type PixelBox } from '../grey-image.js';

export function fillRect(img: GreyImage, box: PixelBox, value: number): void {
  for (let y = Math.max(0, box.y); y < Math.min(img.height, box.y + box.height); y++) {
    for (let x = Math.max(0, box.x); x < Math.min(img.width, box.x + box.width); x++) img.data[y * img.width + x] = value;
  }
}

/** Rectangle outline of the given thickness (a "white frame"). */
export function drawFrame(img: GreyImage, box: PixelBox, thickness: number, value = 255): void {
  fillRect(img, { x: box.x, y: box.y, width: box.width, height: thickness }, value);
  fillRect(img, { x: box.x, y: box.y + box.height - thickness, width: box.width, height: thickness }, value);
  fillRect(img, { x: box.x, y: box.y, width: thickness, height: box.height }, value);
  fillRect(img, { x: box.x + box.width - thickness, y: box.y, width: thickness, height: box.height }, value);
}

export interface Head {
  cx: number;
  cy: number;
  rx: number;
  ry: number;
}

/** Bounding box of the head ellipse (pixels whose centre is inside). */
export function headBox(h: Head): PixelBox {
  return { x: Math.ceil(h.cx - h.rx), y: Math.ceil(h.cy - h.ry), width: Math.floor(2 * h.rx) + 1, height: Math.floor(2 * h.ry) + 1 };
}

/** A bright skull ring, grey brain with a darker pair of "ventricles" and some texture. */
export function drawHead(img: GreyImage, h: Head): void {
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      const d = ((x - h.cx) / h.rx) ** 2 + ((y - h.cy) / h.ry) ** 2;
      if (d > 1) continue;
      let v = d > 0.85 ? 220 : 110 + ((x * 7 + y * 13) % 23);
      const vx = Math.abs(x - h.cx) / (0.12 * h.rx);
      const vy = (y - h.cy) / (0.3 * h.ry);
      if (d <= 0.85 && vx > 0.4 && vx < 1 && Math.abs(vy) < 1) v = 40;
      img.data[y * img.width + x] = v;
    }
  }
}

/** A block of bright "letters" (bars with gaps), like burned-in "W 953 L 437". */
export function drawText(img: GreyImage, x: number, y: number, letters: number, size: number): PixelBox {
  const stroke = Math.max(1, Math.round(size / 5));
  for (let i = 0; i < letters; i++) {
    const lx = x + i * Math.round(size * 0.8);
    fillRect(img, { x: lx, y, width: stroke, height: size }, 250);
    fillRect(img, { x: lx, y, width: Math.round(size / 2), height: stroke }, 250);
    fillRect(img, { x: lx, y: y + Math.round(size / 2), width: Math.round(size / 2), height: stroke }, 250);
  }
  return { x, y, width: (letters - 1) * Math.round(size * 0.8) + Math.round(size / 2), height: size };
}

export function contains(outer: PixelBox, inner: PixelBox): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

export function intersects(a: PixelBox, b: PixelBox): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** A typical cluttered export: head, white frame inset from the border, text in a corner. */
export function clutteredScan(width = 300, height = 340, background = 0): { img: GreyImage; head: Head; frame: PixelBox; text: PixelBox } {
  const img = createGreyImage(width, height, background);
  const head: Head = { cx: width / 2, cy: height / 2 + 4, rx: width * 0.36, ry: height * 0.38 };
  drawHead(img, head);
  const frame = { x: 3, y: 3, width: width - 6, height: height - 6 };
  drawFrame(img, frame, 3);
  const text = drawText(img, 10, height - 26, 5, 14);
  return { img, head, frame, text };
}

/** Deterministic pseudo-random pixels (for tests that need texture). */
export function noiseImage(width: number, height: number, seed = 1): GreyImage {
  const img = createGreyImage(width, height);
  let s = seed >>> 0;
  for (let i = 0; i < img.data.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    img.data[i] = s >>> 24;
  }
  return img;
}
