// The figures of a one-go algorithm (FixMatch, FlexMatch), each as PNG and SVG, beside the usual ones:
// per epoch, the share of the pool that got a confident pseudo-label (per class), the thresholds per
// class (constant for FixMatch, FlexMatch's curriculum), and — in benchmark mode — how right the
// confident pseudo-labels were. "folds": the mean over folds epoch by epoch; "final": the final model.

import type { FigureFile } from '@neuro-ssl/core';
import { renderLineChart, type LineSeries, type RenderedPlot } from '@neuro-ssl/core/plots';
import type { ConsistencyEpoch } from './algorithms/consistency-training.js';

export interface ConsistencyFigureInput {
  algorithm: string;
  /** Per fold, its epochs in order. */
  folds: readonly (readonly ConsistencyEpoch[])[];
  /** The final model's epochs (empty when no run was validated). */
  final: readonly ConsistencyEpoch[];
  /** [negative, positive]. */
  classNames: [string, string];
  prefix: string;
}

/** Epoch-wise mean over the folds that reached that epoch (nulls skipped). */
function foldMean(folds: readonly (readonly ConsistencyEpoch[])[], value: (e: ConsistencyEpoch) => number | null): { x: number; y: number | null }[] {
  const epochs = Math.max(0, ...folds.map((f) => f.length));
  return Array.from({ length: epochs }, (_, i) => {
    const values = folds.map((f) => (f[i] ? value(f[i]!) : null)).filter((v): v is number => v !== null && Number.isFinite(v));
    return { x: i + 1, y: values.length ? values.reduce((a, b) => a + b, 0) / values.length : null };
  });
}

const line = (epochs: readonly ConsistencyEpoch[], value: (e: ConsistencyEpoch) => number | null): { x: number; y: number | null }[] =>
  epochs.map((e) => ({ x: e.epoch, y: value(e) }));

export async function renderConsistencyFigures(input: ConsistencyFigureInput): Promise<FigureFile[]> {
  const { folds, final, prefix, algorithm } = input;
  const [neg, pos] = input.classNames;
  const files: FigureFile[] = [];
  const add = (name: string, title: string, plot: RenderedPlot): void => {
    files.push({ name: `${prefix}-${name}.svg`, format: 'svg', data: plot.svg, title });
    files.push({ name: `${prefix}-${name}.png`, format: 'png', data: plot.png, title });
  };
  const seriesOf = (pick: (e: ConsistencyEpoch, cls: 0 | 1) => number | null): LineSeries[] => {
    const out: LineSeries[] = [];
    for (const [cls, name] of [[1, pos], [0, neg]] as const) {
      if (folds.some((f) => f.length > 0)) out.push({ name: `${name}, folds`, points: foldMean(folds, (e) => pick(e, cls)) });
      if (final.length > 0) out.push({ name: `${name}, final`, points: line(final, (e) => pick(e, cls)) });
    }
    return out.filter((s) => s.points.some((p) => p.y !== null));
  };
  const hasData = (series: LineSeries[]): boolean => series.some((s) => s.points.some((p) => p.y !== null));

  const mask = seriesOf((e, c) => (c === 1 ? e.maskRatePositive : e.maskRateNegative));
  if (hasData(mask)) {
    add(
      'mask-rate',
      `${algorithm}: share of the pool with a confident pseudo-label, per class and epoch`,
      await renderLineChart({ title: `${algorithm}: mask rate per class`, subtitle: 'share of the pool images of an epoch whose weak view passed its class threshold', xTitle: 'epoch', yTitle: 'share of the pool', series: mask, yDomain: [0, 1] }),
    );
  }
  const thresholds = seriesOf((e, c) => e.thresholds[c]);
  if (hasData(thresholds)) {
    add(
      'thresholds',
      `${algorithm}: confidence threshold per class and epoch`,
      await renderLineChart({ title: `${algorithm}: thresholds per class`, subtitle: 'on max(p, 1 − p) of the weak view, at the end of each epoch', xTitle: 'epoch', yTitle: 'threshold', series: thresholds, yDomain: [0, 1] }),
    );
  }
  const accuracy: LineSeries[] = [];
  if (folds.some((f) => f.some((e) => e.pseudoLabelAccuracy !== null))) accuracy.push({ name: 'folds', points: foldMean(folds, (e) => e.pseudoLabelAccuracy) });
  if (final.some((e) => e.pseudoLabelAccuracy !== null)) accuracy.push({ name: 'final', points: line(final, (e) => e.pseudoLabelAccuracy) });
  if (hasData(accuracy)) {
    add(
      'pseudo-label-accuracy',
      `${algorithm}: accuracy of the confident pseudo-labels (benchmark)`,
      await renderLineChart({ title: `${algorithm}: pseudo-label accuracy`, subtitle: 'confident pseudo-labels of an epoch against the true labels of the pool (benchmark mode)', xTitle: 'epoch', yTitle: 'accuracy', series: accuracy, yDomain: [0, 1] }),
    );
  }
  return files;
}
