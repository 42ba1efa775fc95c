// `runner weights list | fetch <backbone> | import <file-or-folder> --as <backbone>`: manage the
// ImageNet weights cache (NEURO_SSL_WEIGHTS_DIR, default ~/.cache/neuro-ssl/weights).

import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { consoleSink, createLogger } from '@neuro-ssl/core';
import { getBackbone, imagenetPath, listBackbones, loadWeightSource, resolveWeights, sha256Of, weightsCacheDir, type BackboneDefinition } from '@neuro-ssl/core/models';
import { loadTensorflow } from '@neuro-ssl/core/tf';
import { createProgressFactory } from './progress/progress-reporter.js';

export type WeightsCommand =
  | { action: 'list' }
  | { action: 'fetch'; backbone: string }
  | { action: 'import'; file: string; as?: string };

export async function weightsCommand(cmd: WeightsCommand, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const logger = createLogger({ level: 'info', sinks: [consoleSink()] });
  const cacheDir = weightsCacheDir();
  if (cmd.action === 'list') {
    out.write(`weights cache: ${cacheDir}${process.env.NEURO_SSL_WEIGHTS_DIR ? ' (NEURO_SSL_WEIGHTS_DIR)' : ''}\n`);
    for (const def of listBackbones()) {
      const file = imagenetPath(def, cacheDir);
      const present = existsSync(file);
      out.write(`${def.name.padEnd(16)} ${present ? 'present' : 'missing'}  ${file}\n`);
      out.write(`${''.padEnd(16)} ${def.imagenet.description}\n${''.padEnd(16)} from ${def.imagenet.url ?? '(no public download; import it)'}\n`);
      if (present) out.write(`${''.padEnd(16)} sha256 ${await sha256Of(file)}\n`);
    }
    return 0;
  }
  if (cmd.action === 'fetch') {
    const def = getBackbone(cmd.backbone);
    const file = imagenetPath(def, cacheDir);
    if (existsSync(file)) {
      out.write(`${def.name}: already present at ${file}\n`);
      return 0;
    }
    await resolveWeights(def, 'imagenet', { baseDir: process.cwd(), logger, progress: createProgressFactory({}), cacheDir, allowDownload: true });
    out.write(`${def.name}: fetched to ${file}\n`);
    return 0;
  }
  const source = path.resolve(cmd.file);
  const def = cmd.as ? getBackbone(cmd.as) : guessBackbone(source);
  // Load and check before copying: a file that does not fit the model is refused here, not at run time.
  const weights = await loadWeightSource(source, source);
  const format = weights.kind === 'state-dict' ? 'safetensors' : 'tfjs-layers';
  if (format !== def.imagenet.format) {
    throw new Error(`${def.name}'s ImageNet weights are a ${def.imagenet.format} ${def.imagenet.format === 'safetensors' ? 'file' : 'folder'}; ${source} is ${format}. Use it by path instead (weights: ${source})`);
  }
  const { tf } = await loadTensorflow({ backend: 'cpu', logger });
  const model = def.build(tf, { imageSize: def.defaultImageSize, width: def.defaultWidth ?? 1 });
  try {
    await def.loadWeights(tf, model, weights);
  } finally {
    model.dispose();
  }
  const target = imagenetPath(def, cacheDir);
  if (def.imagenet.sha256 && def.imagenet.format === 'safetensors') {
    const digest = await sha256Of(source);
    if (digest !== def.imagenet.sha256) logger.warn(`${source} has sha256 ${digest}, not the published ${def.imagenet.sha256}: imported anyway (it fits the model)`);
  }
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.import`;
  if (weights.kind === 'tfjs-layers') {
    // Only model.json and its shards: the cache holds weights, not whatever else was in the folder.
    const manifest = JSON.parse(await fs.readFile(path.join(source, 'model.json'), 'utf8')) as { weightsManifest?: { paths: string[] }[] };
    await fs.mkdir(tmp, { recursive: true });
    for (const name of ['model.json', ...(manifest.weightsManifest ?? []).flatMap((g) => g.paths)]) await fs.copyFile(path.join(source, name), path.join(tmp, name));
  } else {
    await fs.copyFile(source, tmp);
  }
  await fs.rm(target, { recursive: true, force: true });
  await fs.rename(tmp, target);
  out.write(`${def.name}: imported ${source} → ${target} (sha256 ${await sha256Of(target)})\n`);
  return 0;
}

function guessBackbone(file: string): BackboneDefinition {
  const base = path.basename(file);
  const match = listBackbones().find((d) => d.imagenet.file === base || base.startsWith(`${d.name}.`) || base.startsWith(`${d.name}_`));
  if (!match) throw new Error(`cannot tell which backbone ${base} is for: add --as <backbone> (one of ${listBackbones().map((d) => d.name).join(', ')})`);
  return match;
}
