// `runner predict --model <path> <image or folder>...`: run a trained classifier (a Model artifact
// written by the train stage) on images, with exactly the preprocessing, normalisation, temperature
// and threshold stored in its meta.json. Prints a table and writes a CSV; an unreadable image gets
// an error row and the others go on.

import { existsSync, promises as fs, type Stats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CODECS, consoleSink, createLogger, type BackendRequest, type ModelArtifact, type PreprocessConfig } from '@neuro-ssl/core';
import { sniffFormat } from '@neuro-ssl/core/data';
import { createGreyImage, decodeGrey, loadPreprocessed, preprocessGrey, type ImageBatchItem } from '@neuro-ssl/core/image';
import { metrics, classNames, loadClassifier, type ClassifierMeta } from '@neuro-ssl/core/learn';
import { createInferenceEngine, foldForInference, runOnImages, type InferenceRequest } from '@neuro-ssl/core/models';
import { BACKEND_PREFERENCE, loadTensorflow } from '@neuro-ssl/core/tf';
import { writeFileExclusive } from '@neuro-ssl/core/util';
import { createProgressFactory } from './progress/progress-reporter.js';
import { timestamp } from './run-folder.js';

export interface PredictCommand {
  /** A Model artifact folder (meta.json + model/) or a run folder holding exactly one. */
  model: string;
  /** Image files and folders (walked recursively). */
  inputs: string[];
  /** CSV file; default predictions-<timestamp>.csv in `cwd`. Never overwritten. */
  out?: string;
  batchSize: number;
  backend: BackendRequest;
  /** Engine of the forward pass (default auto: ONNX Runtime where installed, else TF.js). */
  inference?: InferenceRequest;
}

export interface PredictOptions extends PredictCommand {
  /** Images decoded at the same time (default 4, as runtime.concurrency). */
  concurrency?: number;
  /** The table (default process.stdout). */
  stdout?: NodeJS.WritableStream;
  /** Logs, per-file errors and the summary (default process.stderr). */
  stderr?: NodeJS.WritableStream;
  /** Relative paths (model, inputs, --out) and the default CSV are taken from here (default process.cwd()). */
  cwd?: string;
  now?: Date;
}

export interface PredictionRow {
  /** As given on the command line, or the folder given joined with the file's path inside it. */
  path: string;
  /** sigmoid(logit / temperature); null when the image could not be read. */
  probability: number | null;
  label: string | null;
  error: string | null;
}

export interface PredictResult {
  /** 0 every image predicted, 1 some failed, 2 usage error (nothing predicted). */
  exitCode: 0 | 1 | 2;
  rows: PredictionRow[];
  csvPath?: string;
  /** The Model artifact folder used. */
  modelDir?: string;
}

/** A problem with what was asked (model, inputs, --out): exit code 2, nothing predicted. */
export class PredictUsageError extends Error {}

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff'] as const;

export const BACKEND_CHOICES: readonly BackendRequest[] = ['auto', ...BACKEND_PREFERENCE];

const META_JSON = 'meta.json';
const MODEL_DIR = 'model';
const MODEL_JSON = 'model.json';

const statOrNull = (p: string): Promise<Stats | null> => fs.stat(p).catch(() => null);
const isArtifactFolder = (dir: string): boolean => existsSync(path.join(dir, META_JSON)) && existsSync(path.join(dir, MODEL_DIR, MODEL_JSON));
const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The Model artifact folder `given` points to: the artifact itself (meta.json + model/, or its
 * meta.json or model/ folder), or a run folder whose subfolders hold exactly one artifact
 * (the runner copies each Model output to <runDir>/<stage>-<output>/).
 */
