// Builds run folders for the report tests: the new format (every file of the spec), the old one
// (before provenance, figures/index.json and <stage>-<output>.json) and a failed run. The Metrics
// JSON are real: train's and ssl's outputs of an exp02 run (train's history cut to two epochs).

import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`./${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
export const TRAIN_METRICS = fixture('train-metrics.json');
export const SSL_METRICS = fixture('ssl-metrics.json');

export const TRAIN_HEADLINE =
  'best epoch 79: validation (20 images) F2 1.000 [1.000, 1.000], PR-AUC 1.000 [1.000, 1.000], ROC-AUC 1.000 [1.000, 1.000], ECE 0.093 [0.040, 0.154]; cross-validation (2×5) F2 0.939 [0.912, 0.961], PR-AUC 0.979 [0.958, 0.994], ROC-AUC 0.973 [0.950, 0.992], ECE 0.188 [0.166, 0.214]';
export const SSL_HEADLINE = `verdict: ${(SSL_METRICS.extra as { verdict: { sentence: string } }).verdict.sentence}`;

export const GIT_COMMIT = '0123456789abcdef0123456789abcdef01234567';
export const INPUTS_SHA = 'fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210';

export interface FixtureOptions {
  format: 'new' | 'old' | 'failed';
  /** Experiment name (also in the YAML). */
  name?: string;
  /** Extra headline for the train stage (escaping tests). */
  headline?: string;
}

const write = async (file: string, data: string | Buffer): Promise<void> => {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
};
const json = (file: string, value: unknown): Promise<void> => write(file, `${JSON.stringify(value, null, 2)}\n`);

/** A small bar chart: an SVG, and its PNG rasterised by sharp, so both show the same figure. */
export function chartSvg(title: string, bars: number[], color: string): string {
  const w = 480;
  const h = 300;
  const bw = (w - 80) / bars.length;
  const rects = bars.map((b, i) => `<rect x="${50 + i * bw + 6}" y="${h - 40 - b * 200}" width="${bw - 12}" height="${b * 200}" fill="${color}"/>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><rect width="100%" height="100%" fill="#ffffff"/><text x="${w / 2}" y="28" font-size="18" text-anchor="middle" font-family="sans-serif">${title}</text><line x1="44" y1="${h - 40}" x2="${w - 24}" y2="${h - 40}" stroke="#333"/><line x1="44" y1="50" x2="44" y2="${h - 40}" stroke="#333"/>${rects}</svg>`;
}

export async function writeFigure(dir: string, name: string, svg: string, png = true): Promise<void> {
  await write(path.join(dir, 'figures', `${name}.svg`), svg);
  if (png) await write(path.join(dir, 'figures', `${name}.png`), await sharp(Buffer.from(svg)).png().toBuffer());
}

const DATA_REPORT = {
  root: '/data/br35h',
  classes: { Cancer: 1, Normal: 0 },
  counts: { images: 1506, labelled: 100, unlabelled: 1406, badFiles: 2, perClass: { Cancer: 50, Normal: 50 } },
  formats: { jpeg: 1500, png: 6 },
  progressive: 0,
  extensionMismatches: [],
  sizes: { distinct: 1, width: { min: 225, max: 225 }, height: { min: 225, max: 225 }, mostCommon: [{ width: 225, height: 225, count: 1506 }] },
  channels: { '3': 1506 },
  withAlpha: 0,
  palette: 0,
  bytes: { min: 10, max: 20, total: 30 },
  badFiles: {
    total: 2,
    byReason: { empty: 1, truncated: 1 },
    files: [
      { id: 'sans_label/empty.jpg', split: 'unlabelled', reason: 'empty', detail: '0 bytes' },
      { id: 'avec_labels/Cancer/cut.jpg', split: 'labelled', reason: 'truncated', detail: 'premature end of JPEG' },
    ],
  },
  duplicates: {
    hash: 'phash',
    threshold: 8,
    groups: 3,
    images: 7,
    spanningSplits: 1,
    spanningClasses: 1,
    largestGroup: 3,
    list: [
      { members: ['avec_labels/Cancer/a.jpg', 'avec_labels/Cancer/b.jpg'], maxDistance: 1, spansSplits: false, spansClasses: false },
      { members: ['avec_labels/Cancer/leak.jpg', 'sans_label/leak-copy.jpg', 'sans_label/leak-copy2.jpg'], maxDistance: 2, spansSplits: true, spansClasses: false },
      { members: ['avec_labels/Cancer/conflict.jpg', 'avec_labels/Normal/conflict.jpg'], maxDistance: 0, spansSplits: false, spansClasses: true },
    ],
  },
};

const MODEL_META = { kind: 'neuro-ssl/binary-classifier', classes: { Cancer: 1, Normal: 0 }, beta: 2, metrics: (TRAIN_METRICS.values as Record<string, number>) };

function yaml(name: string): string {
  return `# Resolved experiment\nname: ${name}\nseed: 42\nruntime:\n  backend: auto\nstages:\n  - use: train\n    id: train\n`;
}

