// The deterministic part of the pipeline: one decoded image in, one imageSize x imageSize grey image out.
//
// Order: crop (or letterbox) → resize → normalise → CLAHE. Geometry comes first so that
//  - the intensity statistics ignore what the crop throws away (a white frame or text would
//    otherwise claim the 99th percentile and a CLAHE tile of its own), and
//  - normalise and CLAHE always see the same resolution: CLAHE's 8x8 tiles and clip limit then mean
//    the same thing for a 150-px thumbnail and a 1920-px export, and they cost little at 224.

import type { PreprocessConfig } from '../data/data-config.js';
import { cropToBrain } from './brain-crop.js';
import { clahe } from './clahe.js';
import { loadGreyImage } from './decode.js';
import { padToSquare, type GreyImage } from './grey-image.js';
import { normaliseIntensity } from './intensity-normalise.js';
import { resizeGrey } from './resize.js';

export async function preprocessGrey(img: GreyImage, cfg: PreprocessConfig): Promise<GreyImage> {
  const size = cfg.imageSize;
  if (!Number.isInteger(size) || size < 8) throw new RangeError(`preprocess.imageSize must be an integer >= 8, got ${size}`);
  // Both branches pad to a square with black, so the aspect ratio of the head is kept.
  const square = cfg.crop === 'brain' ? cropToBrain(img) : padToSquare(img);
  let out = await resizeGrey(square, size, size);
  if (cfg.normalize) out = normaliseIntensity(out);
  if (cfg.clahe) out = clahe(out);
  return out;
}

/** Decode a file and preprocess it. */
export async function loadPreprocessed(path: string, cfg: PreprocessConfig): Promise<GreyImage> {
  return preprocessGrey(await loadGreyImage(path), cfg);
}
