// Input binding of the plan: required inputs bind or fail with the line; optional inputs bind when an
// earlier stage offers one and are left out otherwise, unless the YAML maps them by name.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@neuro-ssl/core/config';
import { loadExperiment } from './config/load-experiment.js';
import { buildPlan, type PlannedStage } from './plan.js';

let dir: string;

const plugin = (name: string, inputs: Record<string, string>, outputs: Record<string, string>, optionalInputs?: Record<string, string>): string =>
  `export const plugin = ${JSON.stringify({ name, version: '1.0.0', configSchema: { type: 'object' }, inputs, outputs, ...(optionalInputs ? { optionalInputs } : {}) })};\n` +
  `plugin.run = async () => ({});\n`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'plan-'));
  await fs.mkdir(path.join(dir, 'data', 'sans_label'), { recursive: true });
  await fs.writeFile(path.join(dir, 'features.mjs'), plugin('features', { dataset: 'DatasetIndex' }, { features: 'FeatureTable' }));
  await fs.writeFile(path.join(dir, 'model.mjs'), plugin('model', { dataset: 'DatasetIndex' }, { model: 'Model' }));
  await fs.writeFile(path.join(dir, 'reuse.mjs'), plugin('reuse', { model: 'Model' }, { metrics: 'Metrics' }, { features: 'FeatureTable' }));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function plan(stages: string): Promise<PlannedStage[]> {
  const file = path.join(dir, 'exp.yaml');
  await fs.writeFile(file, `name: plan\nseed: 1\ndata:\n  root: ./data\n  unlabelled: { dir: sans_label }\nstages:\n${stages}`);
  const { config, source } = await loadExperiment(file);
  return buildPlan(config, file, source);
}

describe('buildPlan: optional inputs', () => {
  it('binds an optional input to the nearest earlier stage that produces its kind', async () => {
    const stages = await plan(`  - use: ./features.mjs\n  - use: ./model.mjs\n  - use: ./reuse.mjs\n`);
    expect(stages[2]!.bindings).toEqual({
      model: { kind: 'Model', source: { type: 'stage', stageId: 'model', output: 'model' } },
      features: { kind: 'FeatureTable', source: { type: 'stage', stageId: 'features', output: 'features' } },
    });
  });

  it('leaves it out when no earlier stage produces one (the stage runs without it)', async () => {
    const stages = await plan(`  - use: ./model.mjs\n  - use: ./reuse.mjs\n`);
    expect(Object.keys(stages[1]!.bindings)).toEqual(['model']);
  });

  it('a mapping under inputs: must bind, and fails with the line when it cannot; unknown names list the optional ones', async () => {
    const failure = await plan(`  - use: ./model.mjs\n  - use: ./reuse.mjs\n    inputs: { features: extract }\n`).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ConfigError);
    expect(String((failure as Error).message)).toMatch(/exp\.yaml:9:\d+: stages\[1\]\.inputs\.features: input "features" \(FeatureTable, optional\): "extract" names no earlier stage \(earlier stages: model; or "dataset"\)/);
    const unknown = await plan(`  - use: ./model.mjs\n  - use: ./reuse.mjs\n    inputs: { feats: model }\n`).catch((e: unknown) => e);
    expect(String((unknown as Error).message)).toMatch(/reuse has no input "feats" \(its inputs: model, features \(optional\)\)/);
  });
});
