// Parity with scikit-learn (reference/sklearn/metrics_reference.py, run by Debian's /usr/bin/python3)
// on fixed vectors: ties, a constant predictor, single-class labels, perfect and inverted rankers,
// thresholds that predict nothing, logits, and seeded random vectors. Everything must agree to 1e-12.
// Skips with a visible reason when python3-sklearn is missing; throws instead when
// NEURO_SSL_REQUIRE_TORCH=1 (CI), as the torch and cluster references do.

import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { averagePrecision, precisionRecallCurve } from './average-precision.js';
import { brierScore } from './calibration.js';
import { confusionMatrix, predictAt } from './confusion.js';
import { accuracy, fBeta, precision, recall } from './f-beta.js';
import { rocAuc, rocCurve } from './roc-auc.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const SCRIPT = path.join(REPO_ROOT, 'reference/sklearn/metrics_reference.py');
const PYTHON = process.env.NEURO_SSL_SKLEARN_PYTHON ?? '/usr/bin/python3';
const TOL = 1e-12;

interface Case {
  name: string;
  yTrue: number[];
  scores: number[];
  threshold: number;
}

function randomCase(name: string, seed: number, n: number, decimals: number | null, logits = false): Case {
  const rng = createRng(seed);
  const yTrue: number[] = [];
  const scores: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.next() < 0.4 ? 1 : 0;
    const z = rng.normal() + 1.2 * y - 0.5;
    let s = logits ? z : 1 / (1 + Math.exp(-z));
    if (decimals !== null) s = Number(s.toFixed(decimals));
    yTrue.push(y);
    scores.push(s);
  }
  return { name, yTrue, scores, threshold: logits ? 0 : 0.5 };
}

const CASES: Case[] = [
  { name: 'ties', yTrue: [0, 0, 1, 1, 0, 1, 1, 0, 1, 0], scores: [0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.1, 0.35, 0.7], threshold: 0.4 },
  { name: 'constant', yTrue: [0, 1, 1, 0, 1], scores: [0.5, 0.5, 0.5, 0.5, 0.5], threshold: 0.5 },
  { name: 'constant-below', yTrue: [0, 1, 1, 0, 1], scores: [0.3, 0.3, 0.3, 0.3, 0.3], threshold: 0.5 },
  { name: 'single-positive-class', yTrue: [1, 1, 1], scores: [0.2, 0.9, 0.6], threshold: 0.5 },
  { name: 'single-negative-class', yTrue: [0, 0, 0, 0], scores: [0.2, 0.9, 0.6, 0.6], threshold: 0.5 },
  { name: 'perfect', yTrue: [0, 0, 0, 1, 1, 1], scores: [0.1, 0.2, 0.3, 0.7, 0.8, 0.9], threshold: 0.5 },
  { name: 'inverted', yTrue: [0, 0, 0, 1, 1, 1], scores: [0.9, 0.8, 0.7, 0.3, 0.2, 0.1], threshold: 0.5 },
  { name: 'predicts-nothing', yTrue: [0, 1, 0, 1, 1, 0, 0], scores: [0.2, 0.6, 0.1, 0.8, 0.4, 0.3, 0.7], threshold: 0.95 },
  { name: 'collinear', yTrue: [1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0], scores: [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((v) => v / 13), threshold: 0.5 },
  randomCase('random-200-rounded', 20240611, 200, 2),
  randomCase('random-1000', 7, 1000, null),
  randomCase('random-logits-300', 99, 300, 1, true),
];

type Sklearn = {
  versions: Record<string, string>;
  results: Record<
    string,
    {
      confusion: { tn: number; fp: number; fn: number; tp: number };
      precision: number;
      recall: number;
      accuracy: number;
      fbeta: Record<string, number>;
      f2: number;
      averagePrecision: number;
      rocAuc: number | null;
      rocAucError: string | null;
      brier: number | null;
      rocCurve: { fpr: (number | null)[]; tpr: (number | null)[]; thresholds: number[] };
      rocCurveDropped: { fpr: (number | null)[]; tpr: (number | null)[]; thresholds: number[] };
      prCurve: { precision: number[]; recall: number[]; thresholds: number[] };
    }
  >;
};

function exec(file: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 120_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' } }, (err, stdout, stderr) =>
      resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr || (err?.message ?? '')) }),
    );
  });
}

