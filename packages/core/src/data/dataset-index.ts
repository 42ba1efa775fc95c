// The DatasetIndex artifact: what the dataset scan found, one record per readable image.

import type { PreprocessConfig } from './data-config.js';

/** Container format detected from the file's bytes, never from its extension. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'bmp' | 'unknown';

export type Split = 'labelled' | 'unlabelled';

/**
 * The perceptual hashes an image record carries; near-duplicate grouping is by one of them ('phash':
 * pHash within the threshold and dHash within twice it, see findNearDuplicateGroups).
 */
export type DuplicateHash = 'phash' | 'dhash';

export interface ImageRecord {
  /** Stable id: the path relative to `data.root`, with forward slashes. */
  id: string;
  /** Absolute path on disk. */
  path: string;
  split: Split;
  /** Numeric label from `data.labelled.classes`; -1 for unlabelled images. */
  label: number;
  /** Class folder name for labelled images, null for unlabelled. */
  className: string | null;
  format: ImageFormat;
  /** True when the JPEG is progressive (interlaced PNGs too). */
  progressive: boolean;
  width: number;
  height: number;
  /** Channels as stored (1 grey, 2 grey+alpha, 3 RGB, 4 RGBA). */
  channels: number;
  hasAlpha: boolean;
  /** Palette / indexed colour. */
  palette: boolean;
  bytes: number;
  /** SHA-256 of the file bytes (hex). */
  sha256: string;
  /** 64-bit difference hash of the decoded greyscale image, 16 hex digits. */
  dhash: string;
  /** 64-bit DCT perceptual hash of the decoded greyscale image, 16 hex digits (what near-duplicate groups use). */
  phash: string;
  /** Index into DatasetIndex.duplicateGroups, or null when the image has no near-duplicate. */
  duplicateGroup: number | null;
}

/** too-small: narrower or lower than data.minSize pixels (a 1×1 image decodes fine but carries nothing). */
export type BadFileReason = 'empty' | 'not-an-image' | 'truncated' | 'unreadable' | 'too-small';

export interface BadFile {
  path: string;
  id: string;
  split: Split;
  reason: BadFileReason;
  detail: string;
}

export interface DuplicateGroup {
  /** Ids of the images in the group (at least two). */
  members: string[];
  /** Largest pairwise Hamming distance (of the index's duplicateHash) inside the group. */
  maxDistance: number;
  /** The group contains labelled and unlabelled images. */
  spansSplits: boolean;
  /** The group contains labelled images of two or more classes. */
  spansClasses: boolean;
}

export interface DatasetIndex {
  root: string;
  classes: Record<string, number>;
  images: ImageRecord[];
  badFiles: BadFile[];
  duplicateGroups: DuplicateGroup[];
  /** Hamming distance (bits of 64) at or below which two images are near-duplicates. */
  duplicateThreshold: number;
  /** The hash the groups were built on (the scan uses pHash). */
  duplicateHash: DuplicateHash;
  /**
   * How every image is to be read (data.preprocess): part of the index, so that a stage needs no
   * other view of the experiment's data block and a change of preprocessing changes the index's hash.
   */
  preprocess: PreprocessConfig;
}
