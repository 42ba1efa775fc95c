// Step 2: the 64-bit dHash of every collected image, with core's computeDhash, the hash the dataset scan
// groups near-duplicates by, so the split made here is the one the runner will check. An image that
// does not decode (sharp's failOn 'warning', as the scan) is left out: the scan would skip it anyway.

import { computeDhash } from '@neuro-ssl/core/data';

export interface HashOutcome<T> {
  hashed: (T & { dhash: string })[];
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
  const results: (string | { reason: string })[] = new Array(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < items.length; i = next++) {
      options.signal?.throwIfAborted();
      const item = items[i] as T;
      try {
        results[i] = await computeDhash(item.file);
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
    if (typeof r === 'string') outcome.hashed.push({ ...item, dhash: r });
    else outcome.unreadable.push({ item, reason: r?.reason ?? 'not hashed' });
  });
  return outcome;
}
