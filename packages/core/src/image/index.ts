// @neuro-ssl/core/image — decoding, preprocessing (intensity, CLAHE, brain crop, resize), input
// normalisation, seeded augmentation, prefetching batches, sample grids.
export type { GreyImage, PixelBox } from './grey-image.js';
export { createGreyImage, cropGreyImage, padToSquare } from './grey-image.js';
export { decodeGrey, loadGreyImage } from './decode.js';
export { normaliseIntensity } from './intensity-normalise.js';
export { clahe, type ClaheOptions } from './clahe.js';
export { findBrainBox, cropToBrain, type BrainCropOptions } from './brain-crop.js';
export { resizeGrey } from './resize.js';
export { preprocessGrey, loadPreprocessed } from './preprocess.js';
export { IMAGENET_NORMALIZATION, MINUS_ONE_ONE_NORMALIZATION, toFloatRGB, type Normalization } from './normalization.js';
export { augment, drawAugmentParams, applyAugment, type AugmentLevel, type AugmentParams } from './augment.js';
export {
  DEFAULT_STRONG_AUGMENT,
  RAND_AUGMENT_OPS,
  RAND_AUGMENT_RANGES,
  checkStrongAugmentPolicy,
  drawRandAugment,
  type RandAugmentDraw,
  type RandAugmentOp,
  type StrongAugmentPolicy,
} from './rand-augment.js';
export { imageBatches, type ImageBatch, type ImageBatchItem, type ImageBatchOptions } from './image-batches.js';
export { renderSampleGrid, type SampleGridRow } from './sample-grid.js';
export { renderAugmentGrid, augmentGridSize, type AugmentGridOptions, type AugmentGridRow, type AugmentGridSample, type AugmentGridView } from './augment-grid.js';
