// Downloads weights from their canonical location into the weights cache: streamed to a temp file
// beside the target, checked against the expected sha256, then renamed into place.

import { createHash } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ProgressFactory } from '../progress/progress.js';
import { tempPathFor } from '../util/atomic.js';

export interface DownloadOptions {
  /** Expected sha256 (hex); a mismatch deletes the download and throws. */
  sha256?: string;
  progress?: ProgressFactory;
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
}

/** Downloads `url` to `target` atomically; returns the sha256 of what was written. */
export async function downloadFile(url: string, target: string, options: DownloadOptions = {}): Promise<string> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const response = await fetchImpl(url, options.signal ? { signal: options.signal } : {});
  if (!response.ok || !response.body) throw new Error(`GET ${url}: HTTP ${response.status} ${response.statusText}`);
  const total = Number(response.headers.get('content-length')) || undefined;
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = tempPathFor(target);
  const hash = createHash('sha256');
  const bar = options.progress?.({ label: `download ${path.basename(target)}`, ...(total ? { total } : {}), unit: 'B' });
  const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bar?.tick(chunk.length);
  });
  try {
    await pipeline(body, createWriteStream(tmp));
    bar?.done();
    const digest = hash.digest('hex');
    if (options.sha256 && digest !== options.sha256.toLowerCase()) {
      throw new Error(`checksum mismatch for ${url}: expected sha256 ${options.sha256}, got ${digest}; the download was discarded`);
    }
    await fs.rename(tmp, target);
    return digest;
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Downloads a TF.js layers-model folder (model.json + the shards its weightsManifest names) to
 * `targetDir`, atomically as a folder.
 */
export async function downloadTfjsFolder(modelJsonUrl: string, targetDir: string, options: DownloadOptions = {}): Promise<string> {
  const staging = `${targetDir}.${process.pid}.download`;
  await fs.rm(staging, { recursive: true, force: true });
  await fs.mkdir(staging, { recursive: true });
  try {
    const digest = await downloadFile(modelJsonUrl, path.join(staging, 'model.json'), options);
    const manifest = JSON.parse(await fs.readFile(path.join(staging, 'model.json'), 'utf8')) as { weightsManifest?: { paths: string[] }[] };
    for (const group of manifest.weightsManifest ?? []) {
      for (const shard of group.paths) {
        if (shard.includes('..') || path.isAbsolute(shard)) throw new Error(`refusing shard path ${shard} in ${modelJsonUrl}`);
        const { sha256: _ignored, ...rest } = options;
        await downloadFile(new URL(shard, modelJsonUrl).href, path.join(staging, shard), rest);
      }
    }
    await fs.rename(staging, targetDir);
    return digest;
  } finally {
    await fs.rm(staging, { recursive: true, force: true });
  }
}
