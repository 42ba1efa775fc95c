import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackboneDefinition } from '../models/backbone.js';
import { IMAGENET_NORMALIZATION } from '../image/normalization.js';
import { createLogger, type LogLevel } from '../progress/logger.js';
import { MissingWeightsError, resolveWeights, sha256Of, weightsCacheDir } from './weights-cache.js';

/** Minimal safetensors writer (F32 only) for building test files. */
function safetensors(tensors: Record<string, { shape: number[]; data: number[] }>): Buffer {
  let offset = 0;
  const header: Record<string, unknown> = {};
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.length * 4] };
    offset += t.data.length * 4;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const body = Buffer.concat(Object.values(tensors).map((t) => Buffer.from(Float32Array.from(t.data).buffer)));
  return Buffer.concat([len, Buffer.from(json), body]);
}

const file = safetensors({ 'conv.weight': { shape: [2, 1, 1, 1], data: [0.5, -1] }, 'conv.bias': { shape: [2], data: [0, 1] } });
const sha = createHash('sha256').update(file).digest('hex');

function fakeBackbone(url: string | null, sha256?: string): BackboneDefinition {
  return {
    name: 'fakenet',
    description: 'test',
    featureDim: () => 2,
    defaultImageSize: 8,
    normalization: IMAGENET_NORMALIZATION,
    lastStage: [],
    build: () => {
      throw new Error('not used');
    },
    loadWeights: async () => undefined,
    imagenet: { file: 'fakenet.safetensors', format: 'safetensors', url, ...(sha256 ? { sha256 } : {}), description: 'fake weights' },
  };
}

function collectingLogger(): { logger: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: 'debug', sinks: [(l: LogLevel, line: string) => lines.push(`${l} ${line}`)] }), lines };
}

