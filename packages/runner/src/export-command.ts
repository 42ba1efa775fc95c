// `runner export --model <run-folder|model-folder> --out <dir>`: a trained classifier for deployment —
// model.onnx (input: the preprocessed image batch, NHWC float32; output: the calibrated probability of
// the positive class, the temperature folded in) and meta.json (preprocessing, normalisation, class
// names, threshold), so that any ONNX Runtime (Python, C++, the browser) reproduces `runner predict`.

import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CODECS, silentLogger, type Logger } from '@neuro-ssl/core';
import { classNames, loadClassifier, upgradeClassifierMeta } from '@neuro-ssl/core/learn';
import { foldForInference, layersModelToOnnx, ONNX_INPUT, ONNX_OPSET } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { writeFileAtomic } from '@neuro-ssl/core/util';
import { PredictUsageError, resolveModelFolder } from './predict-command.js';

export const ONNX_FILE = 'model.onnx';
export const ONNX_OUTPUT = 'probability';

export interface ExportOptions {
  model: string;
  out: string;
  format: 'onnx';
  cwd?: string;
  logger?: Logger;
}

/** What a deployment needs beside the graph, in meta.json. */
export interface ExportedMeta {
  format: 'onnx';
  opset: number;
  input: { name: string; layout: 'NHWC'; shape: [null, number, number, 3]; dtype: 'float32' };
  output: { name: string; meaning: string };
  preprocess: unknown;
  normalization: unknown;
  classes: { negative: string; positive: string };
  threshold: number;
  temperature: number;
  source: string;
}

export async function exportModel(options: ExportOptions): Promise<{ dir: string; files: string[] }> {
  const cwd = options.cwd ?? process.cwd();
  const logger = options.logger ?? silentLogger;
  const modelDir = await resolveModelFolder(options.model, cwd);
  const out = path.resolve(cwd, options.out);
  const existing = await fs.readdir(out).catch(() => null);
  if (existing && existing.length) throw new PredictUsageError(`--out ${out} is not empty: choose an empty or new folder (an export never overwrites files)`);
  const { tf } = await loadTensorflow({ backend: 'cpu', logger });
  const artifact = await CODECS.Model.load(modelDir);
  const loaded = await loadClassifier(tf, artifact).catch((err: unknown) => {
    throw new PredictUsageError(err instanceof Error ? err.message : String(err));
  });
  const meta = upgradeClassifierMeta(loaded.meta);
  const folded = foldForInference(tf, loaded.model, logger);
  try {
    const onnx = layersModelToOnnx(folded, {
      outputName: ONNX_OUTPUT,
      calibratedProbability: { temperature: meta.temperature },
      metadata: { source: modelDir, threshold: String(meta.threshold) },
    });
    const [negative, positive] = classNames(meta.classes);
    const size = meta.preprocess.imageSize;
    const exported: ExportedMeta = {
      format: 'onnx',
      opset: ONNX_OPSET,
      input: { name: ONNX_INPUT, layout: 'NHWC', shape: [null, size, size, 3], dtype: 'float32' },
      output: { name: ONNX_OUTPUT, meaning: `calibrated probability of "${positive}" (sigmoid(logit / ${meta.temperature}))` },
      preprocess: meta.preprocess,
      normalization: meta.normalization,
      classes: { negative, positive },
      threshold: meta.threshold,
      temperature: meta.temperature,
      source: modelDir,
    };
    await fs.mkdir(out, { recursive: true });
    await writeFileAtomic(path.join(out, ONNX_FILE), onnx);
    await writeFileAtomic(path.join(out, 'meta.json'), `${JSON.stringify(exported, null, 2)}\n`);
    return { dir: out, files: [ONNX_FILE, 'meta.json'] };
  } finally {
    if (folded !== loaded.model) folded.dispose();
    loaded.model.dispose();
  }
}

export async function exportCommand(options: ExportOptions, stderr: NodeJS.WritableStream = process.stderr): Promise<number> {
  try {
    const { dir, files } = await exportModel(options);
    stderr.write(`runner export: wrote ${files.map((f) => path.join(dir, f)).join(', ')}\n`);
    return 0;
  } catch (err) {
    if (err instanceof PredictUsageError) {
      stderr.write(`runner export: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}
