// The experiment files of the repository are valid (every plugin resolves, every `with:` block
// passes its schema, every input binds), and exp03 is exp01 with one line changed: the backbone.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadExperiment } from './config/load-experiment.js';
import { buildPlan, type PlannedStage } from './plan.js';

const experiments = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../experiments');

async function plan(name: string): Promise<PlannedStage[]> {
  const file = path.join(experiments, name);
  const { config, source } = await loadExperiment(file);
  return buildPlan(config, file, source);
}

describe('experiments/', () => {
  it('every experiment file validates and plans', async () => {
    const files = (await fs.readdir(experiments)).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['exp01.yaml', 'exp02-mobilenet.yaml', 'exp03-resnet18.yaml']));
    for (const f of files) expect((await plan(f)).length, f).toBeGreaterThan(0);
  });

  it('exp01 replays the notebook (extract → cluster → train → ssl) and exp03 swaps the backbone with one line', async () => {
    const a = await plan('exp01.yaml');
    const b = await plan('exp03-resnet18.yaml');
    expect(a.map((s) => s.use)).toEqual(['extract', 'cluster', 'train', 'ssl']);
    expect(b.map((s) => s.use)).toEqual(a.map((s) => s.use));
    const withBackbone = (stages: PlannedStage[], backbone: string) => stages.map((s) => ('backbone' in s.config ? { ...s.config, backbone } : s.config));
    expect(a.filter((s) => 'backbone' in s.config).map((s) => s.config.backbone)).toEqual(['resnet34', 'resnet34']);
    expect(b.filter((s) => 'backbone' in s.config).map((s) => s.config.backbone)).toEqual(['resnet18', 'resnet18']);
    expect(withBackbone(b, 'x')).toEqual(withBackbone(a, 'x'));
    // And in the text: one changed line besides the name and the header comment.
    const text = async (f: string): Promise<string[]> => (await fs.readFile(path.join(experiments, f), 'utf8')).split('\n').filter((l) => !l.startsWith('#') && !l.startsWith('name:'));
    const [ta, tb] = [await text('exp01.yaml'), await text('exp03-resnet18.yaml')];
    expect(ta.length).toBe(tb.length);
    expect(ta.filter((l, i) => l !== tb[i])).toEqual(['      backbone: &backbone resnet34']);
  });
});