export async function resolveModelFolder(given: string, cwd = process.cwd()): Promise<string> {
  const full = path.resolve(cwd, given);
  const stat = await statOrNull(full);
  if (!stat) throw new PredictUsageError(`--model ${given}: no such file or folder`);
  if (stat.isFile()) {
    if (path.basename(full) === META_JSON || path.basename(full) === MODEL_JSON) return resolveModelFolder(path.dirname(full), cwd);
    throw new PredictUsageError(`--model ${given}: expected a Model artifact folder (meta.json + model/) or a run folder, got a file`);
  }
  if (existsSync(path.join(full, META_JSON))) return full;
  // The model/ folder inside an artifact.
  if (existsSync(path.join(full, MODEL_JSON)) && existsSync(path.join(path.dirname(full), META_JSON))) return path.dirname(full);
  const entries = await fs.readdir(full, { withFileTypes: true });
  const candidates = entries
    .filter((e) => !e.name.startsWith('.') && (e.isDirectory() || e.isSymbolicLink()) && isArtifactFolder(path.join(full, e.name)))
    .map((e) => e.name)
    .sort();
  if (candidates.length === 1) return path.join(full, candidates[0] as string);
  if (candidates.length > 1) {
    throw new PredictUsageError(
      `--model ${given} holds ${candidates.length} models: ${candidates.join(', ')}; choose one with --model ${path.join(given, '<name>')}`,
    );
  }
  throw new PredictUsageError(
    `--model ${given}: no model there — expected a Model artifact folder (meta.json + model/model.json) or a run folder with one ` +
      `<stage>-<output>/ folder holding one${await cachedModelsHint(full)}`,
  );
}

/** Model outputs a run folder's artifacts.json lists (in the cache), for the "no model" message. */
async function cachedModelsHint(dir: string): Promise<string> {
  try {
    const refs = JSON.parse(await fs.readFile(path.join(dir, 'artifacts.json'), 'utf8')) as Record<string, { kind?: string; path?: string }>;
    const models = Object.entries(refs).filter(([, r]) => r.kind === 'Model' && typeof r.path === 'string');
    if (!models.length) return ' (its artifacts.json lists no Model output)';
    return ` (artifacts.json lists ${models.map(([k, r]) => `${k} at ${r.path}`).join(', ')}: pass that folder with --model)`;
  } catch {
    return '';
  }
}

/**
 * Image files of the inputs, as paths to show: a file as given; a folder walked recursively (hidden
 * entries skipped) and sorted, each file as the folder given joined with its path inside it.
 */
export async function findImages(inputs: string[], cwd = process.cwd()): Promise<{ files: string[]; warnings: string[] }> {
  const files: string[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = path.resolve(cwd, file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const input of inputs) {
    const stat = await statOrNull(path.resolve(cwd, input));
    if (!stat) throw new PredictUsageError(`${input}: no such file or folder`);
    if (!stat.isDirectory()) {
      add(input);
      continue;
    }
    const found = (await walkImages(path.resolve(cwd, input))).map((rel) => path.join(input, rel));
    if (!found.length) warnings.push(`${input}: no image files (${IMAGE_EXTENSIONS.join(' ')}) in this folder`);
    found.forEach(add);
  }
  return { files, warnings };
}

/** Paths inside `root` (relative to it) of its image files, sorted. */
async function walkImages(root: string): Promise<string[]> {
  const out: string[] = [];
  const visited = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    const dir = path.join(root, rel);
    const real = await fs.realpath(dir);
    if (visited.has(real)) return; // a symlink cycle
    visited.add(real);
    for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const child = rel ? path.join(rel, entry.name) : entry.name;
      const stat = entry.isSymbolicLink() ? await statOrNull(path.join(root, child)) : entry;
      if (stat?.isDirectory()) await walk(child);
      else if (stat?.isFile() && (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(entry.name).toLowerCase())) out.push(child);
    }
  };
  await walk('');
  // Plain code-unit order of the path inside the folder, '/'-separated: the same on every machine.
  const key = (rel: string): string => rel.split(path.sep).join('/');
  out.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  return out;
}

/** The meta fields prediction uses, checked beyond what loadClassifier checks. */
function checkMeta(meta: ClassifierMeta, dir: string): void {
  const problems: string[] = [];
  const pre = meta.preprocess as Partial<PreprocessConfig> | undefined;
  if (!pre || typeof pre.imageSize !== 'number' || typeof pre.normalize !== 'boolean' || typeof pre.clahe !== 'boolean' || (pre.crop !== 'brain' && pre.crop !== 'none')) {
    problems.push('preprocess must be { normalize, clahe, crop, imageSize }');
  }
  const norm = meta.normalization as { mean?: unknown; std?: unknown } | undefined;
  const triple = (v: unknown): boolean => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number');
  if (!norm || !triple(norm.mean) || !triple(norm.std)) problems.push('normalization must have mean and std of 3 numbers');
  if (typeof meta.classes !== 'object' || meta.classes === null) problems.push('classes must map class names to 0/1');
  if (!(meta.temperature > 0)) problems.push(`temperature must be > 0, got ${meta.temperature}`);
  if (problems.length) throw new PredictUsageError(`${path.join(dir, META_JSON)}: ${problems.join('; ')}`);
}

