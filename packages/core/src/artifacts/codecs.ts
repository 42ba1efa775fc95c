// On-disk formats of the artifact kinds. Each codec writes one artifact into an empty folder and
// reads it back; the store hashes the folder's files, so equal content means equal hash.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ArtifactKind, ArtifactTypes, ClusterReport, ClusterResult, Embedding, Figure, FigureFile, FeatureTable, ModelArtifact, PseudoLabels } from './kinds.js';

export interface ArtifactCodec<K extends ArtifactKind> {
  kind: K;
  /** Human description of the format, shown in docs and errors. */
  format: string;
  save(value: ArtifactTypes[K], dir: string): Promise<void>;
  load(dir: string): Promise<ArtifactTypes[K]>;
  /** Structural check of a value a stage returned: null when fine, else what is wrong. */
  check(value: unknown): string | null;
  /** Files of the artifact that the runner also copies into the run folder (tables a person opens). */
  exports?: string[];
}

type Codecs = { [K in ArtifactKind]: ArtifactCodec<K> };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function jsonCodec<K extends ArtifactKind>(kind: K, file: string, required: string[]): ArtifactCodec<K> {
  return {
    kind,
    format: `JSON (${file})`,
    async save(value, dir) {
      await fs.writeFile(path.join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
    },
    async load(dir) {
      return JSON.parse(await fs.readFile(path.join(dir, file), 'utf8')) as ArtifactTypes[K];
    },
    check(value) {
      if (!isObject(value)) return `expected an object, got ${typeof value}`;
      const missing = required.filter((k) => !(k in value));
      return missing.length ? `missing field(s) ${missing.join(', ')}` : null;
    },
  };
}

export const FEATURES_FILE = 'features.parquet';
const META_KEY = 'neuro-ssl.meta';

/** Column name of feature j (columns are written in order, so pandas keeps them in order). */
export function featureColumnName(j: number): string {
  return `feature_${j}`;
}

type ColumnData = Parameters<typeof parquetWriteBuffer>[0]['columnData'];

/** Row-major n × dims floats → one FLOAT column per dimension. */
function floatColumns(values: Float32Array, n: number, dims: number, name: (j: number) => string): ColumnData {
  const columns: ColumnData = [];
  for (let j = 0; j < dims; j++) {
    const col = new Float32Array(n);
    for (let i = 0; i < n; i++) col[i] = values[i * dims + j] as number;
    columns.push({ name: name(j), data: col, type: 'FLOAT', nullable: false });
  }
  return columns;
}

/** The inverse of floatColumns, from rows read back by hyparquet. */
function rowMajor(rows: Record<string, unknown>[], dims: number, name: (j: number) => string): Float32Array {
  const names = Array.from({ length: dims }, (_, j) => name(j));
  const values = new Float32Array(rows.length * dims);
  rows.forEach((row, i) => {
    for (let j = 0; j < dims; j++) values[i * dims + j] = Number(row[names[j] as string]);
  });
  return values;
}

/** The per-image columns every table starts with. */
interface ImageRows {
  ids: string[];
  paths: string[];
  splits: ('labelled' | 'unlabelled')[];
  labels: number[];
}

function imageColumns(rows: ImageRows): ColumnData {
  return [
    { name: 'id', data: rows.ids, type: 'STRING', nullable: false },
    { name: 'path', data: rows.paths, type: 'STRING', nullable: false },
    { name: 'split', data: rows.splits, type: 'STRING', nullable: false },
    { name: 'label', data: Int32Array.from(rows.labels), type: 'INT32', nullable: false },
  ];
}

function readImageColumns(rows: Record<string, unknown>[]): ImageRows {
  return {
    ids: rows.map((r) => String(r.id)),
    paths: rows.map((r) => String(r.path)),
    splits: rows.map((r) => (r.split === 'labelled' ? 'labelled' : 'unlabelled')),
    labels: rows.map((r) => Number(r.label)),
  };
}

const featureTableCodec: ArtifactCodec<'FeatureTable'> = {
  kind: 'FeatureTable',
  exports: [FEATURES_FILE],
  format: `Parquet (${FEATURES_FILE}: id, path, split, label, feature_0..feature_{dim-1} as FLOAT; meta JSON in key-value metadata "${META_KEY}")`,
  async save(table: FeatureTable, dir) {
    const n = table.ids.length;
    const columnData = [...imageColumns(table), ...floatColumns(table.values, n, table.dim, featureColumnName)];
    const buffer = parquetWriteBuffer({
      columnData,
      kvMetadata: [{ key: META_KEY, value: JSON.stringify({ dim: table.dim, meta: table.meta }) }],
      createdBy: 'neuro-ssl',
    });
    await fs.writeFile(path.join(dir, FEATURES_FILE), new Uint8Array(buffer));
  },
  async load(dir) {
    const file = await asyncBufferFromFile(path.join(dir, FEATURES_FILE));
    const metadata = await parquetMetadataAsync(file);
    const kv = metadata.key_value_metadata?.find((e) => e.key === META_KEY)?.value;
    const { dim, meta } = (kv ? JSON.parse(kv) : { dim: 0, meta: {} }) as { dim: number; meta: Record<string, unknown> };
    const rows = await parquetReadObjects({ file });
    const values = rowMajor(rows, dim, featureColumnName);
    return {
      ...readImageColumns(rows),
      dim,
      values,
      meta,
    };
  },
  check(value) {
    if (!isObject(value)) return 'expected a FeatureTable object';
    const t = value as unknown as FeatureTable;
    if (!Array.isArray(t.ids) || !(t.values instanceof Float32Array) || !Number.isInteger(t.dim)) {
      return 'expected ids: string[], dim: integer, values: Float32Array';
    }
    for (const key of ['paths', 'splits', 'labels'] as const) {
      if (!Array.isArray(t[key]) || t[key].length !== t.ids.length) return `${key} must have one entry per id (${t.ids.length})`;
    }
    if (t.values.length !== t.ids.length * t.dim) return `values has ${t.values.length} numbers, expected ids.length × dim = ${t.ids.length * t.dim}`;
    return null;
  },
};

const MODEL_DIR = 'model';

const modelCodec: ArtifactCodec<'Model'> = {
  kind: 'Model',
  format: `folder ${MODEL_DIR}/ (TF.js layers model: model.json + weight shards) + meta.json`,
  async save(value: ModelArtifact, dir) {
    await fs.cp(value.dir, path.join(dir, MODEL_DIR), { recursive: true });
    await fs.writeFile(path.join(dir, 'meta.json'), `${JSON.stringify(value.meta, null, 2)}\n`);
  },
  async load(dir) {
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'meta.json'), 'utf8')) as Record<string, unknown>;
    return { dir: path.join(dir, MODEL_DIR), meta };
  },
  check(value) {
    if (!isObject(value) || typeof value.dir !== 'string') return 'expected { dir: string, meta: object }';
    return null;
  },
};

