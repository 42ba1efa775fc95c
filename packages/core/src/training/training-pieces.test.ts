import { describe, expect, it } from 'vitest';
import { loadTensorflow } from '../tf/runtime.js';
import { fitTemperature } from '../metrics/temperature.js';
import { bestThreshold } from '../metrics/threshold.js';
import { bceWithLogits, bceWithLogitsValue } from './bce-loss.js';
import { evaluateBinary } from './binary-evaluation.js';
import { applyTemperature } from '../metrics/temperature.js';
import { calibrate } from './calibrate.js';
import { improves, type CheckpointScore } from './checkpoint-rule.js';

const softplus = (x: number): number => Math.log1p(Math.exp(x));

describe('bceWithLogits', () => {
  it("is torch's BCEWithLogitsLoss(pos_weight): hand-computed values, tensor and number forms agree", async () => {
    const { tf } = await loadTensorflow({ backend: 'cpu' });
    const logits = [2, -1, 0.5, -3];
    const targets = [1, 0, 0, 1];
    // −[w·y·log σ(x) + (1−y)·log(1−σ(x))] with log σ(x) = −softplus(−x), log(1−σ(x)) = −softplus(x)
    const expected = (3 * softplus(-2) + softplus(-1) + softplus(0.5) + 3 * softplus(3)) / 4;
    const t = bceWithLogits(tf, tf.tensor2d(logits, [4, 1]), tf.tensor1d(targets), { posWeight: 3 });
    expect(t.dataSync()[0]).toBeCloseTo(expected, 6);
    expect(bceWithLogitsValue(logits, targets, { posWeight: 3 })).toBeCloseTo(expected, 12);
    // Per-sample weights: a zero weight removes the sample.
    const w = bceWithLogits(tf, tf.tensor1d(logits), tf.tensor1d(targets), { posWeight: 3 }, tf.tensor1d([1, 1, 0, 0]));
    expect(w.dataSync()[0]).toBeCloseTo((3 * softplus(-2) + softplus(-1)) / 2, 6);
    // Label smoothing ε: targets 1 → 1 − ε/2, 0 → ε/2.
    const s = bceWithLogitsValue([1], [1], { posWeight: 1, labelSmoothing: 0.2 });
    expect(s).toBeCloseTo(0.9 * softplus(-1) + 0.1 * softplus(1), 12);
    // Huge logits stay finite.
    expect(Number.isFinite(bceWithLogitsValue([500, -500], [0, 1], { posWeight: 3 }))).toBe(true);
  });
});

describe('checkpoint rule', () => {
  const score = (fBeta: number, prAuc: number | null, loss = 1): CheckpointScore => ({ evaluation: { ...evaluateBinary([0, 1], [0, 0], { threshold: 0.5, beta: 2, eceBins: 15 }), fBeta, prAuc }, loss });
  it("prAucOrFBeta rule (the notebook's): PR-AUC or F2 up, and F2 ≥ 0.9 × best F2", () => {
    const rule = { rule: 'prAucOrFBeta', keepFBeta: 0.9 } as const;
    expect(improves(rule, score(0.5, 0.5), null)).toBe(true);
    expect(improves(rule, score(0.6, 0.5), score(0.5, 0.5))).toBe(true); // F2 up
    expect(improves(rule, score(0.46, 0.7), score(0.5, 0.5))).toBe(true); // PR-AUC up, F2 0.92 × best
    expect(improves(rule, score(0.44, 0.9), score(0.5, 0.5))).toBe(false); // PR-AUC up but F2 collapsed
    expect(improves(rule, score(0.5, 0.5), score(0.5, 0.5))).toBe(false); // a tie is not an improvement
  });
  it('metric rule: lower is better for loss, higher for the rest', () => {
    expect(improves({ rule: 'metric', metric: 'loss' }, score(0, 0, 0.3), score(0, 0, 0.4))).toBe(true);
    expect(improves({ rule: 'metric', metric: 'loss' }, score(0, 0, 0.5), score(0, 0, 0.4))).toBe(false);
    expect(improves({ rule: 'metric', metric: 'prAuc' }, score(0, 0.8), score(0, 0.7))).toBe(true);
    expect(improves({ rule: 'metric', metric: 'prAuc' }, score(0, null), score(0, 0.7))).toBe(false);
  });
});

describe('calibrate', () => {
  const labels = [0, 0, 0, 1, 1, 1, 0, 1, 1, 0];
  const logits = [-3, -1, 0.5, 2, 4, 0.2, -2, -0.5, 6, 1.5];
  it('fits the temperature on validation logits and picks the F-beta threshold on calibrated probabilities', () => {
    const c = calibrate(labels, logits, { threshold: { rule: 'fbeta' }, beta: 2, eceBins: 15, temperature: true });
    expect(c.temperatureStatus).toBe('fitted');
    expect(c.temperature).toBeCloseTo(fitTemperature(labels, logits), 9);
    expect(c.threshold).toBe(bestThreshold(labels, applyTemperature(logits, c.temperature), 2).threshold);
    expect(c.calibrated.ece).toBeLessThanOrEqual(c.raw.ece + 1e-12);
    expect(c.raw.rocAuc).toBe(c.calibrated.rocAuc); // scaling never changes the ranking
  });
  it('perfectly separated validation: T is not identifiable, stays 1 and says so', () => {
    const c = calibrate([0, 0, 1, 1], [-1, -0.5, 0.5, 2], { threshold: { rule: 'fixed', value: 0.5 }, beta: 2, eceBins: 15, temperature: true });
    expect(c.temperatureStatus).toBe('at-bound');
    expect(c.temperature).toBe(1);
    const single = calibrate([1, 1], [0.3, 2], { threshold: { rule: 'fixed', value: 0.5 }, beta: 2, eceBins: 15, temperature: true });
    expect(single.temperatureStatus).toBe('single-class');
  });
});
