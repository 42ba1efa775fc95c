// The FeatureTable's Parquet file read back by an independent implementation (Apache Arrow's Rust
// parquet crate, compiled to wasm), as pandas/pyarrow would read it.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { CODECS, FEATURES_FILE, type FeatureTable } from '@neuro-ssl/core';

describe('features.parquet', () => {
  it('round-trips through an independent Parquet reader with the documented columns', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'parquet-'));
    const n = 5;
    const dim = 3;
    const table: FeatureTable = {
      ids: Array.from({ length: n }, (_, i) => `avec_labels/Cancer/${i}.jpg`),
      paths: Array.from({ length: n }, (_, i) => `/data/avec_labels/Cancer/${i}.jpg`),
      splits: ['labelled', 'labelled', 'labelled', 'unlabelled', 'unlabelled'],
      labels: [1, 0, 1, -1, -1],
      dim,
      values: Float32Array.from({ length: n * dim }, (_, i) => Math.fround(i * 0.37 - 2.1)),
      meta: { backbone: 'resnet18' },
    };
    await CODECS.FeatureTable.save(table, dir);
    const bytes = new Uint8Array(await fs.readFile(path.join(dir, FEATURES_FILE)));
    const arrow = tableFromIPC(readParquet(bytes).intoIPCStream());
    expect(arrow.schema.fields.map((f) => f.name)).toEqual(['id', 'path', 'split', 'label', 'feature_0', 'feature_1', 'feature_2']);
    expect(arrow.numRows).toBe(n);
    expect(arrow.getChild('label')!.toArray()).toEqual(Int32Array.from(table.labels));
    expect(Array.from(arrow.getChild('path')!.toArray())).toEqual(table.paths);
    for (let j = 0; j < dim; j++) {
      const col = Array.from(arrow.getChild(`feature_${j}`)!.toArray() as Float32Array);
      expect(col).toEqual(Array.from({ length: n }, (_, i) => table.values[i * dim + j]));
    }
    // and our own reader gives the same table back
    const back = await CODECS.FeatureTable.load(dir);
    expect(Array.from(back.values)).toEqual(Array.from(table.values));
    expect(back.meta).toEqual({ backbone: 'resnet18' });
    await fs.rm(dir, { recursive: true, force: true });
  });
});
