import { describe, expect, it } from 'vitest';
import { createRng } from '@neuro-ssl/core';
import { DEFAULT_SELECTION_RULE, calibrate, type SplitItem } from '@neuro-ssl/core/learn';
import { logisticTrainer, sample, type LinearModel } from './__fixtures__/gaussian-problem.js';
import { crossValidate, medianEpoch, selectAndFit, type SelectionMethod, type SplitTrainer } from './nested-cv.js';

/** 60 images in groups of 1–3 (near-duplicates share a group and a label). */
function data() {
  const s = sample({ dim: 5, delta: 2 }, 60, createRng(1));
  const items: SplitItem[] = s.items.map((item, i) => ({ ...item, group: `g${Math.floor(i / 6)}-${item.label}-${i % 3 === 0 ? 'a' : 'b'}` }));
  return { ...s, items };
}

interface Call {
  kind: 'select' | 'fixed';
  label: string;
  train: readonly string[];
  scored: readonly string[];
  epochs?: number;
}

/** The logistic trainer, recording every call. */
function recording(s: ReturnType<typeof data>): { trainer: SplitTrainer<LinearModel>; calls: Call[] } {
  const inner = logisticTrainer(s, { epochs: 30, learningRate: 0.05, batchSize: 8, checkpoint: DEFAULT_SELECTION_RULE }, 3);
  const calls: Call[] = [];
  return {
    calls,
    trainer: {
      select: (train, validation, label) => {
        calls.push({ kind: 'select', label, train, scored: validation });
        return inner.select(train, validation, label);
      },
      fixed: (train, score, epochs, label) => {
        calls.push({ kind: 'fixed', label, train, scored: score, epochs });
        return inner.fixed(train, score, epochs, label);
      },
      release: () => undefined,
    },
  };
}

const options = (s: ReturnType<typeof data>, method: SelectionMethod, threshold: 'fbeta' | number = 0.5) => ({
  method,
  innerFolds: 3,
  epochs: 30,
  calibration: { threshold: threshold === 'fbeta' ? ({ rule: 'fbeta' } as const) : ({ rule: 'fixed', value: threshold } as const), temperature: true, beta: 2, eceBins: 15 },
  items: new Map(s.items.map((i) => [i.id, i])),
});

describe('nested selection', () => {
  const s = data();
  const group = new Map(s.items.map((i) => [i.id, i.group]));
  const heldOut = s.items.filter((_, i) => i % 5 === 0).map((i) => i.id);
  const train = s.items.map((i) => i.id).filter((id) => !heldOut.includes(id));

  it('chooses on inner folds of the training part only, groups whole, then refits for the median inner epoch', async () => {
    const { trainer, calls } = recording(s);
    const fit = await selectAndFit(trainer, train, heldOut, options(s, 'nested', 'fbeta'), createRng(2), 'main');
    const selects = calls.filter((c) => c.kind === 'select');
    expect(selects.map((c) => c.label)).toEqual(['main-inner1', 'main-inner2', 'main-inner3']);
    for (const c of selects) {
      // no held-out image trains or chooses
      expect([...c.train, ...c.scored].filter((id) => heldOut.includes(id))).toEqual([]);
      // a near-duplicate group never straddles an inner split
      const trainGroups = new Set(c.train.map((id) => group.get(id)));
      expect(c.scored.filter((id) => trainGroups.has(group.get(id)))).toEqual([]);
    }
    // every training image validates in exactly one inner fold
    expect(selects.flatMap((c) => c.scored).sort()).toEqual([...train].sort());
    const refit = calls.filter((c) => c.kind === 'fixed');
    expect(refit).toHaveLength(1);
    expect(refit[0]).toMatchObject({ label: 'main', train, scored: heldOut, epochs: medianEpoch(fit.inner.map((r) => r.bestEpoch)) });
    expect(fit.run.bestEpoch).toBe(fit.epochs);
    expect(fit.chosenOn).toMatch(/^3 inner folds of the 48 training images \(48 inner out-of-fold predictions\)$/);
    // temperature and threshold are not those the held-out images would choose
    const onHeldOut = calibrate(fit.heldOutLabels, fit.run.logits, { threshold: { rule: 'fbeta' }, beta: 2, eceBins: 15, temperature: true });
    expect([fit.calibration.temperature, fit.calibration.threshold]).not.toEqual([onHeldOut.temperature, onHeldOut.threshold]);
  });

  it('fixed: one training of all epochs, no temperature, the configured threshold; notebook: chosen on the held-out images', async () => {
    const a = recording(s);
    const fixed = await selectAndFit(a.trainer, train, heldOut, options(s, 'fixed', 0.4), createRng(2), 'main');
    expect(a.calls.map((c) => [c.kind, c.epochs])).toEqual([['fixed', 30]]);
    expect([fixed.calibration.temperature, fixed.calibration.temperatureStatus, fixed.calibration.threshold]).toEqual([1, 'disabled', 0.4]);
    await expect(selectAndFit(a.trainer, train, heldOut, options(s, 'fixed', 'fbeta'), createRng(2), 'main')).rejects.toThrow(/numeric threshold/);
    const b = recording(s);
    const notebook = await selectAndFit(b.trainer, train, heldOut, options(s, 'notebook'), createRng(2), 'main');
    expect(b.calls).toEqual([{ kind: 'select', label: 'main', train, scored: heldOut }]);
    expect(notebook.chosenOn).toBe('the 12 held-out images themselves');
  });

  it('cross-validation: every image once per repeat, scored by the fold that held it out', async () => {
    const { trainer, calls } = recording(s);
    const run = await crossValidate(trainer, s.items, { folds: 4, repeats: 2 }, options(s, 'nested'), createRng(5));
    expect(run.folds).toHaveLength(8);
    for (const repeat of [0, 1]) expect(run.rows.filter((r) => r.repeat === repeat).map((r) => r.id).sort()).toEqual(s.items.map((i) => i.id).sort());
    for (const f of run.folds) {
      const heldOutIds = run.rows.filter((r) => r.repeat === f.repeat && r.fold === f.fold).map((r) => r.id);
      const label = `cv-r${f.repeat + 1}f${f.fold + 1}`;
      const used = calls.filter((c) => c.label === label || c.label.startsWith(`${label}-inner`)).flatMap((c) => (c.kind === 'fixed' ? c.train : [...c.train, ...c.scored]));
      expect(used.filter((id) => heldOutIds.includes(id))).toEqual([]);
      expect(f.innerBestEpochs).toHaveLength(3);
      expect(f.bestEpoch).toBe(medianEpoch(f.innerBestEpochs));
    }
    expect(medianEpoch([3, 10])).toBe(7);
    expect(medianEpoch([5, 1, 9])).toBe(5);
  });
});