/** Why an image failed, decoded again on its own (libvips' error text is process-wide, so concurrent decodes can mix them up). */
async function describeFailure(file: string, cfg: PreprocessConfig, first: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (err) {
    return `cannot read the file: ${messageOf(err)}`;
  }
  if (bytes.length === 0) return 'empty file (0 bytes)';
  let img;
  try {
    img = await decodeGrey(bytes);
  } catch (err) {
    const message = messageOf(err).split('\n')[0] ?? '';
    if (sniffFormat(bytes) === 'unknown') return `not an image (no known image signature, ${bytes.length} bytes)`;
    if (/premature end|truncat|unexpected end/i.test(message)) return `truncated image (${message})`;
    return `cannot decode the image (${message})`;
  }
  try {
    await preprocessGrey(img, cfg);
  } catch (err) {
    return `preprocessing failed: ${messageOf(err)}`;
  }
  return first;
}

/** One CSV field, RFC 4180: quoted when it holds a comma, quote, CR or LF; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const CSV_COLUMNS = ['path', 'probability', 'label', 'error'] as const;

/** The CSV text (CRLF line ends, as RFC 4180 has them); probabilities at full precision. */
export function predictionsCsv(rows: PredictionRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) lines.push([r.path, r.probability === null ? '' : String(r.probability), r.label ?? '', r.error ?? ''].map(csvField).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

/** path | probability (4 decimals) | label; a failed image shows its error in the label column. */
export function predictionsTable(rows: PredictionRow[]): string {
  const cells = rows.map((r) => [r.path, r.probability === null ? '-' : r.probability.toFixed(4), r.label ?? `error: ${r.error ?? ''}`]);
  const header = ['path', 'probability', 'label'];
  const width = Math.max(header[0]!.length, ...cells.map((c) => c[0]!.length));
  const line = (c: string[]): string => `${c[0]!.padEnd(width)}  ${c[1]!.padStart(11)}  ${c[2]}`.trimEnd();
  return `${[line(header), ...cells.map(line)].join('\n')}\n`;
}

export async function predictCommand(options: PredictOptions): Promise<PredictResult> {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const logger = createLogger({ level: 'info', sinks: [consoleSink(stderr)] });
  try {
    return await predict(options, stdout, stderr, logger);
  } catch (err) {
    if (!(err instanceof PredictUsageError)) throw err;
    stderr.write(`runner predict: ${err.message}\n`);
    return { exitCode: 2, rows: [] };
  }
}

async function predict(
  options: PredictOptions,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  logger: ReturnType<typeof createLogger>,
): Promise<PredictResult> {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1) throw new PredictUsageError(`--batch-size must be a positive integer, got ${options.batchSize}`);
  if (!BACKEND_CHOICES.includes(options.backend)) throw new PredictUsageError(`--backend must be one of ${BACKEND_CHOICES.join(', ')}, got ${String(options.backend)}`);
  const cwd = options.cwd ?? process.cwd();
  // An existing --out is refused before any work is done (and again, atomically, when writing).
  if (options.out !== undefined && existsSync(path.resolve(cwd, options.out))) {
    throw new PredictUsageError(`--out ${options.out} already exists: not overwriting it (choose another name or remove it)`);
  }
  const modelDir = await resolveModelFolder(options.model, cwd);
  const { files, warnings } = await findImages(options.inputs, cwd);
  for (const w of warnings) logger.warn(w);
  if (!files.length) throw new PredictUsageError(`no images found in ${options.inputs.join(', ') || '(no paths given)'}`);

  let artifact: ModelArtifact;
  try {
    artifact = await CODECS.Model.load(modelDir);
  } catch (err) {
    throw new PredictUsageError(`cannot read ${path.join(modelDir, META_JSON)}: ${messageOf(err)}`);
  }
  const handle = await loadTensorflow({ backend: options.backend, logger }).catch((err: unknown) => {
    throw new PredictUsageError(messageOf(err));
  });
  const { tf } = handle;
  const loaded = await loadClassifier(tf, artifact).catch((err: unknown) => {
    throw new PredictUsageError(messageOf(err));
  });
  const { meta } = loaded;
  let model = loaded.model;
  try {
    checkMeta(meta, modelDir);
    const inputSize = model.inputs[0]?.shape[1];
    if (typeof inputSize === 'number' && inputSize !== meta.preprocess.imageSize) {
      throw new PredictUsageError(`${modelDir}: the model takes ${inputSize} px images but meta.preprocess.imageSize is ${meta.preprocess.imageSize}`);
    }
    const [negative, positive] = classNames(meta.classes);
    logger.info(
      `model ${modelDir}: ${meta.spec.backbone} ×${meta.spec.width}, ${meta.preprocess.imageSize} px, ` +
        `normalisation ${meta.normalization.name}, temperature ${meta.temperature}, threshold ${meta.threshold} → ${positive} / ${negative}; ` +
        `backend ${handle.backend}; ${files.length} image(s)`,
    );

    // Inference only: BatchNorm merged into the convolutions (the same logits to float rounding, faster on wasm).
    const folded = foldForInference(tf, model, logger);
    if (folded !== model) {
      model.dispose();
      model = folded;
    }

    const size = meta.preprocess.imageSize;
    const failures = new Map<number, string>();
    const items: ImageBatchItem[] = files.map((file, i) => ({ id: String(i), path: path.resolve(cwd, file) }));
    const progress = createProgressFactory({ stream: stderr })({ label: 'predict', total: items.length, unit: 'img' });
    const engine = await createInferenceEngine(tf, model, { request: options.inference ?? 'auto', threads: os.availableParallelism(), logger });
    logger.info(`inference: ${engine.description}`);
    const logits = await runOnImages(tf, model, items, {
      engine,
      preprocess: meta.preprocess,
      normalization: meta.normalization,
      batchSize: options.batchSize,
      concurrency: options.concurrency ?? 4,
      outputDim: 1,
      progress,
      // The training pipeline's own loader; a file it cannot read becomes a blank image whose row is dropped below.
      load: async (item) => {
        try {
          return await loadPreprocessed(item.path, meta.preprocess);
        } catch (err) {
          failures.set(Number(item.id), messageOf(err));
          return createGreyImage(size, size);
        }
      },
    });
    progress.done();
    await engine.dispose();

    const probs = metrics.applyTemperature(logits, meta.temperature);
    const rows: PredictionRow[] = [];
    for (const [i, file] of files.entries()) {
      const failed = failures.get(i);
      if (failed !== undefined) {
        const error = await describeFailure(path.resolve(cwd, file), meta.preprocess, failed);
        stderr.write(`runner predict: ${file}: ${error}\n`);
        rows.push({ path: file, probability: null, label: null, error });
      } else {
        const p = probs[i] as number;
        rows.push({ path: file, probability: p, label: p >= meta.threshold ? positive : negative, error: null });
      }
    }

    stdout.write(predictionsTable(rows));
    const csvPath = await writeCsv(rows, options);
    const counts = new Map<string, number>();
    for (const r of rows) if (r.label !== null) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
    const tally = [positive, negative].map((name) => `${counts.get(name) ?? 0} ${name}`).join(', ');
    logger.info(`predicted ${rows.length - failures.size} of ${rows.length} image(s) (${tally}); wrote ${csvPath}`);
    if (failures.size) {
      logger.error(`${failures.size} of ${rows.length} image(s) could not be read (rows with an error in ${csvPath})`);
      return { exitCode: 1, rows, csvPath, modelDir };
    }
    return { exitCode: 0, rows, csvPath, modelDir };
  } finally {
    model.dispose();
  }
}

/** --out exactly (refused if it exists), or predictions-<timestamp>[-n].csv in the current folder. */
async function writeCsv(rows: PredictionRow[], options: PredictOptions): Promise<string> {
  const cwd = options.cwd ?? process.cwd();
  const text = predictionsCsv(rows);
  if (options.out !== undefined) {
    const target = path.resolve(cwd, options.out);
    if (!(await writeFileExclusive(target, text))) throw new PredictUsageError(`--out ${options.out} appeared while predicting: not overwriting it`);
    return options.out;
  }
  const base = `predictions-${timestamp(options.now ?? new Date())}`;
  for (let n = 1; ; n++) {
    const name = n === 1 ? `${base}.csv` : `${base}-${n}.csv`;
    if (await writeFileExclusive(path.join(cwd, name), text)) return path.join(cwd, name);
  }
}
