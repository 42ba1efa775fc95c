import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ConfigError, type ConfigIssue } from '@neuro-ssl/core/config';
import { defaultStageId, loadExperiment, parseExperiment, stringifyResolvedConfig } from './load-experiment.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'neuro-ssl-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const yaml = (lines: string[]): string => `${lines.join('\n')}\n`;

async function writeYaml(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

/** The issues of the ConfigError that `fn` throws. */
async function issuesOf(fn: () => Promise<unknown> | unknown): Promise<{ issues: ConfigIssue[]; message: string }> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof ConfigError) return { issues: err.issues, message: err.message };
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const minimal = yaml(['name: demo', 'data:', '  root: ./images', 'stages:', '  - use: "@neuro-ssl/stage-extract"']);

describe('loadExperiment', () => {
  it('fills defaults and resolves paths relative to the YAML folder', async () => {
    const file = await writeYaml('minimal.yaml', minimal);
    const { config, raw } = await loadExperiment(file);
    expect(config).toEqual({
      name: 'demo',
      seed: 42,
      data: {
        root: path.join(dir, 'images'),
        labelled: { dir: 'avec_labels', classes: { Cancer: 1, Normal: 0 } },
        onBadFile: 'skip',
        minSize: 32,
        duplicates: { threshold: 8, crossClass: 'error' },
        preprocess: { normalize: true, clahe: false, crop: 'brain', imageSize: 224 },
      },
      runtime: {
        backend: 'auto',
        batchSize: 32,
        concurrency: 4,
        inference: 'auto',
        threads: os.availableParallelism(), // 0 = one per core
        cacheDir: path.join(dir, '.neuro-ssl/cache'),
        runsDir: path.join(dir, 'runs'),
      },
      stages: [{ use: '@neuro-ssl/stage-extract', id: 'extract', with: {}, inputs: {} }],
    });
    // raw is the document as written, without defaults
    expect(raw).toEqual({ name: 'demo', data: { root: './images' }, stages: [{ use: '@neuro-ssl/stage-extract' }] });
  });

  it('keeps absolute paths and relative paths resolve against the YAML folder, not the cwd', async () => {
    const sub = path.join(dir, 'nested');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(sub, { recursive: true });
    const file = path.join(sub, 'exp.yaml');
    await writeFile(
      file,
      yaml([
        'name: demo',
        'data:',
        '  root: ../data',
        '  unlabelled: {}',
        'runtime:',
        '  cacheDir: /var/cache/neuro',
        '  runsDir: out/runs',
        'stages:',
        '  - use: x',
      ]),
    );
    const { config } = await loadExperiment(path.relative(process.cwd(), file));
    expect(config.data.root).toBe(path.join(dir, 'data'));
    expect(config.data.unlabelled).toEqual({ dir: 'sans_label' });
    expect(config.runtime.cacheDir).toBe('/var/cache/neuro');
    expect(config.runtime.runsDir).toBe(path.join(sub, 'out/runs'));
  });

  it('reports an unknown field with its position and a suggestion', async () => {
    const text = yaml(['name: demo', 'data:', '  root: ./images', 'runtime:', '  bakend: wasm', 'stages:', '  - use: x']);
    const { issues, message } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues).toEqual([
      { file: '/exp/a.yaml', line: 5, column: 3, path: 'runtime.bakend', message: 'unknown field "bakend"; did you mean "backend"? Allowed fields: backend, batchSize, concurrency, inference, threads, cacheDir, runsDir' },
    ]);
    expect(message).toBe('/exp/a.yaml:5:3: runtime.bakend: unknown field "bakend"; did you mean "backend"? Allowed fields: backend, batchSize, concurrency, inference, threads, cacheDir, runsDir');
  });

  it('suggests for transposed letters too', async () => {
    const text = yaml(['name: demo', 'data: {root: x}', 'runtime: {bakcend: wasm}', 'stages: [{use: x}]']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues[0]).toMatchObject({ line: 3, column: 11, message: 'unknown field "bakcend"; did you mean "backend"? Allowed fields: backend, batchSize, concurrency, inference, threads, cacheDir, runsDir' });
  });

  it('lists enum values and suggests a near miss', async () => {
    const text = yaml(['name: demo', 'data:', '  root: ./images', '  preprocess:', '    crop: brian', 'stages:', '  - use: x']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ line: 5, column: 11, path: 'data.preprocess.crop' });
    expect(issues[0]!.message).toContain('must be one of: brain, none');
    expect(issues[0]!.message).toContain('did you mean "brain"?');
  });

  it('reports wrong types with the value given', async () => {
    const text = yaml(['name: demo', 'seed: abc', 'data:', '  root: ./images', '  preprocess: {imageSize: 16}', 'stages:', '  - use: x']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues).toEqual([
      { file: '/exp/a.yaml', line: 2, column: 7, path: 'seed', message: 'expected integer, got string "abc"' },
      { file: '/exp/a.yaml', line: 5, column: 27, path: 'data.preprocess.imageSize', message: 'must be >= 32, got number 16' },
    ]);
  });

  it('reads data.minSize and data.duplicates.crossClass, and checks them', async () => {
    const text = yaml(['name: demo', 'data:', '  root: ./images', '  minSize: 64', '  duplicates: {threshold: 6, crossClass: warn}', 'stages:', '  - use: x']);
    const { config } = parseExperiment(text, '/exp/a.yaml');
    expect(config.data).toMatchObject({ minSize: 64, duplicates: { threshold: 6, crossClass: 'warn' } });
    const bad = yaml(['name: demo', 'data:', '  root: ./images', '  minSize: 0', '  duplicates: {crossClass: warning}', 'stages:', '  - use: x']);
    const { issues } = await issuesOf(() => parseExperiment(bad, '/exp/a.yaml'));
    expect(issues.map((i) => i.path)).toEqual(['data.minSize', 'data.duplicates.crossClass']);
    expect(issues[0]!.message).toBe('must be >= 1, got number 0');
    expect(issues[1]!.message).toContain('must be one of: error, warn');
  });

  it('points a missing required field at the object that lacks it', async () => {
    const text = yaml(['name: demo', 'data:', '  labelled:', '    dir: L', 'stages:', '  - use: x']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues).toEqual([{ file: '/exp/a.yaml', line: 2, column: 1, path: 'data', message: 'missing required field "root"' }]);
  });

  it('reports every problem at once, in file order', async () => {
    const text = yaml([
      'name: "bad name/"',
      'data:',
      '  root: ./images',
      '  onBadFile: ignore',
      'runtime:',
      '  backend: gpu',
      '  batchSize: 0',
      'stages: []',
      'extra: 1',
    ]);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues.map((i) => `${i.line}:${i.column} ${i.path}`)).toEqual([
      '1:7 name',
      '4:14 data.onBadFile',
      '6:12 runtime.backend',
      '7:14 runtime.batchSize',
      '8:9 stages',
      '9:1 extra',
    ]);
    expect(issues[2]!.message).toMatch(/^must be one of: auto, tensorflow-gpu, tensorflow, webgpu, wasm, cpu; got "gpu"/);
    expect(issues[4]!.message).toBe('must have at least 1 item, got 0');
  });

  it('turns YAML syntax errors into positioned issues', async () => {
    const text = yaml(['name: demo', 'data:', '  root: [a, b', 'stages:', '  - use: x']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues.length).toBeGreaterThan(0);
    expect(issues[0]).toMatchObject({ file: '/exp/a.yaml', line: 4, column: 1, path: '' });
    expect(issues[0]!.message).toMatch(/^YAML syntax error: /);

    const dup = await issuesOf(() => parseExperiment(yaml(['name: a', 'name: b']), '/exp/b.yaml'));
    expect(dup.issues[0]).toMatchObject({ line: 2, column: 1 });
    expect(dup.issues[0]!.message).toContain('duplicate key');
  });

  it('reports a missing file as a ConfigError', async () => {
    const { issues } = await issuesOf(() => loadExperiment(path.join(dir, 'nope.yaml')));
    expect(issues[0]!.message).toContain('file not found');
  });

  it('rejects an empty file', async () => {
    const { issues } = await issuesOf(() => parseExperiment('', '/exp/empty.yaml'));
    expect(issues).toEqual([{ file: '/exp/empty.yaml', line: 1, column: 1, path: '', message: 'expected object, got null' }]);
  });

  it('checks class indices', async () => {
    const text = yaml(['name: demo', 'data:', '  root: x', '  labelled:', '    classes: {A: 0, B: 0, C: 5}', 'stages: [{use: x}]']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues.map((i) => [i.path, i.message])).toEqual([
      ['data.labelled.classes.B', 'class index 0 is already used by "A"; each class needs its own index'],
      ['data.labelled.classes.C', 'class indices must be 0..2 (3 classes), got 5'],
    ]);
  });
});

