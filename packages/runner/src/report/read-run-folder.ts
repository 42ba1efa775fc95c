// Everything the report shows, read from one run folder (nothing else: the cache may be pruned).
// Each part is optional, with the reason it is missing.

import path from 'node:path';

import { asArray, asObject, asString, numberMap, type JsonObject } from './json-reader.js';
import { isFile, listDir, readBinaryFile, readJsonFile, readTextFile, type Loaded } from './read-json-file.js';
import { summaryView, type StageView, type SummaryView } from './summary-view.js';

export interface MetricsView {
  stage: string;
  output: string;
  /**
   * Where the values come from: the `<stage>-<output>.json` file, summary.json (values only), the
   * stage's model meta.json (older run folders: the final model's validation values), or nowhere.
   */
  source: 'file' | 'summary' | 'model-meta' | 'none';
  values: Record<string, number>;
  confusionMatrix: number[][] | null;
  extra: JsonObject | null;
}

export interface FigureView {
  /** The stage that produced it; null in older run folders without figures/index.json. */
  stage: string | null;
  /** File name without extension. */
  name: string;
  title: string | null;
  /** Paths relative to the run folder, when the file exists. */
  png: string | null;
  svg: string | null;
  /** Bytes to inline: the PNG, else the SVG. */
  inline: { mime: 'image/png' | 'image/svg+xml'; data: Buffer } | null;
}

export interface RunFolderData {
  dir: string;
  summary: Loaded<SummaryView>;
  yaml: Loaded<string>;
  dataReport: Loaded<JsonObject>;
  metrics: MetricsView[];
  /** `<stage>-summary.json` files (ssl writes one): a fallback for the rounds of older run folders. */
  stageSummaries: Record<string, JsonObject>;
  /** `<stage>-<output>/meta.json` of Model outputs, by stage id (the train stage's `beta` names F2). */
  modelMeta: Record<string, JsonObject>;
  figures: FigureView[];
  figuresIndexed: boolean;
  /** Files and folders a reader opens directly, relative to the run folder, that exist. */
  files: string[];
  /** The last lines of run.log, for runs that did not end well. */
  logTail: string[] | null;
}

const LOG_TAIL_LINES = 30;

function object(loaded: Loaded<unknown>): Loaded<JsonObject> {
  if (!loaded.ok) return loaded;
  const value = asObject(loaded.value);
  return value ? { ok: true, value } : { ok: false, reason: 'unreadable: not a JSON object' };
}

function matrix(value: unknown): number[][] | null {
  const rows = asArray(value).map((r) => asArray(r).filter((v): v is number => typeof v === 'number'));
  return rows.length > 0 && rows.every((r) => r.length > 0) ? rows : null;
}

/** Metrics output names of a stage: declared outputs of kind Metrics and those summary.json carries. */
function metricsOutputs(stage: StageView): string[] {
  const names = Object.entries(stage.outputs)
    .filter(([, ref]) => ref.kind === 'Metrics')
    .map(([name]) => name);
  for (const name of Object.keys(stage.metrics)) if (!names.includes(name)) names.push(name);
  return names;
}

async function readMetrics(dir: string, stages: readonly StageView[]): Promise<MetricsView[]> {
  const out: MetricsView[] = [];
  for (const stage of stages) {
    for (const output of metricsOutputs(stage)) {
      const file = await readJsonFile(path.join(dir, `${stage.id}-${output}.json`));
      const artifact = file.ok ? asObject(file.value) : null;
      if (artifact) {
        out.push({ stage: stage.id, output, source: 'file', values: numberMap(artifact.values), confusionMatrix: matrix(artifact.confusionMatrix), extra: asObject(artifact.extra) });
      } else {
        const values = stage.metrics[output];
        out.push({ stage: stage.id, output, source: values ? 'summary' : 'none', values: values ?? {}, confusionMatrix: null, extra: null });
      }
    }
  }
  return out;
}

/** Older run folders have no Metrics file: the model's meta.json still holds its validation values. */
function withModelMetaFallback(metrics: MetricsView[], modelMeta: Record<string, JsonObject>): MetricsView[] {
  return metrics.map((m) => {
    const values = numberMap(modelMeta[m.stage]?.metrics);
    return m.source === 'none' && Object.keys(values).length > 0 ? { ...m, source: 'model-meta', values } : m;
  });
}

async function readModelMeta(dir: string, stages: readonly StageView[]): Promise<Record<string, JsonObject>> {
  const out: Record<string, JsonObject> = {};
  for (const stage of stages) {
    const models = Object.entries(stage.outputs).filter(([, ref]) => ref.kind === 'Model').map(([name]) => name);
    for (const output of models.length > 0 ? models : ['model']) {
      const meta = await readJsonFile(path.join(dir, `${stage.id}-${output}`, 'meta.json'));
      const value = meta.ok ? asObject(meta.value) : null;
      if (value) {
        out[stage.id] = value;
        break;
      }
    }
  }
  return out;
}

