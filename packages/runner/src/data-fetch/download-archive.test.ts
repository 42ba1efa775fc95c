import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFetchError } from './data-fetch-error.js';
import { downloadArchive } from './download-archive.js';

const body = Buffer.alloc(3000, 7);
let server: http.Server;
let base: string;
let dir: string;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'download-archive-'));
  server = http.createServer((req, res) => {
    const send = async (withLength: boolean, cutAfter?: number): Promise<void> => {
      res.writeHead(200, withLength ? { 'content-length': String(body.length) } : {});
      for (let i = 0; i < 3; i++) {
        if (cutAfter !== undefined && i === cutAfter) {
          res.socket?.destroy();
          return;
        }
        res.write(body.subarray(i * 1000, (i + 1) * 1000));
        await new Promise((r) => setTimeout(r, 20));
      }
      res.end();
    };
    if (req.url === '/sized.zip') void send(true);
    else if (req.url === '/chunked.zip') void send(false);
    else if (req.url === '/cut.zip') void send(true, 1);
    else {
      res.writeHead(500, 'Internal Server Error');
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

function collector(): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk: Buffer, _e, done) {
        text += chunk.toString();
        done();
      },
    }),
    text: () => text,
  };
}

describe('downloadArchive', () => {
  it('writes the file atomically and reports bytes, percentage and rate', async () => {
    const target = path.join(dir, 'sized.zip');
    const out = collector();
    const result = await downloadArchive(`${base}/sized.zip`, target, { stream: out.stream, progressIntervalMs: 0 });
    expect(result.bytes).toBe(3000);
    expect(await fs.readFile(target)).toEqual(body);
    expect(await fs.readdir(dir)).toEqual(['sized.zip']);
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toBe(`download ${base}/sized.zip (3.0 kB)`);
    expect(lines.some((l) => /^download 2\.0 kB of 3\.0 kB \(67%\), [\d.]+ (B|kB|MB)\/s$/.test(l))).toBe(true);
    expect(lines.at(-1)).toMatch(/^downloaded 3\.0 kB in \d+\.\d s \([\d.]+ (B|kB|MB)\/s\)$/);
  });

  it('without a Content-Length it reports bytes and rate only', async () => {
    const out = collector();
    await downloadArchive(`${base}/chunked.zip`, path.join(dir, 'chunked.zip'), { stream: out.stream, progressIntervalMs: 0 });
    expect(out.text()).toMatch(/^download 1\.0 kB, [\d.]+ (B|kB|MB)\/s$/m);
    expect(out.text()).not.toMatch(/ of /);
  });

  it('a connection cut short fails with the URL and leaves no file (exit 1)', async () => {
    const target = path.join(dir, 'cut.zip');
    const err = await downloadArchive(`${base}/cut.zip`, target, { stream: collector().stream, manualHint: 'Get it by hand.' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFetchError);
    expect((err as DataFetchError).exitCode).toBe(1);
    expect((err as Error).message).toMatch(new RegExp(`^cannot download ${base}/cut\\.zip \\((connection lost after 1\\.0 kB: .+|cut short: got 1\\.0 kB of 3\\.0 kB)\\)\\. Get it by hand\\.$`));
    expect(existsSync(target)).toBe(false);
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('cut.zip'))).toEqual([]);
  });

  it('an HTTP error names the status', async () => {
    await expect(downloadArchive(`${base}/error.zip`, path.join(dir, 'e.zip'), { stream: collector().stream })).rejects.toThrow(
      `cannot download ${base}/error.zip (HTTP 500 Internal Server Error)`,
    );
  });
});
