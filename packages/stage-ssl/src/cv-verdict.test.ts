import { describe, expect, it } from 'vitest';
import { createRng } from '@neuro-ssl/core';
import { evaluateBinary, type OutOfFoldRow } from '@neuro-ssl/core/learn';
import type { FoldOutcome } from './cv-evaluation.js';
import { cvVerdict, decidingMetric } from './cv-verdict.js';
import { validatedSettings } from './final-model.js';

/** 60 images, 5 folds; the logit is noisy evidence for the label. */
function rows(seed: number): OutOfFoldRow[] {
  const rng = createRng(seed);
  return Array.from({ length: 60 }, (_, i) => ({ id: `i${i}`, label: i % 2, logit: (i % 2 ? 1 : -1) + 1.2 * rng.normal(), temperature: 1, threshold: 0.5, repeat: 0, fold: i % 5 }));
}
const towards = (r: OutOfFoldRow, by: number): OutOfFoldRow => ({ ...r, logit: r.logit + (r.label ? by : -by) });
const input = { rule: { rule: 'nll', tieBreak: null, tolerance: 0 } as const, beta: 2, eceBins: 15, resamples: 400, folds: 5, repeats: 1, foldsWithKeptRound: 3, finalRounds: 2 };

describe('cross-validated verdict', () => {
  const base = rows(1);
  it('a gain whose interval excludes 0 beats the baseline; the sentence names every difference', () => {
    const v = cvVerdict({ ...input, baseline: base, ssl: base.map((r) => towards(r, 0.8)), rng: createRng(2) });
    expect(v.beat).toBe(true);
    expect(v.decidedBy).toBe('nll');
    expect(v.validationImages).toBe(60);
    expect(v.deltas.nll.high!).toBeLessThan(0);
    expect(v.sentence).toMatch(/^SSL beat the supervised baseline on 60 out-of-fold images \(1×5 folds\): ΔNLL −0\.\d{3} \[−\d\.\d{3}, −\d\.\d{3}\] \(NLL, lower is better\) excludes 0; ΔROC-AUC .*, ΔPR-AUC .*, ΔF2 .*, ΔBrier .*, ΔECE .* \(95% paired bootstrap over folds and images\)\.$/);
  });

  it('says plainly when self-training made things worse, or cannot be told from noise', () => {
    const worse = cvVerdict({ ...input, baseline: base, ssl: base.map((r) => towards(r, -0.8)), rng: createRng(2) });
    expect([worse.beat, worse.worse]).toEqual([false, true]);
    expect(worse.sentence).toMatch(/^SSL did not beat the supervised baseline — it made it worse on 60 out-of-fold images/);
    const rng = createRng(9);
    const noise = cvVerdict({ ...input, baseline: base, ssl: base.map((r) => ({ ...r, logit: r.logit + 0.3 * rng.normal() })), rng: createRng(2) });
    expect([noise.beat, noise.worse]).toEqual([false, false]);
    expect(noise.sentence).toMatch(/includes 0, so a difference cannot be told from noise/);
    // no fold kept a round: the same model twice, every Δ exactly 0
    const same = cvVerdict({ ...input, foldsWithKeptRound: 0, finalRounds: 0, baseline: base, ssl: base, rng: createRng(2) });
    expect([same.deltas.nll.delta, same.deltas.nll.low, same.deltas.nll.high]).toEqual([0, 0, 0]);
    expect(same.sentence).toMatch(/no fold kept a self-training round on its inner validation, so both arms are the same model and every Δ is 0 on the 60 out-of-fold images \(1×5 folds\)\.$/);
    expect(decidingMetric({ rule: 'prAucOrFBeta', keepFBeta: 0.9 })).toBe('prAuc');
    expect(decidingMetric({ rule: 'metric', metric: 'brier' })).toBe('brier');
  });
});

describe('the settings the folds validated', () => {
  const e = evaluateBinary([0, 1], [-1, 1], { threshold: 0.5, beta: 2, eceBins: 15 });
  const fold = (baselineEpoch: number, kept: number, rounds: [number, boolean][], t: number): FoldOutcome => ({
    repeat: 0,
    fold: 0,
    sizes: { train: 60, inner: 20, heldOut: 20, pool: 100, excluded: 0 },
    baseline: { bestEpoch: baselineEpoch, temperature: 1, threshold: 0.5, heldOut: e },
    ssl: { round: kept, roundsRun: rounds.length, stop: 'patience', temperature: t, threshold: 0.4, heldOut: e },
    rounds: rounds.map(([bestEpoch, k], i) => ({ round: i + 1, cutoff: 0.7, selected: 10, bestEpoch, kept: k, innerNll: 0.3, benchmark: null })),
    selectionTemperatures: rounds.map((_, i) => 1 + i),
  });
  it('medians over folds: rounds rounded down, each round’s epochs from the folds that kept it', () => {
    const s = validatedSettings([fold(100, 2, [[10, true], [20, true]], 2), fold(50, 0, [[5, false], [7, false], [9, false]], 3), fold(80, 1, [[30, true], [1, false]], 1.5)], 50);
    expect(s).toEqual({ baselineEpochs: 80, rounds: 1, roundEpochs: [20], selectionTemperatures: [1], temperature: 2, threshold: 0.4 });
    // when the held-out folds found self-training worse: no round, the baseline's calibration
    expect(validatedSettings([fold(100, 2, [[10, true], [20, true]], 2), fold(80, 2, [[30, true], [1, true]], 1.5)], 50, true)).toMatchObject({ rounds: 0, roundEpochs: [], temperature: 1, threshold: 0.5 });
    const none = validatedSettings([fold(10, 0, [], 2), fold(20, 0, [], 2)], 50);
    expect(none).toMatchObject({ baselineEpochs: 15, rounds: 0, roundEpochs: [], temperature: 1, threshold: 0.5 });
  });
});