function stages(format: FixtureOptions['format'], headline?: string): Record<string, unknown>[] {
  const metricsRef = (key: string) => ({ kind: 'Metrics', hash: 'h'.repeat(64), path: `/cache/stages/${key}/metrics` });
  const figureRef = (key: string) => ({ kind: 'Figure', hash: 'f'.repeat(64), path: `/cache/stages/${key}/figures` });
  const modelRef = (key: string) => ({ kind: 'Model', hash: 'm'.repeat(64), path: `/cache/stages/${key}/model` });
  const extractKey = '25fe2d4eaf9eea817565e7ecee866138';
  const trainKey = '41739a8e45a5b01aa601a269df442cd4';
  const sslKey = '4654f89f05ed67b24e4b0e66dd63b07b';
  const v = (version: string): Record<string, string> => (format === 'old' ? {} : { version });
  const extract = { id: 'extract', plugin: '@neuro-ssl/stage-extract', ...v('0.1.0'), status: 'cache-hit', key: extractKey, durationMs: 12, ...(format === 'old' ? {} : { originalDurationMs: 33150 }), outputs: { features: { kind: 'FeatureTable', hash: 'a'.repeat(64), path: '/cache/x' } } };
  if (format === 'failed') {
    return [
      extract,
      { id: 'train', plugin: '@neuro-ssl/stage-train', version: '0.1.0', status: 'failed', key: trainKey, durationMs: 4200, error: 'RangeError: learning rate <0> is not allowed' },
      { id: 'ssl', plugin: '@neuro-ssl/stage-ssl', version: '0.1.0', status: 'not-run' },
    ];
  }
  const metrics = (values: unknown): Record<string, unknown> => (format === 'new' ? { metrics: { metrics: values } } : {});
  return [
    extract,
    {
      id: 'train', plugin: '@neuro-ssl/stage-train', ...v('0.1.0'), status: 'ran', key: trainKey, durationMs: 46608,
      headlines: [TRAIN_HEADLINE, ...(headline ? [headline] : [])],
      outputs: { model: modelRef(trainKey), metrics: metricsRef(trainKey), figures: figureRef(trainKey) }, ...metrics(TRAIN_METRICS.values),
    },
    {
      id: 'ssl', plugin: '@neuro-ssl/stage-ssl', ...v('0.1.0'), status: 'ran', key: sslKey, durationMs: 46248, headlines: [SSL_HEADLINE],
      outputs: { model: modelRef(sslKey), metrics: metricsRef(sslKey), figures: figureRef(sslKey) }, ...metrics(SSL_METRICS.values),
    },
  ];
}

