import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { expectedCalibrationError } from './calibration.js';
import { applyTemperature, fitTemperature, sigmoid, temperatureLoss } from './temperature.js';

/** Labels drawn from σ(z), z ~ N(0, σ²): the true logits z are calibrated by construction. */
function calibratedSample(seed: number, n: number, sd: number): { y: number[]; z: number[] } {
  const rng = createRng(seed);
  const z = Array.from({ length: n }, () => sd * rng.normal());
  const y = z.map((v) => (rng.next() < sigmoid(v) ? 1 : 0));
  return { y, z };
}

describe('temperatureLoss / sigmoid / applyTemperature', () => {
  it('match hand values', () => {
    expect(temperatureLoss([1, 0], [2, -2], 1)).toBeCloseTo(Math.log1p(Math.exp(-2)), 15);
    expect(temperatureLoss([1, 0], [2, -2], 2)).toBeCloseTo(Math.log1p(Math.exp(-1)), 15);
    expect(temperatureLoss([1], [0], 1)).toBeCloseTo(Math.LN2, 15);
    expect(sigmoid(0)).toBe(0.5);
    expect(sigmoid(-800)).toBe(0);
    expect(sigmoid(800)).toBe(1);
    expect(Array.from(applyTemperature([0, 2, -4], 2))).toEqual([0.5, sigmoid(1), sigmoid(-2)]);
    expect(() => applyTemperature([0], 0)).toThrow(/temperature/);
  });
  it('is finite for extreme logits', () => {
    expect(temperatureLoss([0], [1000], 1)).toBeCloseTo(1000, 9);
    expect(temperatureLoss([1], [1000], 1)).toBe(0);
  });
});

describe('fitTemperature', () => {
  it('finds the grid minimum of the validation loss', () => {
    const { y, z } = calibratedSample(11, 500, 2);
    const logits = z.map((v) => 2.5 * v);
    const t = fitTemperature(y, logits);
    const grid = Array.from({ length: 2001 }, (_, i) => Math.exp(-3 + (6 * i) / 2000));
    const gridBest = grid.reduce((a, b) => (temperatureLoss(y, logits, b) < temperatureLoss(y, logits, a) ? b : a));
    expect(temperatureLoss(y, logits, t)).toBeLessThanOrEqual(temperatureLoss(y, logits, gridBest) + 1e-12);
    expect(Math.abs(Math.log(t / gridBest))).toBeLessThan(0.004);
  });
  it('is > 1 on over-confident logits and lowers the ECE', () => {
    const { y, z } = calibratedSample(5, 20000, 1.5);
    const logits = z.map((v) => 3 * v); // 3× over-confident
    const t = fitTemperature(y, logits);
    expect(t).toBeGreaterThan(2.6);
    expect(t).toBeLessThan(3.4);
    const before = expectedCalibrationError(y, applyTemperature(logits, 1));
    const after = expectedCalibrationError(y, applyTemperature(logits, t));
    expect(after).toBeLessThan(before / 3);
  });
  it('is ≈ 1 on calibrated logits and < 1 on under-confident ones', () => {
    const { y, z } = calibratedSample(8, 20000, 1.5);
    expect(Math.abs(fitTemperature(y, z) - 1)).toBeLessThan(0.08);
    expect(fitTemperature(y, z.map((v) => v / 2))).toBeLessThan(0.6);
  });
  it('is deterministic and goes to the bounds on separable / anti-correlated data', () => {
    const { y, z } = calibratedSample(2, 300, 2);
    expect(fitTemperature(y, z)).toBe(fitTemperature(y, z));
    expect(fitTemperature([0, 0, 1, 1], [-2, -1, 1, 2])).toBe(0.01);
    expect(fitTemperature([1, 1, 0, 0], [-2, -1, 1, 2])).toBe(100);
    expect(fitTemperature([0, 0, 1, 1], [-2, -1, 1, 2], { minT: 0.5, maxT: 4 })).toBe(0.5);
  });
  it('validates its input', () => {
    expect(() => fitTemperature([0, 1], [0.1])).toThrow(/lengths/);
    expect(() => fitTemperature([], [])).toThrow(/empty/);
    expect(() => fitTemperature([0, 1], [0, 1], { minT: 2, maxT: 1 })).toThrow(/minT/);
  });
});
