// Where weights live and how `weights: imagenet | none | <path>` becomes a WeightSource.
// Never a silent random init: a missing file is an error naming the path, the URL and the fix.

import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BackboneDefinition, WeightSource } from '../models/backbone.js';
import type { Logger } from '../progress/logger.js';
import type { ProgressFactory } from '../progress/progress.js';
import { downloadFile, downloadTfjsFolder } from './download.js';
import { readSafetensors } from './safetensors.js';

/** `NEURO_SSL_WEIGHTS_DIR`, else ~/.cache/neuro-ssl/weights. */
export function weightsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.NEURO_SSL_WEIGHTS_DIR ? path.resolve(env.NEURO_SSL_WEIGHTS_DIR) : path.join(os.homedir(), '.cache', 'neuro-ssl', 'weights');
}

export function imagenetPath(definition: BackboneDefinition, cacheDir = weightsCacheDir()): string {
  return path.join(cacheDir, definition.imagenet.file);
}

export class MissingWeightsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingWeightsError';
  }
}

/** What was loaded, for logs and the FeatureTable's provenance. */
export interface WeightsIdentity {
  spec: string;
  path: string | null;
  /** sha256 of the .safetensors file, or of model.json + shards for a TF.js folder. */
  sha256: string | null;
  format: 'safetensors' | 'tfjs-layers' | 'none';
}

export interface ResolvedWeights {
  source: WeightSource | null;
  identity: WeightsIdentity;
}

export interface ResolveWeightsOptions {
  /** Relative paths are resolved against this folder (the experiment YAML's). */
  baseDir: string;
  logger: Logger;
  progress?: ProgressFactory;
  cacheDir?: string;
  /** Try the canonical download when `imagenet` is not cached (default: unless NEURO_SSL_OFFLINE=1). */
  allowDownload?: boolean;
  fetchImpl?: typeof fetch;
}

/**
 * sha256 of a file; for a TF.js model folder, of model.json and the shards its manifest lists (in
 * that order), so that extra files beside them (a README, SOURCE.txt) do not change the identity.
 */
export async function sha256Of(target: string): Promise<string> {
  const hash = createHash('sha256');
  const stat = await fs.stat(target);
  if (stat.isFile()) return hash.update(await fs.readFile(target)).digest('hex');
  const modelJson = await fs.readFile(path.join(target, 'model.json'));
  const manifest = JSON.parse(modelJson.toString('utf8')) as { weightsManifest?: { paths: string[] }[] };
  hash.update(modelJson);
  for (const shard of (manifest.weightsManifest ?? []).flatMap((g) => g.paths)) hash.update(await fs.readFile(path.join(target, shard)));
  return hash.digest('hex');
}

export function fetchInstructions(definition: BackboneDefinition, target: string): string {
  const { imagenet } = definition;
  const where = imagenet.url ? `download ${imagenet.url}${imagenet.format === 'tfjs-layers' ? ' (with the weight shards it lists)' : ''}` : 'obtain the file';
  return (
    `${where} on a machine with internet access and put it at ${target} — or run \`npx runner weights import <file> --as ${definition.name}\`, ` +
    `or \`npx runner weights fetch ${definition.name}\` where the network allows. Set NEURO_SSL_WEIGHTS_DIR to use another cache folder.`
  );
}

export async function loadWeightSource(file: string, spec: string): Promise<WeightSource> {
  const stat = await fs.stat(file).catch(() => null);
  if (!stat) throw new MissingWeightsError(`weights: ${spec}: no file or folder at ${file}`);
  if (stat.isDirectory()) {
    if (!existsSync(path.join(file, 'model.json'))) {
      throw new MissingWeightsError(`weights: ${spec}: ${file} is a folder without model.json (expected a TF.js layers-model folder or a .safetensors file)`);
    }
    return { kind: 'tfjs-layers', dir: file, origin: file };
  }
  if (file.endsWith('.safetensors')) {
    const { tensors } = await readSafetensors(file);
    return { kind: 'state-dict', tensors, origin: file };
  }
  throw new MissingWeightsError(`weights: ${spec}: ${file} is neither a .safetensors file nor a TF.js model folder (model.json + shards)`);
}

/** Resolves `weights:` for a backbone to loaded tensors (or null for `none`). */
export async function resolveWeights(definition: BackboneDefinition, spec: string, options: ResolveWeightsOptions): Promise<ResolvedWeights> {
  const { logger } = options;
  if (spec === 'none') {
    logger.warn(`weights: none — ${definition.name} is randomly initialised: its features carry no ImageNet knowledge`);
    return { source: null, identity: { spec, path: null, sha256: null, format: 'none' } };
  }
  let file: string;
  if (spec === 'imagenet') {
    const cacheDir = options.cacheDir ?? weightsCacheDir();
    file = imagenetPath(definition, cacheDir);
    if (!existsSync(file)) await fetchImagenet(definition, file, options);
  } else {
    file = path.resolve(options.baseDir, spec);
  }
  const source = await loadWeightSource(file, spec);
  const sha256 = await sha256Of(file);
  if (spec === 'imagenet' && definition.imagenet.sha256 && definition.imagenet.format === 'safetensors' && sha256 !== definition.imagenet.sha256) {
    throw new MissingWeightsError(
      `weights: imagenet: ${file} has sha256 ${sha256}, expected ${definition.imagenet.sha256} (${definition.imagenet.description}); delete it and fetch it again`,
    );
  }
  logger.info(`weights: ${definition.name} ← ${file} (sha256 ${sha256})`);
  return { source, identity: { spec, path: file, sha256, format: source.kind === 'state-dict' ? 'safetensors' : 'tfjs-layers' } };
}

async function fetchImagenet(definition: BackboneDefinition, target: string, options: ResolveWeightsOptions): Promise<void> {
  const allow = options.allowDownload ?? process.env.NEURO_SSL_OFFLINE !== '1';
  const { url } = definition.imagenet;
  if (!allow || !url) {
    throw new MissingWeightsError(
      `ImageNet weights for ${definition.name} are not in the weights cache: expected ${target}` +
        `${allow ? '' : ' (downloads are off: NEURO_SSL_OFFLINE=1)'}. To get them, ${fetchInstructions(definition, target)}`,
    );
  }
  options.logger.info(`weights: ${definition.name}: ${target} is missing, downloading ${url}`);
  const download = { ...(definition.imagenet.sha256 ? { sha256: definition.imagenet.sha256 } : {}), ...(options.progress ? { progress: options.progress } : {}), ...(options.fetchImpl ? { fetchImpl: options.fetchImpl } : {}) };
  try {
    const digest =
      definition.imagenet.format === 'tfjs-layers' ? await downloadTfjsFolder(url, target, download) : await downloadFile(url, target, download);
    options.logger.info(`weights: downloaded ${definition.imagenet.file} (sha256 ${digest})`);
  } catch (err) {
    const cause = err instanceof Error ? (err.cause instanceof Error ? `${err.message}: ${err.cause.message}` : err.message) : String(err);
    throw new MissingWeightsError(
      `ImageNet weights for ${definition.name} are not in the weights cache (${target}) and could not be downloaded from ${url} (${cause}). ` +
        `To get them, ${fetchInstructions(definition, target)}`,
    );
  }
}