function summary(options: FixtureOptions, name: string): Record<string, unknown> {
  const failed = options.format === 'failed';
  const base = {
    name,
    experiment: `/work/experiments/${name}.yaml`,
    status: failed ? 'failed' : 'ok',
    exitCode: failed ? 1 : 0,
    ...(failed ? { error: 'stage train failed: RangeError: learning rate <0> is not allowed' } : {}),
    startedAt: '2026-12-04T18:20:11.000Z',
    durationMs: 137074,
    stages: stages(options.format, options.headline),
  };
  if (options.format === 'old') return base;
  return {
    format: 'neuro-ssl-run/1',
    ...base,
    seed: 42,
    finishedAt: '2026-12-04T18:22:28.074Z',
    provenance: {
      git: { commit: GIT_COMMIT, dirty: true },
      packages: { '@neuro-ssl/core': '0.1.0', '@neuro-ssl/runner': '0.1.0' },
      node: 'v20.20.2',
      backend: { requested: 'auto', used: 'wasm' },
      cpu: { model: 'Test CPU @ 2.0GHz', cores: 2 },
      platform: 'linux x64',
      inputs: { files: 1506, sha256: INPUTS_SHA },
    },
  };
}

const FIGURES = [
  { stage: 'train', output: 'figures', name: 'train-loss', title: 'Loss per epoch', bars: [0.9, 0.5, 0.3, 0.2], color: '#4c78a8' },
  { stage: 'train', output: 'figures', name: 'train-roc', title: 'ROC curve', bars: [0.2, 0.6, 0.9, 1], color: '#f58518' },
  { stage: 'ssl', output: 'figures', name: 'ssl-metrics', title: 'Metrics per round', bars: [0.8, 0.85, 0.82], color: '#54a24b' },
];

export async function makeRunFolder(dir: string, options: FixtureOptions): Promise<void> {
  const name = options.name ?? 'exp02-mobilenet';
  await fs.mkdir(dir, { recursive: true });
  await json(path.join(dir, 'summary.json'), summary(options, name));
  await write(path.join(dir, 'config.resolved.yaml'), yaml(name));
  await write(path.join(dir, 'run.log'), Array.from({ length: 40 }, (_, i) => `2026-12-04T18:20:${String(i).padStart(2, '0')}Z info line ${i}`).join('\n') + '\n');
  if (options.format === 'failed') {
    await fs.appendFile(path.join(dir, 'run.log'), '2026-12-04T18:21:00Z error stage train failed: RangeError: learning rate <0> is not allowed\n');
    return;
  }
  await json(path.join(dir, 'data-report.json'), DATA_REPORT);
  await write(path.join(dir, 'metrics.jsonl'), '{"stage":"train","time":"t","epoch":1}\n');
  await write(path.join(dir, 'features.parquet'), Buffer.from('PAR1'));
  await write(path.join(dir, 'pseudo_labels.parquet'), Buffer.from('PAR1'));
  await json(path.join(dir, 'train-model', 'meta.json'), MODEL_META);
  await json(path.join(dir, 'ssl-model', 'meta.json'), { ...MODEL_META, metrics: SSL_METRICS.values });
  const extra = SSL_METRICS.extra as Record<string, unknown>;
  await json(path.join(dir, 'ssl-summary.json'), { stage: 'ssl', verdict: extra.verdict, stop: extra.stop, finalRound: 0, baseline: { evaluation: extra.baseline }, rounds: extra.rounds });
  for (const f of FIGURES) await writeFigure(dir, f.name, chartSvg(f.title, f.bars, f.color));
  if (options.format === 'old') return;
  await json(path.join(dir, 'train-metrics.json'), TRAIN_METRICS);
  await json(path.join(dir, 'ssl-metrics.json'), SSL_METRICS);
  await json(
    path.join(dir, 'figures', 'index.json'),
    FIGURES.flatMap((f) => (['png', 'svg'] as const).map((format) => ({ stage: f.stage, output: f.output, file: `${f.name}.${format}`, format, title: f.title }))),
  );
}
