import { describe, expect, it } from 'vitest';
import { clutteredScan, contains, drawFrame, drawHead, drawText, headBox, intersects, type Head } from './__fixtures__/synthetic.js';
import { cropToBrain, findBrainBox, otsuThreshold } from './brain-crop.js';
import { createGreyImage, cropGreyImage, padToSquare, type GreyImage, type PixelBox } from './grey-image.js';

function frameBars(frame: PixelBox, t: number): PixelBox[] {
  return [
    { x: frame.x, y: frame.y, width: frame.width, height: t },
    { x: frame.x, y: frame.y + frame.height - t, width: frame.width, height: t },
    { x: frame.x, y: frame.y, width: t, height: frame.height },
    { x: frame.x + frame.width - t, y: frame.y, width: t, height: frame.height },
  ];
}

function maxIn(img: GreyImage, box: PixelBox): number {
  let m = 0;
  for (let y = box.y; y < box.y + box.height; y++) for (let x = box.x; x < box.x + box.width; x++) m = Math.max(m, img.data[y * img.width + x]!);
  return m;
}

describe('otsuThreshold', () => {
  it('splits a two-level histogram between the levels', () => {
    const hist = new Uint32Array(256);
    hist[20] = 500;
    hist[200] = 300;
    const t = otsuThreshold(hist);
    expect(t).toBeGreaterThanOrEqual(20);
    expect(t).toBeLessThan(200);
  });
});

describe('findBrainBox', () => {
  it('contains the head and excludes a white frame and a text block', () => {
    const { img, head, frame, text } = clutteredScan();
    const box = findBrainBox(img);
    expect(contains(box, headBox(head))).toBe(true);
    expect(intersects(box, text)).toBe(false);
    for (const bar of frameBars(frame, 3)) expect(intersects(box, bar)).toBe(false);
    // Tight: only a small margin around the head.
    expect(box.width).toBeLessThan(headBox(head).width * 1.12);
    expect(box.height).toBeLessThan(headBox(head).height * 1.12);
  });

  it('drops a frame that touches the head', () => {
    const img = createGreyImage(260, 300);
    const head: Head = { cx: 130, cy: 150, rx: 100, ry: 125 };
    drawHead(img, head);
    // Frame edges 2 px from the head at left and top, far at right and bottom.
    const frame = { x: 26, y: 21, width: 230, height: 276 };
    drawFrame(img, frame, 4);
    const box = findBrainBox(img);
    expect(contains(box, headBox(head))).toBe(true);
    const [, bottom, , right] = frameBars(frame, 4);
    expect(intersects(box, bottom!)).toBe(false);
    expect(intersects(box, right!)).toBe(false);
    // The touching edges can sit inside the margin, but cropToBrain blacks them out.
    const crop = cropToBrain(img, { maskOutside: true });
    expect(crop.width).toBe(crop.height);
    const ring = countBright(crop, 250);
    expect(ring).toBe(0);
  });

  it('works on a large image (working copy shrunk) with a grey background', () => {
    const { img, head, frame, text } = clutteredScan(1200, 1000, 35);
    const box = findBrainBox(img);
    expect(contains(box, headBox(head))).toBe(true);
    expect(intersects(box, text)).toBe(false);
    for (const bar of frameBars(frame, 3)) expect(intersects(box, bar)).toBe(false);
  });

  it('ignores a thin frame on the image border', () => {
    const img = createGreyImage(200, 240);
    const head: Head = { cx: 100, cy: 120, rx: 60, ry: 80 };
    drawHead(img, head);
    drawFrame(img, { x: 0, y: 0, width: 200, height: 240 }, 2);
    const box = findBrainBox(img);
    expect(contains(box, headBox(head))).toBe(true);
    expect(box.x).toBeGreaterThan(10);
    expect(box.y).toBeGreaterThan(10);
  });

  it('returns the whole image when nothing head-like is there', () => {
    expect(findBrainBox(createGreyImage(50, 40))).toEqual({ x: 0, y: 0, width: 50, height: 40 });
    expect(findBrainBox(createGreyImage(50, 40, 200))).toEqual({ x: 0, y: 0, width: 50, height: 40 });
  });
});

function countBright(img: GreyImage, min: number): number {
  let n = 0;
  for (const v of img.data) if (v >= min) n++;
  return n;
}

describe('cropToBrain', () => {
  it('returns a square with the head and blacks out a letter inside the box corner', () => {
    const img = createGreyImage(240, 240);
    const head: Head = { cx: 120, cy: 120, rx: 100, ry: 110 };
    drawHead(img, head);
    // An orientation letter in the top-left corner: inside the head's bounding box, outside the head.
    const letter = drawText(img, 28, 22, 1, 14);
    expect(maxIn(img, letter)).toBe(250);
    const box = findBrainBox(img);
    expect(contains(box, letter)).toBe(true);
    const crop = cropToBrain(img);
    expect(crop.width).toBe(crop.height);
    const shifted = { x: letter.x - box.x + Math.floor((crop.width - box.width) / 2), y: letter.y - box.y + Math.floor((crop.height - box.height) / 2), width: letter.width, height: letter.height };
    expect(maxIn(crop, shifted)).toBe(0);
    // Without masking the letter stays.
    const unmasked = cropToBrain(img, { maskOutside: false });
    expect(maxIn(unmasked, shifted)).toBe(250);
  });

  it('places the box as padToSquare(cropGreyImage(img, box)) would, and only blacks pixels out', () => {
    // Working copies shrunk by 1, 2 and 5; the first and last boxes are padded by an odd amount.
    for (const { img } of [clutteredScan(201, 240), clutteredScan(250, 500), clutteredScan(1200, 1000, 35)]) {
      const expected = padToSquare(cropGreyImage(img, findBrainBox(img)));
      const plain = cropToBrain(img, { maskOutside: false });
      const masked = cropToBrain(img);
      for (const crop of [plain, masked]) expect([crop.width, crop.height]).toEqual([expected.width, expected.height]);
      let differing = 0;
      let notBlack = 0;
      for (let i = 0; i < expected.data.length; i++) {
        if (plain.data[i] !== expected.data[i]) differing++;
        if (masked.data[i] !== expected.data[i] && masked.data[i] !== 0) notBlack++;
      }
      expect(differing).toBe(0);
      expect(notBlack).toBe(0);
    }
  });

  it('keeps the head pixels untouched', () => {
    const { img, head } = clutteredScan();
    const box = findBrainBox(img);
    const crop = cropToBrain(img);
    const ox = Math.floor((crop.width - box.width) / 2) - box.x;
    const oy = Math.floor((crop.height - box.height) / 2) - box.y;
    const hb = headBox(head);
    let differing = 0;
    for (let y = hb.y; y < hb.y + hb.height; y++) {
      for (let x = hb.x; x < hb.x + hb.width; x++) {
        if (((x - head.cx) / head.rx) ** 2 + ((y - head.cy) / head.ry) ** 2 > 1) continue;
        if (crop.data[(y + oy) * crop.width + x + ox] !== img.data[y * img.width + x]) differing++;
      }
    }
    expect(differing).toBe(0);
  });
});
