// `runner predict` on a real (tiny, seeded) classifier: probabilities checked against the model run
// by hand on the same preprocessed images, bad files, the CSV, --out safety, model folder lookup
// (artifact, run folder exported by runExperiment, several/none), and argument parsing.
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRng, type LayersModel, type Tensor, type Tf } from '@neuro-ssl/core';
import { writeSyntheticScans } from '@neuro-ssl/core/data';
import { IMAGENET_NORMALIZATION, loadPreprocessed, toFloatRGB } from '@neuro-ssl/core/image';
import { CLASSIFIER_KIND, attachHead, buildBackbone, saveModelFolder, type ClassifierMeta, type ClassifierSpec } from '@neuro-ssl/core/learn';
import { seededInit } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { UsageError, parseArgs } from './cli-args.js';
import { csvField, predictCommand, predictionsCsv, type PredictOptions, type PredictResult } from './predict-command.js';
import { runExperiment } from './run-experiment.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const SPEC: ClassifierSpec = { backbone: 'resnet18', width: 0.125, imageSize: 32, head: { type: 'linear', hidden: 0, dropout: 0 } };
const PREPROCESS = { normalize: true, clahe: false, crop: 'brain', imageSize: 32 } as const;
const TEMPERATURE = 2;
const THRESHOLD = 0.4;

let tmp: string;
let tf: Tf;
let model: LayersModel;
let art: string;
let imgs: string;
/** The images that decode, relative to `imgs`, in the order predict lists them. */
let good: string[];

function capture(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (b: Buffer) => (text += b.toString()));
  return { stream, text: () => text };
}

async function predict(options: Partial<PredictOptions>): Promise<PredictResult & { stdout: string; stderr: string }> {
  const out = capture();
  const err = capture();
  const result = await predictCommand({ model: art, inputs: [imgs], batchSize: 3, backend: 'cpu', cwd: tmp, stdout: out.stream, stderr: err.stream, ...options });
  return { ...result, stdout: out.text(), stderr: err.text() };
}

/** RFC 4180 reader (quoted fields, doubled quotes, CRLF) — independent of the writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const endRow = (): void => {
    row.push(field);
    rows.push(row);
    row = [];
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      endRow();
      i++;
    } else field += c;
  }
  if (field || row.length) endRow();
  return rows;
}

/** The model's logit for one file, by hand: the training pipeline's loader, normalisation, predict. */
async function logitOf(file: string): Promise<number> {
  const img = await loadPreprocessed(file, PREPROCESS);
  const x = tf.tensor4d(toFloatRGB(img, IMAGENET_NORMALIZATION), [1, 32, 32, 3]);
  const y = model.predict(x) as Tensor;
  const [v] = await y.data();
  tf.dispose([x, y]);
  return v as number;
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

function meta(overrides: Partial<ClassifierMeta> = {}): ClassifierMeta {
  return {
    kind: CLASSIFIER_KIND,
    spec: SPEC,
    mode: 'finetune',
    preprocess: { ...PREPROCESS },
    normalization: IMAGENET_NORMALIZATION,
    classes: { Cancer: 1, Normal: 0 },
    temperature: TEMPERATURE,
    threshold: THRESHOLD,
    beta: 2,
    epoch: 1,
    metrics: {},
    split: { train: [], validation: [] },
    weights: null,
    backend: 'cpu',
    seed: 1,
    ...overrides,
  };
}

async function writeArtifact(dir: string, m: object): Promise<void> {
  await saveModelFolder(tf, model, path.join(dir, 'model'));
  await fs.writeFile(path.join(dir, 'meta.json'), `${JSON.stringify(m, null, 2)}\n`);
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'predict-'));
  ({ tf } = await loadTensorflow({ backend: 'cpu' }));
  const backbone = buildBackbone(tf, SPEC);
  seededInit(tf, backbone, createRng(3));
  model = attachHead(tf, backbone, SPEC);

  const { root } = await writeSyntheticScans(path.join(tmp, 'ds'), { labelledPerClass: 3, size: 48, seed: 5 });
  imgs = path.join(tmp, 'imgs');
  await fs.mkdir(path.join(imgs, 'sub', 'deeper'), { recursive: true });
  const cancer = path.join(root, 'avec_labels', 'Cancer');
  const normal = path.join(root, 'avec_labels', 'Normal');
  await fs.copyFile(path.join(cancer, 'cancer-0.jpg'), path.join(imgs, 'c0.jpg'));
  await fs.copyFile(path.join(cancer, 'cancer-1.jpg'), path.join(imgs, 'sub', 'C1.JPEG'));
  await fs.copyFile(path.join(cancer, 'cancer-2.jpg'), path.join(imgs, 'sub', 'deeper', 'c2.jpg'));
  await fs.copyFile(path.join(normal, 'normal-0.jpg'), path.join(imgs, 'n0.jpg'));
  await fs.copyFile(path.join(normal, 'normal-1.jpg'), path.join(imgs, 'sub', 'n1.jpg'));
  await fs.copyFile(path.join(normal, 'normal-2.jpg'), path.join(imgs, 'a,"quoted" name.jpg'));
  const full = await fs.readFile(path.join(cancer, 'cancer-0.jpg'));
  await fs.writeFile(path.join(imgs, 'sub', 'truncated.jpg'), full.subarray(0, Math.floor(full.length / 2)));
  await fs.writeFile(path.join(imgs, 'notes.jpg'), 'this is a text file, not a scan\n');
  await fs.writeFile(path.join(imgs, 'empty.png'), '');
  await fs.writeFile(path.join(imgs, 'readme.txt'), 'not listed: not an image extension');
  await fs.copyFile(path.join(cancer, 'cancer-0.jpg'), path.join(imgs, '.hidden.jpg'));
  good = ['a,"quoted" name.jpg', 'c0.jpg', 'n0.jpg', 'sub/C1.JPEG', 'sub/deeper/c2.jpg', 'sub/n1.jpg'];

  // Put the decision threshold (logit 2·ln(0.4/0.6)) between the images' logits, so both labels occur.
  const logits = await Promise.all(good.map((f) => logitOf(path.join(imgs, f))));
  const sorted = [...logits].sort((a, b) => a - b);
  const mid = ((sorted[2] as number) + (sorted[3] as number)) / 2;
  const head = model.getLayer('head_logit');
  const [kernel, bias] = head.getWeights() as [Tensor, Tensor];
  const shift = TEMPERATURE * Math.log(THRESHOLD / (1 - THRESHOLD)) - mid;
  head.setWeights([kernel, tf.add(bias, shift) as Tensor]);

  art = path.join(tmp, 'art');
  await writeArtifact(art, meta());
}, 120_000);