async function runReference(): Promise<Sklearn | { skip: string }> {
  if (!existsSync(PYTHON)) return { skip: `${PYTHON} not found (apt-get install python3-sklearn)` };
  const probe = await exec(PYTHON, ['-c', 'import sklearn']);
  if (!probe.ok) return { skip: `${PYTHON} cannot import sklearn (apt-get install python3-sklearn): ${probe.stderr.trim().split('\n').pop() ?? ''}` };
  const dir = await mkdtemp(path.join(tmpdir(), 'neuro-ssl-metrics-'));
  try {
    const input = path.join(dir, 'cases.json');
    await writeFile(input, JSON.stringify({ cases: CASES }));
    const res = await exec(PYTHON, [SCRIPT, '--input', input]);
    if (!res.ok) throw new Error(`metrics_reference.py failed:\n${res.stderr}`);
    return JSON.parse(res.stdout) as Sklearn;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function locate(): Promise<Sklearn | { skip: string }> {
  const found = await runReference();
  if ('skip' in found && process.env.NEURO_SSL_REQUIRE_TORCH === '1') throw new Error(`NEURO_SSL_REQUIRE_TORCH=1 but the sklearn reference is unavailable: ${found.skip}`);
  return found;
}

const ref = await locate();
if ('skip' in ref) console.warn(`sklearn metrics parity skipped: ${ref.skip}`);

/** Element-wise equality to TOL; null on the sklearn side stands for NaN. */
function expectClose(name: string, ours: ArrayLike<number>, theirs: readonly (number | null)[]): void {
  expect(ours.length, `${name} length`).toBe(theirs.length);
  for (let i = 0; i < theirs.length; i++) {
    const t = theirs[i];
    const o = ours[i] as number;
    if (t === null || t === undefined) expect(Number.isNaN(o), `${name}[${i}] should be NaN, got ${o}`).toBe(true);
    else expect(Math.abs(o - t), `${name}[${i}]: ours ${o}, sklearn ${t}`).toBeLessThanOrEqual(TOL);
  }
}

describe.skipIf('skip' in ref)('binary metrics vs scikit-learn', () => {
  const sk = ref as Sklearn;
  it('ran the reference with sklearn', () => {
    expect(sk.versions.sklearn).toMatch(/^\d+\.\d+/);
    expect(Object.keys(sk.results).sort()).toEqual(CASES.map((c) => c.name).sort());
  });
  for (const c of CASES) {
    describe(c.name, () => {
      const r = () => sk.results[c.name]!;
      const yPred = predictAt(c.scores, c.threshold);
      it('confusion matrix, precision, recall, accuracy, F-beta', () => {
        expect(confusionMatrix(c.yTrue, yPred)).toEqual(r().confusion);
        expectClose('precision', [precision(c.yTrue, yPred)], [r().precision]);
        expectClose('recall', [recall(c.yTrue, yPred)], [r().recall]);
        expectClose('accuracy', [accuracy(c.yTrue, yPred)], [r().accuracy]);
        expectClose('f2', [fBeta(c.yTrue, yPred)], [r().f2]);
        for (const [b, v] of Object.entries(r().fbeta)) expectClose(`fbeta(${b})`, [fBeta(c.yTrue, yPred, Number(b))], [v]);
      });
      it('roc_curve (drop_intermediate false and true) and roc_auc_score', () => {
        const full = rocCurve(c.yTrue, c.scores);
        expectClose('fpr', full.fpr, r().rocCurve.fpr);
        expectClose('tpr', full.tpr, r().rocCurve.tpr);
        expectClose('thresholds', full.thresholds, r().rocCurve.thresholds);
        const dropped = rocCurve(c.yTrue, c.scores, { dropIntermediate: true });
        expectClose('fpr(dropped)', dropped.fpr, r().rocCurveDropped.fpr);
        expectClose('tpr(dropped)', dropped.tpr, r().rocCurveDropped.tpr);
        expectClose('thresholds(dropped)', dropped.thresholds, r().rocCurveDropped.thresholds);
        const auc = rocAuc(c.yTrue, c.scores);
        if (r().rocAuc === null) {
          expect(r().rocAucError).toMatch(/one class/i);
          expect(auc).toBeNull();
        } else expectClose('rocAuc', [auc as number], [r().rocAuc]);
      });
      it('precision_recall_curve and average_precision_score', () => {
        const pr = precisionRecallCurve(c.yTrue, c.scores);
        expectClose('precision', pr.precision, r().prCurve.precision);
        expectClose('recall', pr.recall, r().prCurve.recall);
        expectClose('thresholds', pr.thresholds, r().prCurve.thresholds);
        expectClose('averagePrecision', [averagePrecision(c.yTrue, c.scores)], [r().averagePrecision]);
      });
      it('brier_score_loss', () => {
        const b = r().brier;
        if (b === null) expect(() => brierScore(c.yTrue, c.scores)).toThrow(/\[0, 1\]/);
        else expectClose('brier', [brierScore(c.yTrue, c.scores)], [b]);
      });
    });
  }
});
