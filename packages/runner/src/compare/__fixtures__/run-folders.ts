// Builds run folders for the compare/runs tests: two new-format runs of one experiment that differ
// in a few config keys and metrics, an old-format run, a crashed run and a non-run folder.

import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const KEY = {
  extract: 'a'.repeat(32),
  cluster: 'b'.repeat(32),
  trainProbe: 'c'.repeat(32),
  trainPartial: 'd'.repeat(32),
  trainOld: 'e'.repeat(32),
};

function config(opts: { seed: number; mode: string; extra?: boolean }): string {
  return `# Resolved experiment
name: exp-a
seed: ${opts.seed}
data:
  root: /data/br35h
  classes:
    Cancer: 1
    Normal: 0
runtime:
  backend: auto
  runsDir: /tmp/runs
stages:
  - use: extract
    id: extract
    with:
      backbone: mobilenet_v2
    inputs: {}
  - use: cluster
    id: cluster
    with:
      k: 2${opts.extra ? '\n      standardize: true' : ''}
    inputs: {}
  - use: train
    id: train
    with:
      mode: ${opts.mode}
      epochs: 200
    inputs: {}
`;
}

function provenance(commit: string, used: string): Record<string, unknown> {
  return {
    git: { commit, dirty: false },
    packages: { '@neuro-ssl/core': '0.1.0' },
    node: 'v20.20.2',
    backend: { requested: 'auto', used },
    cpu: { model: 'Xeon', cores: 2 },
    platform: 'linux x64',
    inputs: { files: 60, sha256: 'f'.repeat(64) },
  };
}

const outputs = (key: string, stage: string) => ({ metrics: { kind: 'Metrics', hash: '1'.repeat(64), path: `/nonexistent-cache/${key}/${stage}/metrics` } });

function newSummary(opts: { startedAt: string; trainKey: string; trainStatus: string; fBeta: number; ece: number; commit: string; used: string }): Record<string, unknown> {
  return {
    format: 'neuro-ssl-run/1',
    name: 'exp-a',
    experiment: '/work/experiments/exp-a.yaml',
    status: 'ok',
    exitCode: 0,
    seed: 42,
    startedAt: opts.startedAt,
    finishedAt: opts.startedAt,
    durationMs: 137_074,
    stages: [
      { id: 'extract', plugin: '@neuro-ssl/stage-extract', version: '0.1.0', status: 'cache-hit', key: KEY.extract, durationMs: 3, originalDurationMs: 33_000 },
      { id: 'cluster', plugin: '@neuro-ssl/stage-cluster', version: '0.1.0', status: 'cache-hit', key: KEY.cluster, durationMs: 2 },
      {
        id: 'train',
        plugin: '@neuro-ssl/stage-train',
        version: '0.1.0',
        status: opts.trainStatus,
        key: opts.trainKey,
        durationMs: 46_608,
        outputs: outputs(opts.trainKey, 'train'),
        headlines: [`validation F2 ${opts.fBeta.toFixed(3)}`, 'second line'],
        metrics: { metrics: { n: 20, fBeta: opts.fBeta, ece: opts.ece, brier: 0.02, bestEpoch: 79 } },
      },
    ],
    provenance: provenance(opts.commit, opts.used),
  };
}

async function writeRun(dir: string, files: Record<string, string>): Promise<string> {
  await fs.mkdir(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) await fs.writeFile(path.join(dir, name), text);
  return dir;
}

export interface Fixture {
  runsDir: string;
  /** exp-a, older: train mode probe, seed 42. */
  probe: string;
  /** exp-a, newer: train mode partial, seed 7, one extra cluster key. */
  partial: string;
  /** exp-a, newest folder: no summary.json (crashed). */
  crashed: string;
  /** exp-old: the summary format before issue 10; metrics only in train-metrics.json. */
  old: string;
  cleanup: () => Promise<void>;
}

export async function makeRunFolders(): Promise<Fixture> {
  const runsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'compare-runs-'));
  const expA = path.join(runsDir, 'exp-a');
  const probe = await writeRun(path.join(expA, '2026-12-01T10-00-00Z'), {
    'summary.json': JSON.stringify(
      newSummary({ startedAt: '2026-12-01T10:00:00.000Z', trainKey: KEY.trainProbe, trainStatus: 'ran', fBeta: 0.95, ece: 0.2, commit: '1234567890abcdef', used: 'tensorflow' }),
    ),
    'config.resolved.yaml': config({ seed: 42, mode: 'probe' }),
  });
  const partial = await writeRun(path.join(expA, '2026-12-02T10-00-00Z'), {
    'summary.json': JSON.stringify(
      newSummary({ startedAt: '2026-12-02T10:00:00.000Z', trainKey: KEY.trainPartial, trainStatus: 'ran', fBeta: 0.9, ece: 0.05, commit: 'fedcba0987654321', used: 'wasm' }),
    ),
    'config.resolved.yaml': config({ seed: 7, mode: 'partial', extra: true }),
  });
  const crashed = await writeRun(path.join(expA, '2026-12-03T09-00-00Z'), { 'config.resolved.yaml': config({ seed: 42, mode: 'probe' }), 'run.log': 'killed\n' });
  // runner inspect-data writes here: not a run folder, never listed.
  await writeRun(path.join(expA, 'inspect', '2026-12-03T08-00-00Z'), { 'data-report.json': '{}' });

  const old = await writeRun(path.join(runsDir, 'exp-old', '2026-11-20T08-30-00Z'), {
    'summary.json': JSON.stringify({
      name: 'exp-old',
      experiment: '/work/experiments/exp-old.yaml',
      status: 'failed',
      exitCode: 1,
      error: 'stage ssl failed',
      startedAt: '2026-11-20T08:30:00.000Z',
      durationMs: 65_000,
      stages: [
        { id: 'extract', plugin: '@neuro-ssl/stage-extract', status: 'cache-hit', key: KEY.extract, durationMs: 4 },
        { id: 'cluster', plugin: '@neuro-ssl/stage-cluster', status: 'ran', key: '9'.repeat(32), durationMs: 7467 },
        { id: 'train', plugin: '@neuro-ssl/stage-train', status: 'ran', key: KEY.trainOld, durationMs: 50_000, outputs: outputs(KEY.trainOld, 'train'), headlines: ['validation F2 0.800'] },
        { id: 'ssl', plugin: '@neuro-ssl/stage-ssl', status: 'failed', key: 'f'.repeat(32), error: 'out of memory' },
      ],
    }),
    'config.resolved.yaml': config({ seed: 42, mode: 'probe' }).replace('name: exp-a', 'name: exp-old'),
    'train-metrics.json': JSON.stringify({ values: { n: 20, fBeta: 0.8, ece: 0.3, brier: 0.04, bestEpoch: 12 }, confusionMatrix: [[1, 0], [0, 1]] }),
  });
  return { runsDir, probe, partial, crashed, old, cleanup: () => fs.rm(runsDir, { recursive: true, force: true }) };
}