afterAll(async () => {
  model?.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('runner predict', () => {
  it('predicts sigmoid(logit / T) with the meta preprocessing, labels at the threshold, error rows for bad files, exit 1', async () => {
    const r = await predict({ out: 'out.csv' });
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stderr).not.toMatch(/without BatchNorm folding/); // the loaded classifier folds
    const expectedOrder = ['a,"quoted" name.jpg', 'c0.jpg', 'empty.png', 'n0.jpg', 'notes.jpg', 'sub/C1.JPEG', 'sub/deeper/c2.jpg', 'sub/n1.jpg', 'sub/truncated.jpg'];
    expect(r.rows.map((row) => path.relative(imgs, row.path).split(path.sep).join('/'))).toEqual(expectedOrder);

    const labels = new Set<string>();
    for (const file of good) {
      const row = r.rows.find((x) => x.path === path.join(imgs, file))!;
      const expected = sigmoid((await logitOf(path.join(imgs, file))) / TEMPERATURE);
      expect(row.error).toBeNull();
      // predict folds BatchNorm into the convolutions: equal to the unfolded reference to float32 rounding.
      expect(Math.abs(row.probability! - expected), file).toBeLessThan(1e-5);
      expect(row.label).toBe(row.probability! >= THRESHOLD ? 'Cancer' : 'Normal');
      labels.add(row.label!);
    }
    expect([...labels].sort()).toEqual(['Cancer', 'Normal']);

    const bad = Object.fromEntries(r.rows.filter((x) => x.error !== null).map((x) => [path.basename(x.path), x]));
    expect(Object.keys(bad).sort()).toEqual(['empty.png', 'notes.jpg', 'truncated.jpg']);
    expect(bad['truncated.jpg']!.error).toMatch(/truncated/);
    expect(bad['notes.jpg']!.error).toMatch(/not an image/);
    expect(bad['empty.png']!.error).toMatch(/empty file \(0 bytes\)/);
    for (const row of Object.values(bad)) {
      expect(row.probability).toBeNull();
      expect(row.label).toBeNull();
      expect(r.stderr).toContain(`${row.path}: ${row.error}`);
    }
    expect(r.stderr).toContain('3 of 9 image(s) could not be read');
    expect(r.stderr).toMatch(/; backend cpu; 9 image\(s\)/);

    // the table: path, probability to 4 decimals, label
    const c0 = r.rows.find((x) => x.path === path.join(imgs, 'c0.jpg'))!;
    expect(r.stdout.split('\n')[0]).toMatch(/^path\s+probability\s+label$/);
    expect(r.stdout).toMatch(new RegExp(`c0\\.jpg\\s+${c0.probability!.toFixed(4).replace('.', '\\.')}\\s+${c0.label}\\n`));

    // the CSV parses back to the same rows
    const text = await fs.readFile(path.join(tmp, 'out.csv'), 'utf8');
    const [header, ...lines] = parseCsv(text);
    expect(header).toEqual(['path', 'probability', 'label', 'error']);
    expect(lines).toHaveLength(9);
    lines.forEach((line, i) => {
      const row = r.rows[i]!;
      expect(line[0]).toBe(row.path);
      expect(line[1] === '' ? null : Number(line[1])).toBe(row.probability);
      expect(line[2] === '' ? null : line[2]).toBe(row.label);
      expect(line[3] === '' ? null : line[3]).toBe(row.error);
    });
    expect(text).toContain('"' + path.join(imgs, 'a,""quoted"" name.jpg') + '"');
    expect((await fs.readdir(tmp)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('exit 0 when every image is predicted; files given directly are used as they are', async () => {
    const files = [path.join(imgs, 'sub', 'n1.jpg'), path.join(imgs, 'c0.jpg')];
    const r = await predict({ inputs: files, out: 'two.csv', batchSize: 1 });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.rows.map((x) => x.path)).toEqual(files);
    expect(r.rows.every((x) => x.error === null && x.probability !== null)).toBe(true);
  });

  it('never overwrites: an existing --out is refused (exit 2), the default name gets a suffix', async () => {
    const target = path.join(tmp, 'keep.csv');
    await fs.writeFile(target, 'precious\n');
    const r = await predict({ out: 'keep.csv' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--out keep\.csv already exists: not overwriting it/);
    expect(await fs.readFile(target, 'utf8')).toBe('precious\n');

    const cwd = path.join(tmp, 'default-name');
    await fs.mkdir(cwd);
    const now = new Date('2026-01-02T03:04:05.678Z');
    await fs.writeFile(path.join(cwd, 'predictions-2026-01-02T03-04-05Z.csv'), 'older\n');
    const d = await predict({ cwd, now, inputs: [path.join(imgs, 'c0.jpg')] });
    expect(d.exitCode, d.stderr).toBe(0);
    expect(d.csvPath).toBe(path.join(cwd, 'predictions-2026-01-02T03-04-05Z-2.csv'));
    expect(await fs.readFile(path.join(cwd, 'predictions-2026-01-02T03-04-05Z.csv'), 'utf8')).toBe('older\n');
    expect(parseCsv(await fs.readFile(d.csvPath!, 'utf8'))).toHaveLength(2);
  });

  it('a model whose meta.kind is not a classifier is refused with a clear message (exit 2)', async () => {
    const wrong = path.join(tmp, 'wrong-kind');
    await writeArtifact(wrong, { ...meta(), kind: 'something-else' });
    const r = await predict({ model: wrong, out: 'never.csv' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${path.join(wrong, 'model')}: not a classifier written by the train stage (meta.kind is "something-else", expected "${CLASSIFIER_KIND}")`);
    await expect(fs.stat(path.join(tmp, 'never.csv'))).rejects.toThrow();
  });

  it('usage errors exit 2: missing model, no model in a folder, no images', async () => {
    expect((await predict({ model: path.join(tmp, 'nope') })).stderr).toMatch(/--model .*nope: no such file or folder/);
    const empty = path.join(tmp, 'empty-folder');
    await fs.mkdir(empty);
    const none = await predict({ model: empty });
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/no model there — expected a Model artifact folder \(meta\.json \+ model\/model\.json\)/);
    const noImages = await predict({ inputs: [empty] });
    expect(noImages.exitCode).toBe(2);
    expect(noImages.stderr).toMatch(/no images found/);
    expect((await predict({ inputs: [path.join(tmp, 'missing.jpg')] })).exitCode).toBe(2);
  });

  it('finds the model in a run folder (exported by the runner as <stage>-<output>/); several are listed', async () => {
    const exp = path.join(tmp, 'exp');
    await fs.mkdir(exp);
    await writeSyntheticScans(path.join(exp, 'data'), { labelledPerClass: 2, size: 32 });
    await fs.writeFile(
      path.join(exp, 'exp.yaml'),
      `name: predict-run
seed: 1
data: { root: ./data }
runtime: { backend: cpu, cacheDir: ./cache, runsDir: ./runs }
stages:
  - use: ${path.join(here, '__fixtures__', 'plugins', 'model-output.mjs')}
    id: train
    with: { source: ${JSON.stringify(art)} }
`,
    );
    const log = capture();
    const run = await runExperiment({ file: path.join(exp, 'exp.yaml'), flags: { force: new Set(), dryRun: false, verbose: false, quiet: true }, stream: log.stream as unknown as NodeJS.WriteStream });
    expect(run.exitCode, log.text()).toBe(0);
    const runDir = run.runDir!;
    const exported = path.join(runDir, 'train-model');
    expect((await fs.readdir(exported)).sort()).toEqual(['meta.json', 'model']);
    expect(JSON.parse(await fs.readFile(path.join(exported, 'meta.json'), 'utf8'))).toEqual(meta());

    const direct = await predict({ inputs: [path.join(imgs, 'c0.jpg'), path.join(imgs, 'n0.jpg')], out: 'direct.csv' });
    const viaRun = await predict({ model: runDir, inputs: [path.join(imgs, 'c0.jpg'), path.join(imgs, 'n0.jpg')], out: 'via-run.csv' });
    expect(viaRun.exitCode, viaRun.stderr).toBe(0);
    expect(viaRun.modelDir).toBe(exported);
    expect(viaRun.rows).toEqual(direct.rows);

    await fs.cp(exported, path.join(runDir, 'ssl-model'), { recursive: true });
    const several = await predict({ model: runDir });
    expect(several.exitCode).toBe(2);
    expect(several.stderr).toContain('holds 2 models: ssl-model, train-model; choose one with --model');
    // its meta.json or model/ folder work too
    expect((await predict({ model: path.join(runDir, 'ssl-model', 'model'), inputs: [path.join(imgs, 'c0.jpg')], out: 'inner.csv' })).exitCode).toBe(0);
  });

  it('CSV quoting follows RFC 4180', () => {
    expect(csvField('plain.jpg')).toBe('plain.jpg');
    expect(csvField('a,b.jpg')).toBe('"a,b.jpg"');
    expect(csvField('say "hi".jpg')).toBe('"say ""hi"".jpg"');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(predictionsCsv([{ path: 'x.jpg', probability: null, label: null, error: 'empty file (0 bytes)' }])).toBe(
      'path,probability,label,error\r\nx.jpg,,,empty file (0 bytes)\r\n',
    );
  });
});

describe('runner predict arguments', () => {
  it('parses the flags', () => {
    expect(parseArgs(['predict', '--model', 'm', 'a.jpg', 'dir', '--out', 'o.csv', '--batch-size', '8', '--backend', 'wasm'])).toEqual({
      command: 'predict',
      predict: { model: 'm', inputs: ['a.jpg', 'dir'], out: 'o.csv', batchSize: 8, backend: 'wasm', inference: 'auto' },
    });
    expect(parseArgs(['predict', '--model=m', 'a.jpg'])).toEqual({ command: 'predict', predict: { model: 'm', inputs: ['a.jpg'], batchSize: 32, backend: 'auto', inference: 'auto' } });
    expect(parseArgs(['predict', '--model', 'm', '--', '-odd.jpg'])).toMatchObject({ predict: { inputs: ['-odd.jpg'] } });
  });

  it('rejects bad flags as usage errors', () => {
    const bad = [
      ['predict', 'a.jpg'],
      ['predict', '--model', 'm'],
      ['predict', '--model', 'm', 'a.jpg', '--batch-size', '0'],
      ['predict', '--model', 'm', 'a.jpg', '--backend', 'gpu'],
      ['predict', '--model', 'm', 'a.jpg', '--frobnicate'],
      ['predict', '--model'],
    ];
    for (const argv of bad) expect(() => parseArgs(argv), argv.join(' ')).toThrow(UsageError);
    expect(() => parseArgs(['predict', '--model', 'm', 'a.jpg', '--backend', 'gpu'])).toThrow(/argument 'gpu' is invalid. Allowed choices are auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu/);
  });
});
