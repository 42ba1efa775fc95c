import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, formatConfigIssue } from '@neuro-ssl/core/config';
import { parseLabelsFile, readLabelsFile } from './labels-file.js';
import { loadExperiment } from './load-experiment.js';

const classes = { Cancer: 1, Normal: 0 };
const options = { classes, unlabelledDir: 'sans_label' };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'neuro-ssl-labels-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function messages(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(formatConfigIssue);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('labels file', () => {
  it('maps file names to image ids and class names or indices to labels', () => {
    const text = '\uFEFFfilename,label\r\nu000.jpg,Cancer\r\nsub/u001.jpg,0\n"a, b.jpg",Normal\nsans_label/u002.jpg, 1 \n\n';
    const labels = parseLabelsFile(text, '/x/truth.csv', options);
    expect([...labels]).toEqual([
      ['sans_label/u000.jpg', 1],
      ['sans_label/sub/u001.jpg', 0],
      ['sans_label/a, b.jpg', 0],
      ['sans_label/u002.jpg', 1],
    ]);
  });

  it('names the file, line and expected format of every bad row', () => {
    const text = ['u000.jpg,Cancer', 'u001.jpg', 'u002.jpg,Tumour', 'u000.jpg,Normal', '"u003.jpg,Normal', ',Normal', 'u004.jpg,5'].join('\n');
    expect(messages(() => parseLabelsFile(text, '/x/truth.csv', options))).toEqual([
      '/x/truth.csv:2:1: data.unlabelled.labelsFile: expected 2 fields "filename,label", got "u001.jpg"',
      '/x/truth.csv:3:1: data.unlabelled.labelsFile: label "Tumour" is not a class; expected one of Cancer, Normal, 0, 1',
      '/x/truth.csv:4:1: data.unlabelled.labelsFile: "u000.jpg" is listed again (first on line 1); one row per image',
      '/x/truth.csv:5:1: data.unlabelled.labelsFile: expected 2 fields "filename,label", got "\\"u003.jpg,Normal"',
      '/x/truth.csv:6:1: data.unlabelled.labelsFile: empty filename in ",Normal"; expected "filename,label"',
      '/x/truth.csv:7:1: data.unlabelled.labelsFile: label "5" is not a class; expected one of Cancer, Normal, 0, 1',
    ]);
  });

  it('reports a missing file with the expected format', async () => {
    const err = await readLabelsFile(path.join(dir, 'nope.csv'), options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toMatch(/nope\.csv: data\.unlabelled\.labelsFile: cannot read the labels file .*nope\.csv: file not found \(expected a CSV of filename,label/);
  });

  it('is resolved relative to the YAML and checked when the experiment loads', async () => {
    await writeFile(path.join(dir, 'truth.csv'), 'filename,label\nu000.jpg,Cancer\n');
    const yaml = (file: string): string =>
      ['name: demo', 'data:', '  root: ./images', '  unlabelled:', '    dir: sans_label', `    labelsFile: ${file}`, 'stages: [{use: x}]', ''].join('\n');
    await writeFile(path.join(dir, 'ok.yaml'), yaml('truth.csv'));
    const { config } = await loadExperiment(path.join(dir, 'ok.yaml'));
    expect(config.data.unlabelled).toEqual({ dir: 'sans_label', labelsFile: path.join(dir, 'truth.csv') });

    await writeFile(path.join(dir, 'missing.yaml'), yaml('missing.csv'));
    const missing = await loadExperiment(path.join(dir, 'missing.yaml')).catch((e: unknown) => e);
    expect((missing as ConfigError).message).toBe(
      `${path.join(dir, 'missing.yaml')}:6:17: data.unlabelled.labelsFile: cannot read the labels file ${path.join(dir, 'missing.csv')}: file not found (expected a CSV of filename,label (one row per unlabelled image, an optional "filename,label" header))`,
    );

    await writeFile(path.join(dir, 'bad.csv'), 'filename,label\nu000.jpg,cancer\n');
    await writeFile(path.join(dir, 'bad.yaml'), yaml('bad.csv'));
    const bad = await loadExperiment(path.join(dir, 'bad.yaml')).catch((e: unknown) => e);
    expect((bad as ConfigError).message).toBe(`${path.join(dir, 'bad.csv')}:2:1: data.unlabelled.labelsFile: label "cancer" is not a class; expected one of Cancer, Normal, 0, 1`);
  });
});
