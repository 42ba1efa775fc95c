// Turns a validated experiment into an executable plan: each stage's plugin loaded, its `with:`
// block validated against the plugin's own schema (defaults filled), and each declared input bound
// to the dataset or to an earlier stage's output of the same kind. Every problem is reported at once,
// with its YAML position, before anything runs.

import { deriveSeed, type AnyStagePlugin, type ArtifactKind } from '@neuro-ssl/core';
import { ConfigError, validateWithSchema, type ConfigIssue } from '@neuro-ssl/core/config';
import type { ExperimentConfig } from './config/experiment-config.js';
import type { YamlSource } from './config/yaml-source.js';
import path from 'node:path';
import { PluginResolveError, resolvePlugin } from './resolve-plugin.js';

/** Where an input comes from: the dataset scan, the benchmark labels of the pool, or an earlier stage. */
export type InputSource = { type: 'dataset' } | { type: 'pool-labels' } | { type: 'stage'; stageId: string; output: string };

export interface InputBinding {
  kind: ArtifactKind;
  source: InputSource;
}

export interface PlannedStage {
  index: number;
  id: string;
  use: string;
  plugin: AnyStagePlugin;
  resolvedFrom: string;
  /** The `with:` block after validation, with the plugin's defaults filled. */
  config: Record<string, unknown>;
  bindings: Record<string, InputBinding>;
  /** This stage's seed, derived from the experiment seed and the stage id. */
  seed: number;
  /** Deprecated spellings in its `with:` block that were accepted under their new names. */
  warnings: ConfigIssue[];
}

export function describeSource(source: InputSource): string {
  return source.type === 'stage' ? `${source.stageId}.${source.output}` : source.type === 'dataset' ? 'dataset' : 'data.unlabelled.labelsFile';
}

export async function buildPlan(config: ExperimentConfig, file: string, source: YamlSource): Promise<PlannedStage[]> {
  const issues: ConfigIssue[] = [];
  const at = (p: (string | number)[], message: string): void => {
    const pos = source.locate(p);
    issues.push({ file, line: pos.line, column: pos.column, path: formatPath(p), message });
  };
  const planned: PlannedStage[] = [];
  const yamlDir = path.dirname(file);

  for (const [index, stage] of config.stages.entries()) {
    let plugin: AnyStagePlugin;
    let resolvedFrom: string;
    try {
      ({ plugin, resolvedFrom } = await resolvePlugin(stage.use, yamlDir));
    } catch (err) {
      if (!(err instanceof PluginResolveError)) throw err;
      at(['stages', index, 'use'], err.message);
      continue;
    }
    const validated = validateWithSchema(plugin.configSchema, stage.with, { file, source, basePath: ['stages', index, 'with'] });
    issues.push(...validated.issues);
    const warnings = validated.warnings;

    const bindings: Record<string, InputBinding> = {};
    for (const [inputName, kind] of Object.entries(plugin.inputs)) {
      const mapped = stage.inputs[inputName];
      const where = mapped !== undefined ? ['stages', index, 'inputs', inputName] : ['stages', index, 'use'];
      const bound = bindInput(kind, mapped, planned);
      if (typeof bound === 'string') at(where, `input "${inputName}" (${kind}): ${bound}`);
      else bindings[inputName] = { kind, source: bound };
    }
    // Optional inputs: an explicit mapping must bind; otherwise bound when an earlier stage offers one.
    for (const [inputName, kind] of Object.entries(plugin.optionalInputs ?? {})) {
      const mapped = stage.inputs[inputName];
      const bound = bindInput(kind, mapped, planned);
      if (typeof bound !== 'string') bindings[inputName] = { kind, source: bound };
      else if (mapped !== undefined) at(['stages', index, 'inputs', inputName], `input "${inputName}" (${kind}, optional): ${bound}`);
    }
    for (const extra of Object.keys(stage.inputs)) {
      if (!(extra in plugin.inputs) && !(extra in (plugin.optionalInputs ?? {}))) {
        const declared = [...Object.keys(plugin.inputs), ...Object.keys(plugin.optionalInputs ?? {}).map((n) => `${n} (optional)`)];
        at(['stages', index, 'inputs', extra], `${plugin.name} has no input "${extra}" (its inputs: ${declared.join(', ') || 'none'})`);
      }
    }
    planned.push({
      index,
      id: stage.id,
      use: stage.use,
      plugin,
      resolvedFrom,
      config: validated.value as Record<string, unknown>,
      bindings,
      seed: deriveSeed(config.seed, stage.id),
      warnings,
    });
  }
  if (issues.length) throw new ConfigError(issues);
  return planned;
}

/** Binds one input; returns an explanation string when it cannot. */
function bindInput(kind: ArtifactKind, mapped: string | undefined, earlier: PlannedStage[]): InputSource | string {
  // The benchmark labels come from the experiment's data block alone (empty without a labels file).
  if (kind === 'PoolLabels' && mapped === undefined) return { type: 'pool-labels' };
  if (mapped === 'dataset' || (mapped === undefined && kind === 'DatasetIndex')) {
    return kind === 'DatasetIndex' ? { type: 'dataset' } : `"dataset" is a DatasetIndex, not a ${kind}`;
  }
  if (mapped === undefined) {
    // Default: the nearest earlier stage with exactly one output of this kind.
    for (let i = earlier.length - 1; i >= 0; i--) {
      const stage = earlier[i] as PlannedStage;
      const outs = Object.entries(stage.plugin.outputs).filter(([, k]) => k === kind);
      if (outs.length === 1) return { type: 'stage', stageId: stage.id, output: (outs[0] as [string, ArtifactKind])[0] };
      if (outs.length > 1) {
        return `stage "${stage.id}" has several ${kind} outputs (${outs.map(([n]) => n).join(', ')}); choose one with inputs: {...: ${stage.id}.<output>}`;
      }
    }
    return `no earlier stage produces a ${kind}; add one before this stage or map the input under inputs:`;
  }
  const [stageId, output] = mapped.split('.', 2) as [string, string | undefined];
  const stage = earlier.find((s) => s.id === stageId);
  if (!stage) {
    const ids = earlier.map((s) => s.id);
    return `"${mapped}" names no earlier stage (earlier stages: ${ids.length ? ids.join(', ') : 'none'}; or "dataset")`;
  }
  const outputs = Object.entries(stage.plugin.outputs);
  if (output === undefined) {
    const ofKind = outputs.filter(([, k]) => k === kind);
    if (ofKind.length === 1) return { type: 'stage', stageId, output: (ofKind[0] as [string, ArtifactKind])[0] };
    return ofKind.length === 0
      ? `stage "${stageId}" produces no ${kind} (its outputs: ${outputs.map(([n, k]) => `${n}: ${k}`).join(', ')})`
      : `stage "${stageId}" has several ${kind} outputs; write ${stageId}.<output>`;
  }
  const found = outputs.find(([n]) => n === output);
  if (!found) return `stage "${stageId}" has no output "${output}" (its outputs: ${outputs.map(([n, k]) => `${n}: ${k}`).join(', ')})`;
  if (found[1] !== kind) return `"${mapped}" is a ${found[1]}, but this input expects a ${kind}`;
  return { type: 'stage', stageId, output };
}

export function formatPath(p: (string | number)[]): string {
  return p.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}
