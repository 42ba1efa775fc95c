// `mode: partial` on a cached frozen trunk: the backbone's frozen part runs once per image and
// augmented view (on ONNX Runtime where available) and the trainable top trains on those activations,
// every epoch, fold and round. The cut can be large (ResNet18's layer4 input: 14×14×256 floats, 200 KB
// a view), so the cache is sized first and refused above a limit: partial then trains on the fly.

import type { LayersModel } from '@tensorflow/tfjs';
import { partialTrunk } from '../models/partial-split.js';
import type { Logger } from '../progress/logger.js';
import type { Tf } from '../tf/types.js';
import { ProbeFeatureCache, type ProbeFeatureOptions } from './probe-features.js';

/** How partial mode gets its frozen part's output: cached per image and view, or recomputed (`off`). */
export type TrunkCacheMode = 'views' | 'off';

export const TRUNK_CACHE_LIMIT_BYTES = 4 * 1024 ** 3;

export interface TrunkCacheOptions extends Omit<ProbeFeatureOptions, 'featureDim' | 'rowShape' | 'logger'> {
  /** Images whose rows the cache may hold, and augmented views per image (plus one clean row each). */
  images: number;
  views: number;
  /** Largest cache accepted (default 4 GiB). */
  limitBytes?: number;
  logger: Logger;
}

/**
 * A ProbeFeatureCache over `backbone`'s partial-mode trunk (sharing its layers: keep `backbone` until
 * the cache is disposed), or null — with a warning — when the rows would exceed the limit.
 */
export function createTrunkCache(tf: Tf, backbone: LayersModel, backboneName: string, options: TrunkCacheOptions): ProbeFeatureCache | null {
  const { images, views, limitBytes = TRUNK_CACHE_LIMIT_BYTES, ...cacheOptions } = options;
  const { trunk, cutShape, firstTrainable } = partialTrunk(tf, backbone, backboneName);
  const dim = cutShape.reduce((a, b) => a * b, 1);
  const bytes = dim * 4 * images * (views + 1);
  const size = `${images} images × (${views} views + clean) × [${cutShape.join('×')}] floats = ${formatBytes(bytes)}`;
  if (bytes > limitBytes) {
    options.logger.warn(`partial mode: caching the frozen trunk's output (before ${firstTrainable}) would take ${size}, over the ${formatBytes(limitBytes)} limit; augmenting whole images on the fly instead`);
    return null;
  }
  options.logger.info(`partial mode: the frozen trunk (up to ${firstTrainable}) runs once per image and view, its output cached (${size}); the top trains on it`);
  return new ProbeFeatureCache(tf, trunk, { ...cacheOptions, featureDim: dim, rowShape: cutShape });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(1)} GiB`;
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}
