import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { ArtifactStore, hashDirectory, stageKey } from './artifact-store.js';
import { codecFor, type ClusterReport, type FeatureTable, type Metrics, type PseudoLabels } from '@neuro-ssl/core';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'store-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const meta = { stageId: 'probe', plugin: 'test-plugin', version: '1.0.0', durationMs: 5 };

describe('stageKey', () => {
  const base = { plugin: 'p', version: '1', config: { a: 1, b: [1, 2] }, inputs: { x: 'h1' }, seed: 42 };
  it('ignores key order but not values', () => {
    expect(stageKey(base)).toBe(stageKey({ ...base, config: { b: [1, 2], a: 1 } }));
    expect(stageKey(base)).not.toBe(stageKey({ ...base, seed: 43 }));
    expect(stageKey(base)).not.toBe(stageKey({ ...base, version: '2' }));
    expect(stageKey(base)).not.toBe(stageKey({ ...base, inputs: { x: 'h2' } }));
    expect(stageKey(base)).not.toBe(stageKey({ ...base, config: { a: 2, b: [1, 2] } }));
  });
});

describe('ArtifactStore', () => {
  it('commits outputs, finds them again and loads equal values', async () => {
    const store = new ArtifactStore(dir);
    expect(await store.lookup('k1')).toBeNull();
    const metrics: Metrics = { values: { f2: 0.8, auc: 0.9 }, confusionMatrix: [[4, 1], [0, 5]] };
    const table: FeatureTable = {
      ids: ['a', 'b', 'c'],
      paths: ['/x/a.jpg', '/x/b.jpg', '/x/c.jpg'],
      splits: ['labelled', 'labelled', 'unlabelled'],
      labels: [1, 0, -1],
      dim: 2,
      values: Float32Array.from([0.5, -1.25, 3, 4, 1e-3, 7]),
      meta: { backbone: 'test' },
    };
    const record = await store.commit('k1', meta, {
      metrics: { kind: 'Metrics', value: metrics },
      features: { kind: 'FeatureTable', value: table },
    });
    expect(Object.keys(record.outputs).sort()).toEqual(['features', 'metrics']);
    const again = await store.lookup('k1');
    expect(again?.outputs.metrics?.hash).toBe(record.outputs.metrics?.hash);
    expect(await store.load({ ...record.outputs.metrics!, kind: 'Metrics' })).toEqual(metrics);
    const loaded = await store.load({ ...record.outputs.features!, kind: 'FeatureTable' });
    expect(loaded.ids).toEqual(table.ids);
    expect(loaded.labels).toEqual([1, 0, -1]);
    expect(Array.from(loaded.values)).toEqual(Array.from(table.values));
    expect(loaded.meta).toEqual({ backbone: 'test' });
    // nothing is left in tmp after a commit
    expect(await fs.readdir(store.tmpDir)).toEqual([]);
  });

  it('equal content hashes equal, different content differs', async () => {
    const store = new ArtifactStore(dir);
    const a = await store.commit('a', meta, { m: { kind: 'Metrics', value: { values: { x: 1 } } } });
    const b = await store.commit('b', meta, { m: { kind: 'Metrics', value: { values: { x: 1 } } } });
    const c = await store.commit('c', meta, { m: { kind: 'Metrics', value: { values: { x: 2 } } } });
    expect(a.outputs.m!.hash).toBe(b.outputs.m!.hash);
    expect(a.outputs.m!.hash).not.toBe(c.outputs.m!.hash);
    expect(await hashDirectory(a.outputs.m!.path)).toBe(a.outputs.m!.hash);
  });

  it('an entry without manifest (interrupted write) is not a hit, and stale temp folders are cleaned', async () => {
    const store = new ArtifactStore(dir);
    await fs.mkdir(path.join(store.stagesDir, 'half'), { recursive: true });
    await fs.writeFile(path.join(store.stagesDir, 'half', 'junk'), 'x');
    expect(await store.lookup('half')).toBeNull();
    // pid 2^22+1 is above Linux's pid_max default, so it cannot be alive
    await fs.mkdir(path.join(store.tmpDir, '4194305-commit-x-abcd'), { recursive: true });
    const mine = await store.makeTemp('mine');
    expect(await store.cleanStaleTemp()).toBe(1);
    expect(await fs.readdir(store.tmpDir)).toEqual([path.basename(mine)]);
  });

  it('stores a Model folder and a Figure', async () => {
    const store = new ArtifactStore(dir);
    const modelDir = path.join(dir, 'm');
    await fs.mkdir(modelDir);
    await fs.writeFile(path.join(modelDir, 'model.json'), '{"format":"layers-model"}');
    await fs.writeFile(path.join(modelDir, 'weights.bin'), new Uint8Array([1, 2, 3]));
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]);
    const rec = await store.commit('m', meta, {
      model: { kind: 'Model', value: { dir: modelDir, meta: { epochs: 3 } } },
      fig: { kind: 'Figure', value: { files: [{ name: 'scatter.png', format: 'png', data: png, title: 'PCA' }] } },
    });
    const model = await store.load({ ...rec.outputs.model!, kind: 'Model' });
    expect(await fs.readFile(path.join(model.dir, 'weights.bin'))).toEqual(Buffer.from([1, 2, 3]));
    expect(model.meta).toEqual({ epochs: 3 });
    const fig = await store.load({ ...rec.outputs.fig!, kind: 'Figure' });
    expect(Array.from(fig.files[0]!.data)).toEqual(Array.from(png));
    expect(fig.files[0]!.title).toBe('PCA');
  });

  it('round-trips a ClusterReport through cluster-report.json + clusters.parquet', async () => {
    const store = new ArtifactStore(dir);
    const report: ClusterReport = {
      ids: ['a', 'b', 'c'],
      paths: ['/a', '/b', '/c'],
      splits: ['labelled', 'labelled', 'unlabelled'],
      labels: [1, 0, -1],
      embeddings: [{ reducer: 'pca', dims: 2, values: Float32Array.from([1, 2, 3, 4, 5, 6]), params: { components: 2 }, explainedVarianceRatio: [0.7, 0.2] }],
      results: [
        {
          reducer: 'pca',
          clusterer: 'dbscan',
          params: { eps: 1 },
          assignments: Int32Array.from([0, 1, -1]),
          nClusters: 2,
          noise: 1,
          ari: 1,
          nmi: 1,
          silhouette: null,
          contingency: { clusters: [0, 1], classes: [0, 1], counts: [[0, 1], [1, 0]], noise: [0, 0] },
        },
      ],
      meta: { features: 'x' },
    };
    const rec = await store.commit('cr', meta, { report: { kind: 'ClusterReport', value: report } });
    expect((await fs.readdir(rec.outputs.report!.path)).sort()).toEqual(['cluster-report.json', 'clusters.parquet']);
    const back = await store.load({ ...rec.outputs.report!, kind: 'ClusterReport' });
    expect(back).toEqual(report);
  });

  it('writes PseudoLabels as JSON and as pseudo_labels.parquet (path, id, label, probability, round)', async () => {
    const store = new ArtifactStore(dir);
    const value: PseudoLabels = {
      items: [
        { id: 'sans_label/u0.jpg', path: '/d/sans_label/u0.jpg', label: 1, confidence: 0.93, round: 1 },
        { id: 'sans_label/u1.jpg', path: '/d/sans_label/u1.jpg', label: 0, confidence: 0.04, round: 2 },
      ],
      meta: { bestRound: 2 },
    };
    expect(codecFor('PseudoLabels').check({ items: [{ id: 'a', label: 0.5, confidence: 1, round: 1 }] })).toMatch(/items\[0\]: expected/);
    const rec = await store.commit('pl', meta, { pl: { kind: 'PseudoLabels', value } });
    expect((await fs.readdir(rec.outputs.pl!.path)).sort()).toEqual(['pseudo-labels.json', 'pseudo_labels.parquet']);
    expect(codecFor('PseudoLabels').exports).toEqual(['pseudo_labels.parquet']);
    expect(await store.load({ ...rec.outputs.pl!, kind: 'PseudoLabels' })).toEqual(value);
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(rec.outputs.pl!.path, 'pseudo_labels.parquet')) });
    expect(rows).toEqual([
      { path: '/d/sans_label/u0.jpg', id: 'sans_label/u0.jpg', label: 1, probability: 0.93, round: 1 },
      { path: '/d/sans_label/u1.jpg', id: 'sans_label/u1.jpg', label: 0, probability: 0.04, round: 2 },
    ]);
  });

  it('open() re-hashes a hit: a flipped byte is found, named, and the entry quarantined (not deleted)', async () => {
    const store = new ArtifactStore(dir);
    const rec = await store.commit('k', meta, { metrics: { kind: 'Metrics', value: { values: { f2: 0.8 } } } });
    const hit = await store.open('k');
    expect(hit.state).toBe('hit');
    if (hit.state === 'hit') expect(hit.verified.files).toBe(1);

    const file = path.join(rec.outputs.metrics!.path, 'metrics.json');
    const bytes = await fs.readFile(file);
    bytes[5] = (bytes[5] as number) ^ 0x01;
    await fs.writeFile(file, bytes);
    const damaged = await store.open('k');
    expect(damaged.state).toBe('damaged');
    if (damaged.state !== 'damaged') return;
    expect(damaged.problem).toMatch(/output "metrics" \(Metrics\) does not match .*metrics\.json has changed \(same size/);
    expect(damaged.movedTo).toMatch(new RegExp(`quarantine[\\\\/]k-\\d{4}-`));
    expect(existsSync(store.entryDir('k'))).toBe(false);
    expect(await fs.readFile(path.join(damaged.movedTo!, 'metrics', 'metrics.json'))).toEqual(bytes);
    expect(JSON.parse(await fs.readFile(path.join(damaged.movedTo!, 'quarantine.json'), 'utf8'))).toMatchObject({ key: 'k', problem: damaged.problem });
    expect((await store.open('k')).state).toBe('miss');
    expect(await store.quarantined()).toEqual([damaged.movedTo]);
  });

  it('a truncated file and an added file are named', async () => {
    const store = new ArtifactStore(dir);
    const modelDir = path.join(dir, 'm');
    await fs.mkdir(modelDir);
    await fs.writeFile(path.join(modelDir, 'model.json'), '{}');
    await fs.writeFile(path.join(modelDir, 'weights.bin'), new Uint8Array(100));
    const rec = await store.commit('m', meta, { model: { kind: 'Model', value: { dir: modelDir, meta: {} } } });
    const weights = (await fs.readdir(rec.outputs.model!.path, { recursive: true })).find((f) => String(f).endsWith('weights.bin'))!;
    await fs.truncate(path.join(rec.outputs.model!.path, String(weights)), 40);
    await fs.writeFile(path.join(rec.outputs.model!.path, 'extra.txt'), 'x');
    const found = await store.check('m');
    expect(found.state).toBe('damaged');
    if (found.state === 'damaged') expect(found.problem).toMatch(/weights\.bin has 40 bytes instead of 100, extra\.txt was added/);
    // check() reports without moving anything
    expect(existsSync(store.entryDir('m'))).toBe(true);
  });

  it('a damaged manifest: quarantined on open, and a commit over it replaces it instead of failing', async () => {
    const store = new ArtifactStore(dir);
    await store.commit('k', meta, { m: { kind: 'Metrics', value: { values: { x: 1 } } } });
    await fs.writeFile(path.join(store.entryDir('k'), 'manifest.json'), '{"key": "k", "stageId": ');
    expect(await store.lookup('k')).toBeNull();
    // A run that re-computes the stage commits over the damaged entry (the rename used to fail for ever).
    const again = await store.commit('k', meta, { m: { kind: 'Metrics', value: { values: { x: 2 } } } });
    expect((await store.open('k')).state).toBe('hit');
    expect(await store.load({ ...again.outputs.m!, kind: 'Metrics' })).toEqual({ values: { x: 2 } });
    const [moved] = await store.quarantined();
    expect(JSON.parse(await fs.readFile(path.join(moved!, 'quarantine.json'), 'utf8')).problem).toMatch(/manifest\.json is not valid JSON/);

    // A folder with no manifest at all is damaged too (not a miss that blocks the key).
    await fs.mkdir(path.join(store.stagesDir, 'bare'), { recursive: true });
    const bare = await store.open('bare');
    expect(bare.state === 'damaged' && bare.problem).toBe('manifest.json is missing');
  });

  it('cleanStale removes what dead processes left (temp folders, locks) and says whose', async () => {
    const store = new ArtifactStore(dir);
    await fs.mkdir(path.join(store.tmpDir, '4194305@00000000-work-x-abcd1234'), { recursive: true }); // another host: kept
    await fs.mkdir(path.join(store.tmpDir, '4194305-work-train-abcd1234'), { recursive: true });
    await fs.mkdir(store.locksDir, { recursive: true });
    await fs.writeFile(path.join(store.locksDir, 'kk.lock'), JSON.stringify({ pid: 4194305, host: os.hostname(), stage: 'train', token: 't' }));
    const held = await store.lock('live', { stage: 'extract' });
    const left = await store.cleanStale();
    expect([...left.temps.entries()]).toEqual([[4194305, ['work-train']]]);
    expect(left.locks.map((l) => l.stage)).toEqual(['train']);
    expect((await fs.readdir(store.locksDir)).sort()).toEqual(['live.lock']);
    expect(await fs.readdir(store.tmpDir)).toEqual(['4194305@00000000-work-x-abcd1234']);
    await held.release();
  });

  it('one writer per key: a second lock waits for the first, saying who holds it', async () => {
    const store = new ArtifactStore(dir);
    const first = await store.lock('k', { stage: 'train' });
    const waited: unknown[] = [];
    let got = false;
    const second = store.lock('k', { stage: 'train' }, { pollMs: 20, onWait: (o) => waited.push(o?.stage) }).then((l) => {
      got = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(got).toBe(false);
    expect(waited).toEqual(['train']);
    await first.release();
    await (await second).release();
  });
});