async function readStageSummaries(dir: string, stages: readonly StageView[]): Promise<Record<string, JsonObject>> {
  const out: Record<string, JsonObject> = {};
  for (const stage of stages) {
    const file = await readJsonFile(path.join(dir, `${stage.id}-summary.json`));
    const value = file.ok ? asObject(file.value) : null;
    if (value) out[stage.id] = value;
  }
  return out;
}

interface IndexEntry {
  stage: string | null;
  file: string;
  title: string | null;
}

async function readFigureIndex(dir: string): Promise<IndexEntry[] | null> {
  const loaded = await readJsonFile(path.join(dir, 'figures', 'index.json'));
  if (!loaded.ok || !Array.isArray(loaded.value)) return null;
  const entries: IndexEntry[] = [];
  for (const item of loaded.value) {
    const e = asObject(item);
    const file = asString(e?.file);
    // A name with a slash would point outside figures/: the index is data, not trusted paths.
    if (e && file && !file.includes('/') && !file.includes('\\')) entries.push({ stage: asString(e.stage), file, title: asString(e.title) });
  }
  return entries;
}

const FIGURE_EXT = /\.(png|svg)$/i;

async function readFigures(dir: string): Promise<{ figures: FigureView[]; indexed: boolean }> {
  const figuresDir = path.join(dir, 'figures');
  const onDisk = new Set((await listDir(figuresDir)).filter((f) => FIGURE_EXT.test(f)));
  const index = await readFigureIndex(dir);

  // One entry per figure (its PNG and SVG share the name), in index order, then what the index misses.
  const byName = new Map<string, { stage: string | null; title: string | null }>();
  for (const e of index ?? []) {
    const name = e.file.replace(FIGURE_EXT, '');
    const seen = byName.get(name);
    if (!seen) byName.set(name, { stage: e.stage, title: e.title });
    else if (!seen.title && e.title) seen.title = e.title;
  }
  for (const file of onDisk) {
    const name = file.replace(FIGURE_EXT, '');
    if (!byName.has(name)) byName.set(name, { stage: null, title: null });
  }

  const figures: FigureView[] = [];
  for (const [name, { stage, title }] of byName) {
    const png = onDisk.has(`${name}.png`) ? `figures/${name}.png` : null;
    const svg = onDisk.has(`${name}.svg`) ? `figures/${name}.svg` : null;
    const pngData = png ? await readBinaryFile(path.join(dir, png)) : null;
    const svgData = !pngData && svg ? await readBinaryFile(path.join(dir, svg)) : null;
    const inline = pngData ? ({ mime: 'image/png', data: pngData } as const) : svgData ? ({ mime: 'image/svg+xml', data: svgData } as const) : null;
    figures.push({ stage, name, title, png, svg, inline });
  }
  return { figures, indexed: index !== null };
}

const FIXED_FILES = ['features.parquet', 'clusters.parquet', 'pseudo_labels.parquet', 'metrics.jsonl', 'run.log', 'summary.json', 'data-report.json', 'config.resolved.yaml', 'artifacts.json', 'figures/index.json'];

async function existingFiles(dir: string, stages: readonly StageView[], metrics: readonly MetricsView[]): Promise<string[]> {
  const candidates = [...FIXED_FILES];
  for (const m of metrics) candidates.push(`${m.stage}-${m.output}.json`);
  for (const s of stages) candidates.push(`${s.id}-summary.json`);
  // Model outputs are copied whole as <stage>-<output>/; any folder with a meta.json is one.
  for (const entry of await listDir(dir)) candidates.push(`${entry}/meta.json`);
  const found: string[] = [];
  for (const file of candidates) if (!found.includes(file) && (await isFile(path.join(dir, file)))) found.push(file);
  return found;
}

async function readLogTail(dir: string): Promise<string[] | null> {
  const log = await readTextFile(path.join(dir, 'run.log'));
  if (!log.ok) return null;
  const lines = log.value.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(-LOG_TAIL_LINES);
}

export async function readRunFolder(runDir: string): Promise<RunFolderData> {
  const dir = path.resolve(runDir);
  const summaryFile = await readJsonFile(path.join(dir, 'summary.json'));
  const summary: Loaded<SummaryView> = summaryFile.ok ? { ok: true, value: summaryView(summaryFile.value) } : summaryFile;
  const stages = summary.ok ? summary.value.stages : [];
  const modelMeta = await readModelMeta(dir, stages);
  const metrics = withModelMetaFallback(await readMetrics(dir, stages), modelMeta);
  const { figures, indexed } = await readFigures(dir);
  const endedBadly = !summary.ok || summary.value.status !== 'ok';
  return {
    dir,
    summary,
    yaml: await readTextFile(path.join(dir, 'config.resolved.yaml')),
    dataReport: object(await readJsonFile(path.join(dir, 'data-report.json'))),
    metrics,
    stageSummaries: await readStageSummaries(dir, stages),
    modelMeta,
    figures,
    figuresIndexed: indexed,
    files: await existingFiles(dir, stages, metrics),
    logTail: endedBadly ? await readLogTail(dir) : null,
  };
}
