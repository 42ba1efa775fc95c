// Step 2: the perceptual hashes of every collected image, with core's computeImageHashes — the
// hashes the dataset scan groups near-duplicates by, so the split made here is the one the runner will
// check. An image that does not decode is left out: the scan would skip it anyway.

import { computeImageHashes } from '@neuro-ssl/core/data';

export interface HashOutcome<T> {
  hashed: (T & { phash: string; dhash: string })[];
  unreadable: { item: T; reason: string }[];
}

export interface HashOptions {
  /** Images decoded at once (default 4; sharp adds its own threads). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called after each image with the number done. */
  onProgress?: (done: number) => void;
}

export async function hashImages<T extends { file: string }>(items: readonly T[], options: HashOptions = {}): Promise<HashOutcome<T>> {
  const results: ({ phash: string; dhash: string } | { reason: string })[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      options.signal?.throwIfAborted();
      const item = items[i] as T;
      try {
        const { phash, dhash } = await computeImageHashes(item.file);
        results[i] = { phash, dhash };
      } catch (err) {
        results[i] = { reason: err instanceof Error ? err.message : String(err) };
      }
      options.onProgress?.(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, items.length)) }, worker));
  const outcome: HashOutcome<T> = { hashed: [], unreadable: [] };
  items.forEach((item, i) => {
    const r = results[i];
    if (r && 'phash' in r) outcome.hashed.push({ ...item, phash: r.phash, dhash: r.dhash });
    else outcome.unreadable.push({ item, reason: r?.reason ?? 'not hashed' });
  });
  return outcome;
}