const FIGURE_INDEX = 'figures.json';

const figureCodec: ArtifactCodec<'Figure'> = {
  kind: 'Figure',
  format: `the image files themselves (PNG, SVG) + ${FIGURE_INDEX}`,
  async save(value: Figure, dir) {
    for (const file of value.files) await fs.writeFile(path.join(dir, file.name), file.data);
    await fs.writeFile(path.join(dir, FIGURE_INDEX), `${JSON.stringify(value.files.map(({ data: _data, ...meta }) => meta), null, 2)}\n`);
  },
  async load(dir) {
    const metas = JSON.parse(await fs.readFile(path.join(dir, FIGURE_INDEX), 'utf8')) as Omit<FigureFile, 'data'>[];
    const files = await Promise.all(metas.map(async (meta) => ({ ...meta, data: new Uint8Array(await fs.readFile(path.join(dir, meta.name))) })));
    return { files };
  },
  check(value) {
    if (!isObject(value) || !Array.isArray(value.files)) return 'expected { files: [{ name, format: "png" | "svg", data: Uint8Array }] }';
    const names = new Set<string>();
    for (const f of value.files as unknown[]) {
      if (!isObject(f) || typeof f.name !== 'string' || !(f.data instanceof Uint8Array)) return 'each file needs name: string and data: Uint8Array';
      if (f.name === FIGURE_INDEX || f.name !== path.basename(f.name)) return `figure name "${f.name}" must be a plain file name`;
      if (f.format !== 'png' && f.format !== 'svg') return `figure ${f.name}: format must be "png" or "svg"`;
      if (names.has(f.name)) return `figure name "${f.name}" appears twice`;
      names.add(f.name);
    }
    return null;
  },
};

export const PSEUDO_LABELS_FILE = 'pseudo_labels.parquet';
const PSEUDO_LABELS_JSON = 'pseudo-labels.json';

const pseudoLabelsJson = jsonCodec('PseudoLabels', PSEUDO_LABELS_JSON, ['items']);

