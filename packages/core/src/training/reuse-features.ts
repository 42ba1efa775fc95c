// The extract stage's features are the probe's clean features when both come from the same frozen
// backbone (architecture, width, input size, weights) on the same preprocessing and normalisation:
// the probe then takes them as they are instead of running the backbone over the images again.

import type { FeatureTable } from '../artifacts/kinds.js';
import { stableStringify } from '../util/stable-json.js';
import type { ClassifierMeta } from './classifier-artifact.js';

export type ReusableFeatures =
  | { rows: Map<string, Float32Array>; engine: string }
  /** Why the table does not hold this classifier's frozen features (one line, for the log). */
  | { reason: string };

/**
 * The table's rows by image id when they are the features of `backbone` — the same architecture,
 * width, input size, weights (by sha256), preprocessing and normalisation. The caller vouches that its
 * backbone still holds those pretrained weights (a probe's; not a partial or finetuned one).
 */
export function reusableFeatures(table: FeatureTable, meta: Pick<ClassifierMeta, 'spec' | 'weights' | 'preprocess' | 'normalization'>): ReusableFeatures {
  // Random weights (no sha256) are the same twice only with the same seed: do not guess.
  if (meta.weights?.sha256 == null) return { reason: 'the backbone has no pretrained weights file (random initialisation)' };
  const t = table.meta;
  const tableWeights = (t.weights ?? null) as { sha256?: string | null } | null;
  const differences: [string, unknown, unknown][] = [
    ['backbone', t.backbone, meta.spec.backbone],
    ['width', t.width, meta.spec.width],
    ['imageSize', t.imageSize, meta.spec.imageSize],
    ['weights sha256', tableWeights?.sha256 ?? null, meta.weights?.sha256 ?? null],
    ['normalisation', t.normalization, meta.normalization.name],
    ['preprocess', stableStringify(t.preprocess ?? null), stableStringify(meta.preprocess)],
  ];
  const differs = differences.filter(([, a, b]) => a !== b);
  if (differs.length) return { reason: `not the same backbone and input: ${differs.map(([what, a, b]) => `${what} ${String(a)} ≠ ${String(b)}`).join(', ')}` };
  const rows = new Map<string, Float32Array>();
  table.ids.forEach((id, i) => rows.set(id, table.values.subarray(i * table.dim, (i + 1) * table.dim)));
  return { rows, engine: typeof t.inference === 'string' ? t.inference : 'unknown engine' };
}
