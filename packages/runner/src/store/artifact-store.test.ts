import { promises as fs } from 'node:fs';
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
});