describe('stage ids', () => {
  it('derives ids from `use`, suffixes repeats and keeps explicit ones', () => {
    const text = yaml([
      'name: demo',
      'data: {root: x}',
      'stages:',
      '  - use: "@neuro-ssl/stage-extract"',
      '  - use: ./plugins/my-stage.js',
      '  - use: "@neuro-ssl/stage-extract"',
      '  - use: "@neuro-ssl/stage-train"',
      '    id: extract-3',
      '  - use: "@neuro-ssl/stage-extract"',
    ]);
    const { config } = parseExperiment(text, '/exp/a.yaml');
    expect(config.stages.map((s) => s.id)).toEqual(['extract', 'my-stage', 'extract-2', 'extract-3', 'extract-4']);
  });

  it('rejects duplicate explicit ids at the second one', async () => {
    const text = yaml(['name: demo', 'data: {root: x}', 'stages:', '  - use: a', '    id: train', '  - use: b', '    id: train']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues).toEqual([
      {
        file: '/exp/a.yaml',
        line: 7,
        column: 9,
        path: 'stages[1].id',
        message: 'duplicate stage id "train" (already used by stages[0]); stage ids must be unique',
      },
    ]);
  });

  it('rejects ids that are not lower-case-dashed', async () => {
    const text = yaml(['name: demo', 'data: {root: x}', 'stages:', '  - use: a', '    id: Train_1']);
    const { issues } = await issuesOf(() => parseExperiment(text, '/exp/a.yaml'));
    expect(issues[0]).toMatchObject({ line: 5, column: 9, path: 'stages[0].id' });
    expect(issues[0]!.message).toContain('must match the pattern');
  });

  it.each([
    ['@neuro-ssl/stage-extract', 'extract'],
    ['./plugins/my-stage.js', 'my-stage'],
    ['../x/stage-Fix_Match.mjs', 'fix-match'],
    ['C:\\plugins\\stage-foo.ts', 'foo'],
    ['./plugins/2d.js', 'stage-2d'],
    ['pkg', 'pkg'],
  ])('defaultStageId(%s) = %s', (use, id) => {
    expect(defaultStageId(use)).toBe(id);
  });
});

describe('stringifyResolvedConfig', () => {
  it('round-trips through YAML and through the loader', () => {
    const { config } = parseExperiment(minimal, '/exp/a.yaml');
    const text = stringifyResolvedConfig(config);
    expect(parse(text)).toEqual(config);
    expect(parseExperiment(text, '/elsewhere/config.resolved.yaml').config).toEqual(config);
  });

  it('reads the old spelling preprocess.normalise as normalize, with a warning that names the new key', () => {
    const text = 'name: old\ndata:\n  root: ./d\n  preprocess: { normalise: false }\nstages:\n  - use: extract\n';
    const { config, warnings } = parseExperiment(text, '/x/old.yaml');
    expect(config.data.preprocess.normalize).toBe(false);
    expect(warnings.map((w) => `${w.line}:${w.column} ${w.path}: ${w.message}`)).toEqual([
      '4:17 data.preprocess.normalise: "normalise" is deprecated: write "normalize" (same meaning)',
    ]);
  });
});
