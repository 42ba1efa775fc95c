// `weights: imagenet` for mobilenet_v2 (width 0.35) on first use: the weights cache downloads the
// canonical TF.js folder (model.json, then every shard its manifest lists) and the result loads into
// the model. Core's own test (weights-cache.test.ts) covers the folder download with a made-up backbone;
// this one uses the real mobilenet_v2 definition and its real URL, answered by a loopback server.

import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@neuro-ssl/core';
import { getBackbone, resolveWeights } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SHARED_WEIGHTS = path.join(process.env.NEURO_SSL_SHARED_DIR ?? path.resolve(REPO_ROOT, '../shared'), 'weights/mobilenet_v2_0.35_224_imagenet');
const CANONICAL = 'https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_224_no_top/model.json';
const CANONICAL_DIR = new URL('.', CANONICAL).pathname;

/** Path under the canonical folder → bytes; what the loopback "storage.googleapis.com" serves. */
const served = new Map<string, Uint8Array>();
const requested: string[] = [];
let server: http.Server;
let origin: string;
let dir: string;

/** fetch as the weights cache calls it, with the canonical host answered by the loopback server. */
const loopbackFetch: typeof fetch = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : String(input));
  requested.push(url.href);
  return fetch(`${origin}${url.pathname}`, init);
};

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'imagenet-download-'));
  server = http.createServer((req, res) => {
    const body = served.get(req.url ?? '');
    res.writeHead(body ? 200 : 404, body ? { 'content-length': String(body.length) } : {});
    res.end(body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(dir, { recursive: true, force: true });
});

describe('weights: imagenet for mobilenet_v2 0.35, first use', () => {
  it('the backbone names the canonical TF.js model.json', () => {
    const def = getBackbone('mobilenet_v2');
    expect(def.imagenet).toMatchObject({ format: 'tfjs-layers', file: 'mobilenet_v2_0.35_224_imagenet', url: CANONICAL });
    expect(def.defaultWidth).toBe(0.35);
  });

  it('downloads model.json and every shard it lists from the canonical folder, once', async () => {
    served.clear();
    requested.length = 0;
    const shards = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    served.set(`${CANONICAL_DIR}model.json`, new TextEncoder().encode(JSON.stringify({ modelTopology: {}, weightsManifest: [{ paths: shards, weights: [] }] })));
    served.set(`${CANONICAL_DIR}${shards[0]}`, Uint8Array.from([1, 2, 3, 4]));
    served.set(`${CANONICAL_DIR}${shards[1]}`, Uint8Array.from([5, 6, 7, 8]));
    const cacheDir = path.join(dir, 'cache-shards');
    const def = getBackbone('mobilenet_v2');
    const options = { baseDir: dir, logger: silentLogger, cacheDir, allowDownload: true, fetchImpl: loopbackFetch };

    const resolved = await resolveWeights(def, 'imagenet', options);
    const folder = path.join(cacheDir, 'mobilenet_v2_0.35_224_imagenet');
    expect(requested).toEqual([CANONICAL, ...shards.map((s) => new URL(s, CANONICAL).href)]);
    expect(resolved.source).toEqual({ kind: 'tfjs-layers', dir: folder, origin: folder });
    expect((await fs.readdir(folder)).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json']);
    expect(await fs.readdir(cacheDir)).toEqual(['mobilenet_v2_0.35_224_imagenet']); // no staging left

    await resolveWeights(def, 'imagenet', options);
    expect(requested).toHaveLength(3); // second use: from the cache
  });

  it.skipIf(!existsSync(path.join(SHARED_WEIGHTS, 'model.json')))('what the download yields loads into MobileNetV2-0.35 (the real weights, served from ../shared)', async () => {
    served.clear();
    requested.length = 0;
    const manifest = JSON.parse(await fs.readFile(path.join(SHARED_WEIGHTS, 'model.json'), 'utf8')) as { weightsManifest: { paths: string[] }[] };
    const files = ['model.json', ...manifest.weightsManifest.flatMap((g) => g.paths)];
    for (const f of files) served.set(`${CANONICAL_DIR}${f}`, await fs.readFile(path.join(SHARED_WEIGHTS, f)));
    const def = getBackbone('mobilenet_v2');
    const resolved = await resolveWeights(def, 'imagenet', { baseDir: dir, logger: silentLogger, cacheDir: path.join(dir, 'cache-real'), allowDownload: true, fetchImpl: loopbackFetch });
    expect(requested).toEqual(files.map((f) => new URL(f, CANONICAL).href));
    const { tf } = await loadTensorflow({ backend: 'cpu', logger: silentLogger });
    const model = def.build(tf, { imageSize: 224, width: 0.35 });
    try {
      await def.loadWeights(tf, model, resolved.source!);
      expect(model.countParams()).toBe(410_208);
    } finally {
      model.dispose();
    }
  });
});
