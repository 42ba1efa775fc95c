import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunFolders, KEY, type Fixture } from './__fixtures__/run-folders.js';
import { compareRuns, type Comparison } from './compare.js';
import { flattenConfig } from './flatten-config.js';
import { loadRun } from './load-run.js';
import { metricDirection } from './metric-direction.js';
import { orderedUnion } from './ordered-union.js';

let fx: Fixture;
let c: Comparison;
beforeAll(async () => {
  fx = await makeRunFolders();
  c = compareRuns([await loadRun(fx.probe), await loadRun(fx.partial), await loadRun(fx.old)]);
});
afterAll(() => fx.cleanup());

const metric = (key: string) => c.metrics.find((m) => m.key === key);

describe('compareRuns', () => {
  it('labels the runs in the order given', () => {
    expect(c.runs.map((r) => [r.label, r.dir, r.name, r.status])).toEqual([
      ['A', fx.probe, 'exp-a', 'ok'],
      ['B', fx.partial, 'exp-a', 'ok'],
      ['C', fx.old, 'exp-old', 'failed'],
    ]);
  });

  it('lists only the config keys that differ, in document order, with — for a missing key', () => {
    expect(c.configDiff).toEqual([
      { path: 'name', values: ['exp-a', 'exp-a', 'exp-old'] },
      { path: 'seed', values: ['42', '7', '42'] },
      { path: 'stages.cluster.with.standardize', values: ['—', 'true', '—'] },
      { path: 'stages.train.with.mode', values: ['probe', 'partial', 'probe'] },
    ]);
    const paths = c.configDiff.map((d) => d.path);
    for (const equal of ['data.root', 'data.classes.Cancer', 'runtime.backend', 'stages.train.with.epochs', 'stages.extract.inputs']) expect(paths).not.toContain(equal);
    expect(c.configMissing).toEqual([]);
  });

  it('puts metrics side by side, from summary.json or (old format) from <stage>-<output>.json', () => {
    expect(c.metrics.map((m) => m.key)).toEqual(['train.metrics.n', 'train.metrics.fBeta', 'train.metrics.ece', 'train.metrics.brier', 'train.metrics.bestEpoch']);
    expect(metric('train.metrics.fBeta')!.values).toEqual([0.95, 0.9, 0.8]);
    expect(metric('train.metrics.ece')!.values).toEqual([0.2, 0.05, 0.3]);
    expect(metric('train.metrics.bestEpoch')!.values).toEqual([79, 79, 12]);
  });

  it('marks the best run per row: higher for F-beta, lower for ECE and Brier, none for counts', () => {
    expect(metric('train.metrics.fBeta')).toMatchObject({ direction: 'higher', best: [0] });
    expect(metric('train.metrics.ece')).toMatchObject({ direction: 'lower', best: [1] });
    // A and B tie at 0.02, both better than C's 0.04.
    expect(metric('train.metrics.brier')).toMatchObject({ direction: 'lower', best: [0, 1] });
    expect(metric('train.metrics.n')).toMatchObject({ direction: 'none', best: [] });
    expect(metric('train.metrics.bestEpoch')).toMatchObject({ direction: 'none', best: [] });
  });

  it('keeps headlines per stage and run', () => {
    expect(c.headlines).toEqual([{ stage: 'train', values: [['validation F2 0.950', 'second line'], ['validation F2 0.900', 'second line'], ['validation F2 0.800']] }]);
  });

  it('says which runs share each stage\'s cache entry', () => {
    const byStage = Object.fromEntries(c.sharedStages.map((s) => [s.stage, s]));
    expect(Object.keys(byStage)).toEqual(['extract', 'cluster', 'train', 'ssl']);
    expect(byStage.extract).toMatchObject({ shared: 'all', groups: [[0, 1, 2]] });
    expect(byStage.cluster).toMatchObject({ shared: 'some', groups: [[0, 1], [2]] });
    expect(byStage.train).toMatchObject({ shared: 'none', groups: [[0], [1], [2]] });
    expect(byStage.train!.runs.map((r) => r?.key)).toEqual([KEY.trainProbe, KEY.trainPartial, KEY.trainOld]);
    // Only the old run has an ssl stage.
    expect(byStage.ssl!.runs.map((r) => r?.status ?? null)).toEqual([null, null, 'failed']);
    expect(byStage.ssl).toMatchObject({ shared: 'none' });
  });

  it('lists provenance differences; the old-format run shows —', () => {
    expect(c.provenanceMissing).toEqual(['C']);
    expect(c.provenanceDiff.map((p) => p.field)).toEqual(['git commit', 'backend requested', 'backend used', 'node', 'platform', 'cpu', 'input images', '@neuro-ssl/core']);
    expect(c.provenanceDiff.find((p) => p.field === 'git commit')!.values).toEqual(['1234567890ab', 'fedcba098765', '—']);
    expect(c.provenanceDiff.find((p) => p.field === 'backend used')!.values).toEqual(['tensorflow', 'wasm', '—']);
  });

  it('finds no differences between a run and itself', async () => {
    const run = await loadRun(fx.probe);
    const self = compareRuns([run, run]);
    expect(self.configDiff).toEqual([]);
    expect(self.provenanceDiff).toEqual([]);
    expect(self.metrics.every((m) => m.best.length === 0)).toBe(true);
    expect(self.sharedStages.every((s) => s.shared === 'all')).toBe(true);
  });
});

describe('helpers', () => {
  it('flattens YAML values to dotted paths, arrays by index, empty collections as leaves', () => {
    expect([...flattenConfig({ a: { b: 1, 'odd key': 'x' }, s: [{ with: { mode: 'probe' } }, 'y'], e: {}, l: [], n: null })]).toEqual([
      ['a.b', 1],
      ['a["odd key"]', 'x'],
      ['s[0].with.mode', 'probe'],
      ['s[1]', 'y'],
      ['e', '{}'],
      ['l', '[]'],
      ['n', null],
    ]);
    // Stages are keyed by id: experiments with different stage lists still line up stage by stage.
    const stages = { stages: [{ id: 'extract', use: 'extract' }, { id: 'train', use: 'train', with: { mode: 'probe' } }] };
    expect([...flattenConfig(stages)]).toEqual([
      ['stages.extract.use', 'extract'],
      ['stages.train.use', 'train'],
      ['stages.train.with.mode', 'probe'],
    ]);
  });

  it('merges ordered lists keeping each one\'s order', () => {
    expect(orderedUnion([['a', 'b', 'd'], ['a', 'c', 'd', 'e'], ['x']])).toEqual(['a', 'b', 'c', 'd', 'e', 'x']);
  });

  it('knows which way is better', () => {
    expect(['fBeta', 'prAuc', 'rocAuc', 'accuracy', 'delta_fBeta'].map(metricDirection)).toEqual(['higher', 'higher', 'higher', 'higher', 'higher']);
    expect(['ece', 'brier', 'nll', 'valLoss', 'loss', 'eceBeforeTemperature'].map(metricDirection)).toEqual(['lower', 'lower', 'lower', 'lower', 'lower', 'lower']);
    expect(['n', 'threshold', 'temperature', 'bestEpoch', 'delta_fBeta_low', 'baseline_fBeta', 'whatever'].map(metricDirection)).toEqual(Array(7).fill('none'));
  });
});
