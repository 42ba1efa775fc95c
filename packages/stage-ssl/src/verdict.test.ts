import { describe, expect, it } from 'vitest';
import { createRng } from '@neuro-ssl/core';
import { scoreLogits, type Scored } from './ssl-loop.js';
import { signed, sslVerdict, verdictCandidate } from './verdict.js';

const labels = [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const score = (logits: number[]): Scored =>
  scoreLogits(logits, { validationLabels: labels, calibration: { threshold: { rule: 'fixed', value: 0.5 }, beta: 2, eceBins: 15, temperature: false }, posWeight: 1 });
const baseline = score([2, 1, -0.5, -1, 0.3, 0.5, -2, -1.5, 0.2, -3, -1, -2]);
const better = score([3, 2, 1, 0.5, 0.8, -1, -2, -1.5, -0.5, -3, -1, -2]);
const input = { labels, baseline, beta: 2, eceBins: 15, resamples: 400 };

describe('verdict', () => {
  it('reports each difference with a paired bootstrap interval and says whether SSL beat the baseline', () => {
    const v = sslVerdict({ ...input, candidate: { round: 2, kept: true, score: better }, rng: createRng(1) });
    expect(v.beat).toBe(true);
    const f = v.deltas.fBeta;
    expect(f.delta).toBeCloseTo(better.evaluation.fBeta - baseline.evaluation.fBeta, 12);
    expect(f.delta!).toBeGreaterThan(0);
    expect(f.low!).toBeLessThanOrEqual(f.delta!);
    expect(f.high!).toBeGreaterThanOrEqual(f.delta!);
    expect(v.deltas.prAuc.delta).toBeCloseTo(1 - baseline.evaluation.prAuc!, 12);
    expect(v.sentence).toMatch(/^SSL beat the supervised baseline on validation \(round 2 kept\): ΔF2 \+0\.\d{3} \[[−+]\d\.\d{3}, \+\d\.\d{3}\], ΔPR-AUC \+0\.\d{3} \[.*\], ΔROC-AUC \+0\.\d{3} \[.*\] \(95% paired bootstrap over 12 validation images\)/);
    // reproducible for a seed
    expect(sslVerdict({ ...input, candidate: { round: 2, kept: true, score: better }, rng: createRng(1) })).toEqual(v);
  });

  it('says plainly when SSL did not beat the baseline, with the best round tried', () => {
    const v = sslVerdict({ ...input, baseline: better, candidate: { round: 3, kept: false, score: baseline }, rng: createRng(1) });
    expect(v.beat).toBe(false);
    expect(v.deltas.fBeta.delta!).toBeLessThan(0);
    expect(v.sentence).toMatch(/^SSL did not beat the supervised baseline: no round improved validation under the checkpoint rule, so the final model is the baseline; the best round \(3\) scored ΔF2 −0\.\d{3} \[−\d\.\d{3}, [−+]\d\.\d{3}\]/);
    const same = sslVerdict({ ...input, candidate: { round: 1, kept: false, score: baseline }, rng: createRng(1) });
    expect(same.deltas.fBeta).toMatchObject({ delta: 0, low: 0, high: 0 });
    expect(sslVerdict({ ...input, candidate: null, rng: createRng(1) }).sentence).toBe('SSL did not beat the supervised baseline: no round was trained.');
  });

  it('compares the kept round, else the best round tried', () => {
    const round = (n: number, s: Scored) => ({ round: n, score: s }) as never;
    expect(verdictCandidate({ best: { round: 2, score: better }, rounds: [] })).toEqual({ round: 2, kept: true, score: better });
    expect(verdictCandidate({ best: { round: 0, score: baseline }, rounds: [round(1, baseline), round(2, better)] })).toEqual({ round: 2, kept: false, score: better });
    expect(verdictCandidate({ best: { round: 0, score: baseline }, rounds: [] })).toBeNull();
  });

  it('writes signs the way a person reads them', () => {
    expect(signed(-0.02)).toBe('−0.020');
    expect(signed(0.0412)).toBe('+0.041');
    expect(signed(-0.0001)).toBe('+0.000');
    expect(signed(null)).toBe('n/a');
  });
});
