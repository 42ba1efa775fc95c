// A decoded greyscale image: the one in-memory pixel format the whole image pipeline works on.
// One byte per pixel, row-major, no padding, so every step can index data[y * width + x].

export interface GreyImage {
  width: number;
  height: number;
  /** width * height bytes, row-major. */
  data: Uint8Array;
}

/** An axis-aligned rectangle in pixel coordinates (x, y of the top-left pixel; inclusive of it). */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function createGreyImage(width: number, height: number, fill = 0): GreyImage {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  const data = new Uint8Array(width * height);
  if (fill !== 0) data.fill(fill);
  return { width, height, data };
}

/** Throws when `data` does not hold exactly width*height bytes (catches channel-count mix-ups early). */
export function assertGreyImage(img: GreyImage): void {
  if (!Number.isInteger(img.width) || !Number.isInteger(img.height) || img.width < 1 || img.height < 1) {
    throw new RangeError(`image size must be positive integers, got ${img.width}x${img.height}`);
  }
  if (img.data.length !== img.width * img.height) {
    throw new RangeError(`image data has ${img.data.length} bytes, expected ${img.width}x${img.height}=${img.width * img.height}`);
  }
}

export function cloneGreyImage(img: GreyImage): GreyImage {
  return { width: img.width, height: img.height, data: img.data.slice() };
}

/** Copy of the pixels inside `box` (which must lie inside the image). */
export function cropGreyImage(img: GreyImage, box: PixelBox): GreyImage {
  const { x, y, width, height } = box;
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > img.width || y + height > img.height) {
    throw new RangeError(`crop box ${JSON.stringify(box)} is outside the ${img.width}x${img.height} image`);
  }
  const out = createGreyImage(width, height);
  for (let row = 0; row < height; row++) {
    const start = (y + row) * img.width + x;
    out.data.set(img.data.subarray(start, start + width), row * width);
  }
  return out;
}

/** Centre the image on a square canvas of `fill` (black by default) so later resizing keeps the aspect ratio. */
export function padToSquare(img: GreyImage, fill = 0): GreyImage {
  if (img.width === img.height) return img;
  const side = Math.max(img.width, img.height);
  const out = createGreyImage(side, side, fill);
  const left = Math.floor((side - img.width) / 2);
  const top = Math.floor((side - img.height) / 2);
  for (let row = 0; row < img.height; row++) {
    out.data.set(img.data.subarray(row * img.width, (row + 1) * img.width), (top + row) * side + left);
  }
  return out;
}

/** 256-bin histogram of the pixel values. */
export function histogram(img: GreyImage): Uint32Array {
  const hist = new Uint32Array(256);
  const { data } = img;
  for (let i = 0; i < data.length; i++) hist[data[i]!]!++;
  return hist;
}

/** Mean pixel value (0..255). */
export function meanValue(img: GreyImage): number {
  let sum = 0;
  const { data } = img;
  for (let i = 0; i < data.length; i++) sum += data[i]!;
  return sum / data.length;
}
