// The experiment's `data:` block after validation and defaulting: where the images are and how they
// are read. The dataset scan takes it; a stage sees its preprocessing through the DatasetIndex.

export interface PreprocessConfig {
  /** Stretch intensities to the full 0..255 range (1st..99th percentile). */
  normalize: boolean;
  /** Contrast-limited adaptive histogram equalisation. */
  clahe: boolean;
  /** Crop to the brain (largest bright component), dropping frames and burned-in text near borders. */
  crop: 'brain' | 'none';
  /** Square side in pixels after resizing. */
  imageSize: number;
}

export interface DataConfig {
  /** Absolute (resolved relative to the YAML file). */
  root: string;
  labelled: { dir: string; classes: Record<string, number> };
  /** `labelsFile` (absolute): the unlabelled images' true classes, for benchmarking only. */
  unlabelled?: { dir: string; labelsFile?: string };
  onBadFile: 'skip' | 'fail';
  /** Images narrower or lower than this many pixels are bad files ('too-small'); default 32. */
  minSize?: number;
  duplicates: DuplicatesConfig;
  preprocess: PreprocessConfig;
}

export interface DuplicatesConfig {
  /** Largest pHash Hamming distance (bits of 64) that counts as a near-duplicate. */
  threshold: number;
  /**
   * A near-duplicate group holding labelled images of two classes: 'error' (the default) stops the
   * scan with the files listed; 'warn' logs them and goes on.
   */
  crossClass?: 'error' | 'warn';
}

/** data.minSize's default, in pixels. */
export const DEFAULT_MIN_SIZE = 32;
