import { describe, expect, it } from 'vitest';
import { createRng } from '../util/rng.js';
import { evaluateBinary } from './binary-evaluation.js';
import { foldResample, foldStructure, outOfFoldIntervals, pairedOutOfFoldDeltas, pooledEstimate } from './fold-bootstrap.js';
import { evaluateOutOfFold, type OutOfFoldRow } from './out-of-fold.js';

/** n images, `repeats` × `folds`; the logit is noisy evidence for the label. */
function rows(n: number, folds: number, repeats: number, seed: number, shift = 0): OutOfFoldRow[] {
  const rng = createRng(seed);
  const out: OutOfFoldRow[] = [];
  for (let r = 0; r < repeats; r++) {
    for (let i = 0; i < n; i++) {
      const label = i % 2;
      out.push({ id: `img${i}`, label, logit: (label ? 1 : -1) + rng.normal() + shift, temperature: 1 + r * 0.5, threshold: 0.5, repeat: r, fold: (i + r) % folds });
    }
  }
  return out;
}

const options = { beta: 2, eceBins: 15 };

describe('pooled out-of-fold estimates', () => {
  it('scores each row at its own fold’s temperature and threshold', () => {
    const pooled: OutOfFoldRow[] = [
      { id: 'a', label: 1, logit: 1, temperature: 2, threshold: 0.7, repeat: 0, fold: 0 }, // p = 0.62 < 0.7: missed
      { id: 'b', label: 0, logit: -1, temperature: 1, threshold: 0.2, repeat: 0, fold: 1 }, // p = 0.27 ≥ 0.2: false alarm
      { id: 'c', label: 1, logit: 2, temperature: 1, threshold: 0.5, repeat: 0, fold: 1 },
    ];
    const e = evaluateOutOfFold(pooled, options);
    expect([e.tn, e.fp, e.fn, e.tp]).toEqual([0, 1, 1, 1]);
    const reference = evaluateBinary([1, 0, 1], [0.5, -1, 2], { threshold: 0.5, beta: 2, eceBins: 15 });
    expect(e.brier).toBeCloseTo(reference.brier, 12);
    expect(e.nll).toBeCloseTo(reference.nll, 12);
    expect(e.rocAuc).toBe(reference.rocAuc);
  });

  it('resamples repeats, then folds, then images: every drawn row belongs to its drawn fold', () => {
    const data = rows(20, 5, 2, 1);
    const structure = foldStructure(data);
    expect(structure.map((folds) => folds.length)).toEqual([5, 5]);
    const draw = foldResample(structure, createRng(3));
    expect(draw).toHaveLength(2);
    for (const d of draw) {
      expect(d).toHaveLength(20);
      const repeats = new Set(d.map((i) => data[i]!.repeat));
      expect(repeats.size).toBe(1);
    }
  });

  it('an interval around the pooled estimate, deterministic for the seed; a paired difference of a model with itself is exactly 0', () => {
    const data = rows(60, 5, 2, 2);
    const a = outOfFoldIntervals(data, { ...options, resamples: 300, rng: createRng(4) });
    const b = outOfFoldIntervals(data, { ...options, resamples: 300, rng: createRng(4) });
    expect(a).toEqual(b);
    const estimate = pooledEstimate(data, options);
    expect(a.rocAuc.value).toBe(estimate.rocAuc);
    for (const m of ['rocAuc', 'nll', 'brier', 'fBeta'] as const) {
      expect(a[m].low!).toBeLessThanOrEqual(a[m].value! + 1e-12);
      expect(a[m].high!).toBeGreaterThanOrEqual(a[m].value! - 1e-12);
    }
    const same = pairedOutOfFoldDeltas(data, data, { ...options, resamples: 200, rng: createRng(5) });
    expect([same.rocAuc.delta, same.rocAuc.low, same.rocAuc.high]).toEqual([0, 0, 0]);
  });

  it('a paired difference sees a real gain that the two marginal intervals hide', () => {
    const base = rows(80, 5, 1, 6);
    // The same images, each logit moved 0.4 further towards its label: better on every image.
    const better = base.map((r) => ({ ...r, logit: r.logit + (r.label ? 0.4 : -0.4) }));
    const d = pairedOutOfFoldDeltas(base, better, { ...options, resamples: 400, rng: createRng(7) });
    expect(d.nll.delta!).toBeLessThan(0);
    expect(d.nll.high!).toBeLessThan(0);
    const ia = outOfFoldIntervals(base, { ...options, resamples: 400, rng: createRng(8) });
    const ib = outOfFoldIntervals(better, { ...options, resamples: 400, rng: createRng(8) });
    expect(ib.nll.high!).toBeGreaterThan(ia.nll.low!); // the marginal intervals overlap
    expect(() => pairedOutOfFoldDeltas(base, better.slice(1), { ...options, resamples: 10, rng: createRng(1) })).toThrow(/same images/);
  });
});
