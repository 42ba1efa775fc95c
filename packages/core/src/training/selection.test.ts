import { describe, expect, it } from 'vitest';
import { evaluateBinary } from './binary-evaluation.js';
import { describeRule, improves, type CheckpointScore } from './checkpoint-rule.js';
import { DEFAULT_SELECTION_RULE, FIXED_SCHEDULE_RULE, describeScoreRule, type ScoreRule } from './selection.js';

const labels = [0, 0, 0, 1, 1, 1];
const scoreOf = (logits: number[]): CheckpointScore => ({ evaluation: evaluateBinary(labels, logits, { threshold: 0.5, beta: 2, eceBins: 15 }), loss: 0 });

describe('selection on proper scoring rules', () => {
  it('reports the log-loss of the (temperature-scaled) probabilities', () => {
    const e = evaluateBinary([1, 0], [2, -1], { threshold: 0.5, beta: 2, eceBins: 15, temperature: 2 });
    const p = [1 / (1 + Math.exp(-1)), 1 / (1 + Math.exp(0.5))];
    expect(e.nll).toBeCloseTo(-(Math.log(p[0]!) + Math.log(1 - p[1]!)) / 2, 12);
    expect(Number.isFinite(evaluateBinary([1, 0], [-800, 800], { threshold: 0.5, beta: 2, eceBins: 15 }).nll)).toBe(true);
  });

  it('keeps ranking epochs after the ranking metrics saturate', () => {
    // Both perfectly ranked (ROC-AUC, PR-AUC and F2 all 1): the notebook rule sees no difference, NLL does.
    const unsure = scoreOf([-0.2, -0.1, -0.3, 0.1, 0.2, 0.3]);
    const sure = scoreOf([-3, -2, -4, 2, 3, 4]);
    expect(unsure.evaluation.rocAuc).toBe(1);
    expect(sure.evaluation.rocAuc).toBe(1);
    expect(improves({ rule: 'prAucOrFBeta', keepFBeta: 0.9 }, sure, unsure)).toBe(false);
    expect(improves(DEFAULT_SELECTION_RULE, sure, unsure)).toBe(true);
    expect(improves(DEFAULT_SELECTION_RULE, unsure, sure)).toBe(false);
    expect(improves({ rule: 'brier', tieBreak: null, tolerance: 0 }, sure, unsure)).toBe(true);
  });

  it('breaks ties within the tolerance with the ranking metric', () => {
    const rule: ScoreRule = { rule: 'nll', tieBreak: 'rocAuc', tolerance: 0.05 };
    const a = scoreOf([-1, -1, 1, -1, 1, 1]); // one positive ranked low
    const b = scoreOf([-1, -1, -1, 1, 1, 1]);
    expect(Math.abs(a.evaluation.nll - b.evaluation.nll)).toBeGreaterThan(0.05);
    const near = scoreOf([-1.02, -1, -1, 1, 1, 1]);
    expect(Math.abs(near.evaluation.nll - b.evaluation.nll)).toBeLessThan(0.05);
    expect(improves(rule, b, a)).toBe(true); // clearly lower NLL
    expect(improves(rule, near, b)).toBe(false); // a tie on NLL and on ROC-AUC
    expect(improves({ ...rule, tieBreak: null }, near, b)).toBe(false);
    // Within the tolerance, the higher ROC-AUC wins.
    const swapped = scoreOf([-1, -1, 0.1, -0.1, 1, 1]);
    const ordered = scoreOf([-1, -1, -0.1, 0.1, 1, 1]);
    expect(ordered.evaluation.rocAuc!).toBeGreaterThan(swapped.evaluation.rocAuc!);
    expect(improves(rule, ordered, swapped)).toBe(true);
    expect(improves(rule, swapped, ordered)).toBe(false);
  });

  it('a fixed schedule keeps every epoch, and every rule says what it does', () => {
    expect(improves(FIXED_SCHEDULE_RULE, scoreOf([0, 0, 0, 0, 0, 0]), scoreOf([-9, -9, -9, 9, 9, 9]))).toBe(true);
    expect(describeRule(DEFAULT_SELECTION_RULE)).toBe('validation log-loss (NLL) decreases');
    expect(describeScoreRule({ rule: 'brier', tieBreak: 'rocAuc', tolerance: 0.001 })).toBe('validation Brier score decreases (ties within 0.001: ROC-AUC increases)');
    expect(describeRule(FIXED_SCHEDULE_RULE)).toMatch(/last one/);
  });
});