let dir: string;
let server: http.Server;
let base: string;
let hits = 0;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'weights-'));
  server = http.createServer((req, res) => {
    hits++;
    if (req.url === '/fakenet.safetensors') {
      res.writeHead(200, { 'content-length': String(file.length) });
      res.end(file);
    } else if (req.url === '/tfjs/model.json') {
      res.end(JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }] }));
    } else if (req.url === '/tfjs/group1-shard1of1.bin') {
      res.end(Buffer.from([1, 2, 3, 4]));
    } else {
      res.writeHead(404);
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

describe('weightsCacheDir', () => {
  it('honours NEURO_SSL_WEIGHTS_DIR, else ~/.cache/neuro-ssl/weights', () => {
    expect(weightsCacheDir({ NEURO_SSL_WEIGHTS_DIR: '/x/w' })).toBe('/x/w');
    expect(weightsCacheDir({})).toBe(path.join(os.homedir(), '.cache', 'neuro-ssl', 'weights'));
  });
});

describe('resolveWeights', () => {
  it('none: no source, and a warning that the features carry no ImageNet knowledge', async () => {
    const { logger, lines } = collectingLogger();
    const r = await resolveWeights(fakeBackbone(null), 'none', { baseDir: dir, logger });
    expect(r.source).toBeNull();
    expect(lines.join('\n')).toMatch(/warn .*randomly initialised.*no ImageNet knowledge/);
  });

  it('a path: loads the safetensors file relative to the experiment, with its checksum', async () => {
    await fs.writeFile(path.join(dir, 'mine.safetensors'), file);
    const { logger, lines } = collectingLogger();
    const r = await resolveWeights(fakeBackbone(null), 'mine.safetensors', { baseDir: dir, logger });
    expect(r.source?.kind).toBe('state-dict');
    if (r.source?.kind !== 'state-dict') return;
    expect([...r.source.tensors.keys()].sort()).toEqual(['conv.bias', 'conv.weight']);
    expect(Array.from(r.source.tensors.get('conv.weight')!.data)).toEqual([0.5, -1]);
    expect(r.identity.sha256).toBe(sha);
    expect(lines.join('\n')).toContain(`sha256 ${sha}`);
  });

  it('a missing path names it', async () => {
    const { logger } = collectingLogger();
    await expect(resolveWeights(fakeBackbone(null), 'nope/w.safetensors', { baseDir: dir, logger })).rejects.toThrow(
      `no file or folder at ${path.join(dir, 'nope/w.safetensors')}`,
    );
  });

  it('imagenet offline: an error with the exact file, the URL and how to import it; nothing written', async () => {
    const cacheDir = path.join(dir, 'cache-offline');
    const { logger } = collectingLogger();
    const err = await resolveWeights(fakeBackbone('https://example.invalid/fakenet.safetensors'), 'imagenet', {
      baseDir: dir,
      logger,
      cacheDir,
      allowDownload: false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MissingWeightsError);
    const msg = (err as Error).message;
    expect(msg).toContain(path.join(cacheDir, 'fakenet.safetensors'));
    expect(msg).toContain('https://example.invalid/fakenet.safetensors');
    expect(msg).toContain('runner weights import <file> --as fakenet');
    expect(existsSync(cacheDir)).toBe(false);
  });

  it('imagenet online: downloads once with checksum into the cache, then reuses it', async () => {
    const cacheDir = path.join(dir, 'cache-online');
    const { logger } = collectingLogger();
    hits = 0;
    const def = fakeBackbone(`${base}/fakenet.safetensors`, sha);
    const r = await resolveWeights(def, 'imagenet', { baseDir: dir, logger, cacheDir, allowDownload: true });
    expect(r.identity.path).toBe(path.join(cacheDir, 'fakenet.safetensors'));
    expect(await sha256Of(r.identity.path!)).toBe(sha);
    expect(hits).toBe(1);
    await resolveWeights(def, 'imagenet', { baseDir: dir, logger, cacheDir, allowDownload: true });
    expect(hits).toBe(1);
  });

  it('imagenet: a checksum mismatch discards the download', async () => {
    const cacheDir = path.join(dir, 'cache-bad');
    const { logger } = collectingLogger();
    const def = fakeBackbone(`${base}/fakenet.safetensors`, '0'.repeat(64));
    await expect(resolveWeights(def, 'imagenet', { baseDir: dir, logger, cacheDir, allowDownload: true })).rejects.toThrow(/checksum mismatch/);
    expect(await fs.readdir(cacheDir)).toEqual([]);
  });

  it('imagenet: an unreachable host becomes the same actionable error', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const { logger } = collectingLogger();
    const def = fakeBackbone(`http://127.0.0.1:${port}/fakenet.safetensors`);
    await expect(resolveWeights(def, 'imagenet', { baseDir: dir, logger, cacheDir: path.join(dir, 'c3'), allowDownload: true })).rejects.toThrow(
      /could not be downloaded from http:\/\/127\.0\.0\.1:\d+\/fakenet\.safetensors .*ECONNREFUSED.*runner weights import/s,
    );
  });

  it('imagenet, TF.js folder format: downloads model.json and its shards as one folder', async () => {
    const cacheDir = path.join(dir, 'cache-tfjs');
    const { logger } = collectingLogger();
    const def: BackboneDefinition = { ...fakeBackbone(null), imagenet: { file: 'fake_tfjs', format: 'tfjs-layers', url: `${base}/tfjs/model.json`, description: 'x' } };
    const r = await resolveWeights(def, 'imagenet', { baseDir: dir, logger, cacheDir, allowDownload: true });
    expect(r.source).toEqual({ kind: 'tfjs-layers', dir: path.join(cacheDir, 'fake_tfjs'), origin: path.join(cacheDir, 'fake_tfjs') });
    expect((await fs.readdir(path.join(cacheDir, 'fake_tfjs'))).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(await fs.readdir(cacheDir)).toEqual(['fake_tfjs']);
  });
});
