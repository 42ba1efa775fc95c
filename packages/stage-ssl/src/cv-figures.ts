// The figures of a cross-validated run, each as PNG and SVG: the pool's probability under the final
// model before each of its rounds (the notebook's plot_confidence), the held-out log-loss of both arms
// per fold, and the final model's pseudo-labels per class per round.

import type { Figure, FigureFile } from '@neuro-ssl/core';
import { renderGroupedBars, renderHistogram, type RenderedPlot } from '@neuro-ssl/core/plots';
import type { FoldOutcome } from './cv-evaluation.js';
import type { CvVerdict } from './cv-verdict.js';
import type { FinalModel } from './final-model.js';
import { signed } from './verdict.js';
import { describeRoundRule } from './threshold-schedule.js';

export interface CvFigureInput {
  final: FinalModel;
  folds: readonly FoldOutcome[];
  verdict: CvVerdict;
  /** [negative, positive]. */
  classNames: [string, string];
  prefix: string;
}

export async function renderCvFigures(input: CvFigureInput): Promise<Figure> {
  const { final, folds, verdict, prefix } = input;
  const [neg, pos] = input.classNames;
  const files: FigureFile[] = [];
  const add = (name: string, title: string, plot: RenderedPlot): void => {
    files.push({ name: `${prefix}-${name}.svg`, format: 'svg', data: plot.svg, title });
    files.push({ name: `${prefix}-${name}.png`, format: 'png', data: plot.png, title });
  };

  const series =
    final.rounds.length > 0
      ? final.rounds.map((r) => ({
          name: `round ${r.round} (${describeRoundRule(r.rule)}): ${r.picks.length} selected`,
          values: r.poolProbabilities,
          rules: [
            { x: 1 - r.cutoff, label: (1 - r.cutoff).toFixed(3) },
            { x: r.cutoff, label: r.cutoff.toFixed(3) },
          ],
        }))
      : [{ name: 'final model (no round validated)', values: final.baselinePool }];
  add(
    'confidence',
    'Unlabelled pool: calibrated probability under the final model',
    await renderHistogram({
      title: `Unlabelled pool: P(${pos}) under the final model, before each round`,
      subtitle: `${final.baselinePool.length} images; pseudo-labels: P ≥ t → ${pos}, P ≤ 1 − t → ${neg}`,
      xTitle: `P(${pos}) the selection used`,
      bins: 40,
      domain: [0, 1],
      series,
    }),
  );

  const label = (f: FoldOutcome): string => `r${f.repeat + 1} f${f.fold + 1}`;
  const d = verdict.deltas.nll;
  add(
    'metrics',
    'Held-out log-loss per fold: supervised baseline vs self-training',
    await renderGroupedBars({
      title: 'Held-out log-loss (NLL) per fold, lower is better',
      subtitle: `pooled over ${verdict.validationImages} out-of-fold images: ΔNLL ${signed(d.delta)} [${signed(d.low)}, ${signed(d.high)}]`,
      xTitle: 'fold',
      yTitle: 'NLL',
      categories: folds.map(label),
      groups: [
        { name: 'baseline', values: folds.map((f) => f.baseline.heldOut.nll) },
        { name: 'self-training', values: folds.map((f) => f.ssl.heldOut.nll) },
      ],
    }),
  );

  if (final.rounds.length > 0) {
    const groups = [
      { name: pos, values: final.rounds.map((r) => r.kept[1]) },
      { name: neg, values: final.rounds.map((r) => r.kept[0]) },
    ];
    if (final.rounds.some((r) => r.benchmark !== null)) {
      groups.push(
        { name: `${pos}, correct`, values: final.rounds.map((r) => r.benchmark?.correctByClass[1] ?? 0) },
        { name: `${neg}, correct`, values: final.rounds.map((r) => r.benchmark?.correctByClass[0] ?? 0) },
      );
    }
    add(
      'pseudo-labels',
      'Pseudo-labels per class per round of the final model',
      await renderGroupedBars({
        title: 'Pseudo-labels per class per round (final model)',
        subtitle: `of ${final.baselinePool.length} unlabelled images; each round's set replaces the last`,
        xTitle: 'round',
        yTitle: 'pseudo-labels',
        categories: final.rounds.map((r) => `${r.round} (${r.rule.kind === 'threshold' ? r.rule.value.toFixed(2) : `${Number(r.rule.value.toFixed(1))}%`})`),
        groups,
      }),
    );
  }
  return { files };
}
