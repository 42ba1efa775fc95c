// The train stage's figures, each as PNG and SVG: loss and metric curves per epoch (best epoch
// marked), the confusion matrix at the chosen threshold, ROC and PR curves, and the reliability
// diagram before and after temperature scaling.

import type { Figure, FigureFile } from '@neuro-ssl/core';
import { metrics, type Calibration, type EpochRecord } from '@neuro-ssl/core/learn';
import { renderConfusionMatrix, renderLineChart, renderPrCurve, renderReliabilityDiagram, renderRocCurve, type RenderedPlot } from '@neuro-ssl/core/plots';

export interface TrainFigureInput {
  history: readonly EpochRecord[];
  bestEpoch: number;
  /** Validation labels and the best epoch's logits. */
  labels: readonly number[];
  logits: Float32Array;
  calibration: Calibration;
  /** [negative, positive]. */
  classNames: [string, string];
  beta: number;
  eceBins: number;
  /** e.g. "mobilenet_v2 probe". */
  title: string;
  /** File name prefix (default "train"). */
  prefix?: string;
}

export async function renderTrainFigures(input: TrainFigureInput): Promise<Figure> {
  const prefix = input.prefix ?? 'train';
  const files: FigureFile[] = [];
  const add = (name: string, title: string, plot: RenderedPlot): void => {
    files.push({ name: `${prefix}-${name}.svg`, format: 'svg', data: plot.svg, title });
    files.push({ name: `${prefix}-${name}.png`, format: 'png', data: plot.png, title });
  };
  const { calibration, labels, logits } = input;
  const marks = input.bestEpoch > 0 ? [{ x: input.bestEpoch, label: 'best epoch' }] : [];
  const series = (name: string, pick: (r: EpochRecord) => number | null) => ({ name, points: input.history.map((r) => ({ x: r.epoch, y: pick(r) })) });
  const n = labels.length;
  const positives = labels.filter((l) => l === 1).length;
  const subtitle = `${input.title}; validation ${n} images (${positives} ${input.classNames[1]})`;

  add(
    'loss',
    'Loss per epoch',
    await renderLineChart({
      title: 'Loss per epoch',
      subtitle,
      xTitle: 'epoch',
      yTitle: 'BCE (pos_weight)',
      series: [series('train', (r) => r.trainLoss), series('validation', (r) => r.valLoss)],
      marks,
    }),
  );
  add(
    'metrics',
    'Validation metrics per epoch',
    await renderLineChart({
      title: 'Validation metrics per epoch (threshold 0.5, before calibration)',
      subtitle,
      xTitle: 'epoch',
      yTitle: 'value',
      series: [
        series(`F${input.beta}`, (r) => r.fBeta),
        series('precision', (r) => r.precision),
        series('recall', (r) => r.recall),
        series('ROC-AUC', (r) => r.rocAuc),
        series('PR-AUC', (r) => r.prAuc),
        series('ECE', (r) => r.ece),
      ],
      marks,
      yDomain: [0, 1],
    }),
  );
  const c = calibration.calibrated;
  add(
    'confusion',
    'Confusion matrix',
    await renderConfusionMatrix({
      title: `Confusion matrix at threshold ${calibration.threshold.toFixed(3)}`,
      subtitle: `${subtitle}; F${input.beta} ${c.fBeta.toFixed(3)}, precision ${c.precision.toFixed(3)}, recall ${c.recall.toFixed(3)}`,
      classNames: input.classNames,
      matrix: { tn: c.tn, fp: c.fp, fn: c.fn, tp: c.tp },
    }),
  );
  const probs = metrics.applyTemperature(logits, calibration.temperature);
  if (positives > 0 && positives < n) {
    const roc = metrics.rocCurve(labels, probs);
    add('roc', 'ROC curve', await renderRocCurve({ title: 'ROC curve (validation)', subtitle, curves: [{ name: 'best epoch', fpr: roc.fpr, tpr: roc.tpr, auc: c.rocAuc }] }));
    const pr = metrics.precisionRecallCurve(labels, probs);
    add(
      'pr',
      'Precision-recall curve',
      await renderPrCurve({ title: 'Precision-recall curve (validation)', subtitle, curves: [{ name: 'best epoch', recall: pr.recall, precision: pr.precision, ap: c.prAuc }], prevalence: positives / n }),
    );
  }
  const raw = metrics.applyTemperature(logits, 1);
  add(
    'reliability',
    'Reliability diagram',
    await renderReliabilityDiagram({
      title: 'Reliability diagram (validation)',
      subtitle: `${subtitle}; temperature ${calibration.temperature.toFixed(3)} fitted on these images`,
      panels: [
        { name: `before temperature scaling, ECE ${calibration.raw.ece.toFixed(3)}`, bins: metrics.reliabilityBins(labels, raw, input.eceBins) },
        { name: `after (T = ${calibration.temperature.toFixed(2)}), ECE ${c.ece.toFixed(3)}`, bins: metrics.reliabilityBins(labels, probs, input.eceBins) },
      ],
    }),
  );
  return { files };
}
