// The self-training figures, each as PNG and SVG: the pool's calibrated probability per round with
// that round's thresholds (the notebook's plot_confidence), validation metrics per round (round 0 =
// the supervised baseline), and the pseudo-labels per class per round.

import type { Figure, FigureFile } from '@neuro-ssl/core';
import { renderGroupedBars, renderHistogram, renderLineChart, type RenderedPlot } from '@neuro-ssl/core/plots';
import type { PseudoLabelBenchmark } from './benchmark.js';
import type { LoopState, RoundRecord, StopReason } from './ssl-loop.js';
import { describeRoundRule } from './threshold-schedule.js';

/** Short enough for a subtitle (the full reason is in the log). */
const STOP_LABELS: Record<StopReason, string> = {
  'schedule-done': 'schedule done',
  'no-pseudo-labels': 'no image passed the threshold',
  'max-ece': 'ECE ≥ maxEce',
  patience: 'patience',
};

export interface SslFigureInput {
  state: LoopState;
  /** Per round (same order as state.rounds), benchmark mode only. */
  benchmarks: (PseudoLabelBenchmark | null)[];
  /** [negative, positive]. */
  classNames: [string, string];
  beta: number;
  /** File name prefix (the stage id). */
  prefix: string;
  /** e.g. "resnet18 probe". */
  title: string;
}

export async function renderSslFigures(input: SslFigureInput): Promise<Figure> {
  const { state, classNames, prefix } = input;
  const files: FigureFile[] = [];
  const add = (name: string, title: string, plot: RenderedPlot): void => {
    files.push({ name: `${prefix}-${name}.svg`, format: 'svg', data: plot.svg, title });
    files.push({ name: `${prefix}-${name}.png`, format: 'png', data: plot.png, title });
  };
  const rounds = state.rounds;
  if (rounds.length === 0) return { files };
  const [neg, pos] = classNames;
  const outcome = (r: RoundRecord): string => (r.rolledBack ? 'rolled back' : 'kept');

  add(
    'confidence',
    'Unlabelled pool: calibrated probability per round',
    await renderHistogram({
      title: `Unlabelled pool: P(${pos}) per round, thresholds marked`,
      subtitle: `${rounds[0]!.poolProbabilities.length} images; pseudo-labels: P ≥ t → ${pos}, P ≤ 1 − t → ${neg}`,
      xTitle: `P(${pos}) the selection used`,
      bins: 40,
      domain: [0, 1],
      series: rounds.map((r) => ({
        name: `round ${r.round} (${describeRoundRule(r.rule)}): ${r.picks.length} selected, ${outcome(r)}`,
        values: r.poolProbabilities,
        rules: [
          { x: 1 - r.cutoff, label: (1 - r.cutoff).toFixed(3) },
          { x: r.cutoff, label: r.cutoff.toFixed(3) },
        ],
      })),
    }),
  );

  const points = (pick: (i: number) => number | null) => [{ x: 0, y: pick(-1) }, ...rounds.map((r, i) => ({ x: r.round, y: pick(i) }))];
  const scoreAt = (i: number) => (i < 0 ? state.baseline : rounds[i]!.score);
  const series = [
    { name: `F${input.beta}`, points: points((i) => scoreAt(i).evaluation.fBeta) },
    { name: 'PR-AUC', points: points((i) => scoreAt(i).evaluation.prAuc) },
    { name: 'ROC-AUC', points: points((i) => scoreAt(i).evaluation.rocAuc) },
    { name: 'ECE', points: points((i) => scoreAt(i).evaluation.ece) },
  ];
  if (input.benchmarks.some((b) => b?.accuracy != null)) {
    series.push({ name: 'pseudo-label acc.', points: rounds.map((r, i) => ({ x: r.round, y: input.benchmarks[i]?.accuracy ?? null })) });
  }
  const rolledBack = rounds.filter((r) => r.rolledBack).map((r) => r.round);
  add(
    'metrics',
    'Validation metrics per round',
    await renderLineChart({
      title: 'Validation metrics per round (round 0 = supervised baseline)',
      subtitle: `calibrated; ${rolledBack.length ? `rolled back: round${rolledBack.length > 1 ? 's' : ''} ${rolledBack.join(', ')}` : 'no round rolled back'}${state.stop ? `; stopped: ${STOP_LABELS[state.stop.reason]}` : ''}`,
      xTitle: 'round',
      yTitle: 'value',
      series,
      marks: [{ x: state.best.round, label: state.best.round === 0 ? 'kept: baseline' : `kept: round ${state.best.round}` }],
      yDomain: [0, 1],
    }),
  );

  const groups = [
    { name: pos, values: rounds.map((r) => r.kept[1]) },
    { name: neg, values: rounds.map((r) => r.kept[0]) },
  ];
  if (input.benchmarks.some((b) => b !== null)) {
    const correct = (label: 0 | 1) => rounds.map((_, i) => input.benchmarks[i]?.correctByClass[label] ?? 0);
    groups.push({ name: `${pos}, correct`, values: correct(1) }, { name: `${neg}, correct`, values: correct(0) });
  }
  add(
    'pseudo-labels',
    'Pseudo-labels per class per round',
    await renderGroupedBars({
      title: 'Pseudo-labels per class per round',
      subtitle: `of ${rounds[0]!.poolProbabilities.length} unlabelled images; each round's set replaces the last`,
      xTitle: 'round',
      yTitle: 'pseudo-labels',
      categories: rounds.map((r) => `${r.round} (${r.rule.kind === 'threshold' ? r.rule.value.toFixed(2) : `${Number(r.rule.value.toFixed(1))}%`})`),
      groups,
    }),
  );
  return { files };
}