/** JSON for the pipeline, plus a table for pandas (the JSON stays the source the loader reads). */
const pseudoLabelsCodec: ArtifactCodec<'PseudoLabels'> = {
  kind: 'PseudoLabels',
  format: `${PSEUDO_LABELS_JSON} (items and meta) + ${PSEUDO_LABELS_FILE} (path, id, label, probability, round)`,
  exports: [PSEUDO_LABELS_FILE],
  async save(value: PseudoLabels, dir) {
    await pseudoLabelsJson.save(value, dir);
    const items = value.items;
    const columnData: ColumnData = [
      { name: 'path', data: items.map((p) => p.path ?? ''), type: 'STRING', nullable: false },
      { name: 'id', data: items.map((p) => p.id), type: 'STRING', nullable: false },
      { name: 'label', data: Int32Array.from(items, (p) => p.label), type: 'INT32', nullable: false },
      { name: 'probability', data: Float64Array.from(items, (p) => p.confidence), type: 'DOUBLE', nullable: false },
      { name: 'round', data: Int32Array.from(items, (p) => p.round), type: 'INT32', nullable: false },
    ];
    await fs.writeFile(path.join(dir, PSEUDO_LABELS_FILE), new Uint8Array(parquetWriteBuffer({ columnData, createdBy: 'neuro-ssl' })));
  },
  load: (dir) => pseudoLabelsJson.load(dir),
  check(value) {
    const base = pseudoLabelsJson.check(value);
    if (base) return base;
    const items = (value as { items: unknown }).items;
    if (!Array.isArray(items)) return 'items must be an array';
    for (const [i, p] of items.entries()) {
      if (!isObject(p) || typeof p.id !== 'string' || !Number.isInteger(p.label) || typeof p.confidence !== 'number' || !Number.isInteger(p.round)) {
        return `items[${i}]: expected { id: string, label: integer, confidence: number, round: integer }`;
      }
    }
    return null;
  },
};

const CLUSTERS_FILE = 'clusters.parquet';
const CLUSTER_JSON = 'cluster-report.json';

const clusterReportCodec: ArtifactCodec<'ClusterReport'> = {
  kind: 'ClusterReport',
  format: `${CLUSTER_JSON} (scores, contingency tables, parameters) + ${CLUSTERS_FILE} (id, path, split, label, <reducer>_<i> coordinates, cluster_<reducer>_<clusterer>)`,
  exports: [CLUSTERS_FILE],
  async save(report: ClusterReport, dir) {
    const n = report.ids.length;
    const columnData = imageColumns(report);
    for (const e of report.embeddings) columnData.push(...floatColumns(e.values, n, e.dims, (j) => `${e.reducer}_${j}`));
    for (const r of report.results) columnData.push({ name: `cluster_${r.reducer}_${r.clusterer}`, data: Int32Array.from(r.assignments), type: 'INT32', nullable: false });
    await fs.writeFile(path.join(dir, CLUSTERS_FILE), new Uint8Array(parquetWriteBuffer({ columnData, createdBy: 'neuro-ssl' })));
    const json = {
      meta: report.meta,
      embeddings: report.embeddings.map(({ values: _v, ...rest }) => rest),
      results: report.results.map(({ assignments: _a, ...rest }) => rest),
    };
    await fs.writeFile(path.join(dir, CLUSTER_JSON), `${JSON.stringify(json, null, 2)}\n`);
  },
  async load(dir) {
    const json = JSON.parse(await fs.readFile(path.join(dir, CLUSTER_JSON), 'utf8')) as {
      meta: Record<string, unknown>;
      embeddings: Omit<Embedding, 'values'>[];
      results: Omit<ClusterResult, 'assignments'>[];
    };
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, CLUSTERS_FILE)) });
    return {
      ...readImageColumns(rows),
      embeddings: json.embeddings.map((e) => ({ ...e, values: rowMajor(rows, e.dims, (j) => `${e.reducer}_${j}`) })),
      results: json.results.map((r) => ({ ...r, assignments: Int32Array.from(rows, (row) => Number(row[`cluster_${r.reducer}_${r.clusterer}`])) })),
      meta: json.meta,
    };
  },
  check(value) {
    if (!isObject(value)) return 'expected a ClusterReport object';
    const r = value as unknown as ClusterReport;
    if (!Array.isArray(r.ids) || !Array.isArray(r.embeddings) || !Array.isArray(r.results)) return 'expected ids, embeddings and results arrays';
    for (const e of r.embeddings) if (!(e.values instanceof Float32Array) || e.values.length !== r.ids.length * e.dims) return `embedding ${e.reducer}: values must be a Float32Array of ids.length × dims`;
    for (const x of r.results) if (!(x.assignments instanceof Int32Array) || x.assignments.length !== r.ids.length) return `result ${x.reducer}×${x.clusterer}: assignments must be an Int32Array with one entry per id`;
    return null;
  },
};

export const CODECS: Codecs = {
  DatasetIndex: jsonCodec('DatasetIndex', 'dataset-index.json', ['images', 'classes', 'badFiles', 'duplicateGroups']),
  FeatureTable: featureTableCodec,
  ClusterReport: clusterReportCodec,
  Model: modelCodec,
  PseudoLabels: pseudoLabelsCodec,
  Metrics: jsonCodec('Metrics', 'metrics.json', ['values']),
  PoolLabels: jsonCodec('PoolLabels', 'pool-labels.json', ['source', 'labels']),
  Figure: figureCodec,
};

export function codecFor<K extends ArtifactKind>(kind: K): ArtifactCodec<K> {
  return CODECS[kind] as unknown as ArtifactCodec<K>;
}
