// Downloads an archive to a file: streamed to `<target>.part-<pid>` and renamed into place only when
// complete, so an interrupted or failed download never looks like an archive. Progress goes out as
// plain lines (at most one a second: logs and CI stay readable) with the bytes and the rate.

import { createWriteStream, promises as fs } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { DataFetchError } from './data-fetch-error.js';
import { formatBytes, formatRate } from '../format.js';

export interface DownloadArchiveOptions {
  fetchImpl?: typeof fetch;
  /** Progress lines (default process.stderr). */
  stream?: NodeJS.WritableStream;
  signal?: AbortSignal;
  /** Milliseconds between progress lines (default 1000). */
  progressIntervalMs?: number;
  /** Said after the reason when the download fails: how to get the file by hand. */
  manualHint?: string;
}

export interface DownloadResult {
  bytes: number;
  seconds: number;
}

/** Throws DataFetchError (exit 1) naming the URL and the reason; an abort is rethrown as it is. */
export async function downloadArchive(url: string, target: string, options: DownloadArchiveOptions = {}): Promise<DownloadResult> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const stream = options.stream ?? process.stderr;
  const fail = (reason: string): DataFetchError =>
    new DataFetchError(`cannot download ${url} (${reason})${options.manualHint ? `. ${options.manualHint}` : ''}`, 1);

  let response: Response;
  try {
    response = await fetchImpl(url, { redirect: 'follow', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw fail(networkReason(err));
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel().catch(() => undefined);
    throw fail(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`);
  }

  const total = Number(response.headers.get('content-length')) || undefined;
  const started = Date.now();
  const interval = options.progressIntervalMs ?? 1000;
  let received = 0;
  let lastLine = started;
  const line = (): string =>
    `download ${formatBytes(received)}${total ? ` of ${formatBytes(total)} (${((100 * received) / total).toFixed(0)}%)` : ''}, ` +
    formatRate(received, (Date.now() - started) / 1000);
  stream.write(`download ${url}${total ? ` (${formatBytes(total)})` : ''}\n`);

  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      const now = Date.now();
      if (now - lastLine >= interval) {
        lastLine = now;
        stream.write(`${line()}\n`);
      }
      done(null, chunk);
    },
  });
  const part = `${target}.part-${process.pid}`;
  try {
    const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
    await pipeline(body, counter, createWriteStream(part), options.signal ? { signal: options.signal } : {});
    if (total !== undefined && received !== total) throw fail(`cut short: got ${formatBytes(received)} of ${formatBytes(total)}`);
    await fs.rename(part, target);
  } catch (err) {
    await fs.rm(part, { force: true });
    if (err instanceof DataFetchError || options.signal?.aborted) throw err;
    throw fail(`connection lost after ${formatBytes(received)}: ${networkReason(err)}`);
  }
  const seconds = (Date.now() - started) / 1000;
  stream.write(`downloaded ${formatBytes(received)} in ${seconds.toFixed(1)} s (${formatRate(received, seconds)})\n`);
  return { bytes: received, seconds };
}

/** undici's "fetch failed" says nothing; the reason (ECONNREFUSED, ENOTFOUND…) is in its cause. */
function networkReason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return `${err.message}: ${cause.message || code || cause.name}`;
  }
  return err.message;
}
