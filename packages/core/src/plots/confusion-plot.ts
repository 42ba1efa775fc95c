// The 2×2 confusion matrix as a heatmap: rows = true class, columns = predicted class, each cell
// with its count and its share of the row (so the diagonal reads as specificity and recall).

import type { TopLevelSpec } from 'vega-lite';
import type { ConfusionMatrix } from '../metrics/confusion.js';
import { checkCount, titleBlock } from './plot-input.js';
import { PLOT_CONFIG } from './plot-theme.js';
import { renderVegaLite, type RenderedPlot } from './render-vega-lite.js';

export interface ConfusionPlotSpec {
  title: string;
  subtitle?: string;
  /** [negative class, positive class], e.g. ['no tumour', 'tumour']. */
  classNames: [string, string];
  matrix: ConfusionMatrix;
}

const FN = 'renderConfusionMatrix';
const CELL = 130;
/** Above this row share the cell is dark enough on the blues scheme to need white text. */
const DARK_CELL = 0.5;

function validate(spec: ConfusionPlotSpec): void {
  if (spec.classNames.length !== 2) throw new Error(`${FN}: classNames must have 2 entries, got ${spec.classNames.length}`);
  if (spec.classNames[0] === spec.classNames[1]) throw new Error(`${FN}: classNames must differ, got "${spec.classNames[0]}" twice`);
  for (const k of ['tn', 'fp', 'fn', 'tp'] as const) checkCount(FN, `matrix.${k}`, spec.matrix[k]);
}

/** Vega-Lite spec of the chart (exported for inspection and tests). */
export function confusionVegaLiteSpec(spec: ConfusionPlotSpec): TopLevelSpec {
  validate(spec);
  const [neg, pos] = spec.classNames;
  const { tn, fp, fn, tp } = spec.matrix;
  const cells = [
    { actual: neg, predicted: neg, count: tn, rowTotal: tn + fp },
    { actual: neg, predicted: pos, count: fp, rowTotal: tn + fp },
    { actual: pos, predicted: neg, count: fn, rowTotal: fn + tp },
    { actual: pos, predicted: pos, count: tp, rowTotal: fn + tp },
  ].map((c) => {
    // A class absent from the data has no row share: the cell stays white and says so.
    const share = c.rowTotal === 0 ? null : c.count / c.rowTotal;
    return {
      actual: c.actual,
      predicted: c.predicted,
      count: String(c.count),
      share,
      shareLabel: share === null ? 'no samples' : `${(100 * share).toFixed(1)}% of row`,
      dark: share !== null && share > DARK_CELL,
    };
  });
  const classes = [neg, pos];
  const x = { field: 'predicted', type: 'nominal', sort: classes, title: 'predicted class', axis: { labelAngle: 0, orient: 'bottom' } };
  const y = { field: 'actual', type: 'nominal', sort: classes, title: 'true class', axis: { labelAngle: -90, labelAlign: 'center', labelBaseline: 'bottom' } };
  const textColor = { condition: { test: 'datum.dark', value: 'white' }, value: 'black' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(spec.title, spec.subtitle),
    width: 2 * CELL,
    height: 2 * CELL,
    data: { values: cells },
    encoding: { x, y },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 2 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            title: 'share of row',
            scale: { scheme: 'blues', domain: [0, 1] },
            legend: { format: '.0%', gradientLength: 2 * CELL - 20 },
          },
        },
      },
      { mark: { type: 'text', fontSize: 22, fontWeight: 'bold', dy: -10 }, encoding: { text: { field: 'count' }, color: textColor } },
      { mark: { type: 'text', fontSize: 12, dy: 14 }, encoding: { text: { field: 'shareLabel' }, color: textColor } },
    ],
    config: { ...PLOT_CONFIG, axis: { ...PLOT_CONFIG.axis, grid: false, ticks: false, domain: false, labelFontSize: 12, labelPadding: 6 } },
  } as TopLevelSpec;
}

/** Renders the confusion matrix to SVG and PNG (2x). Throws on a count that is not a non-negative integer. */
export async function renderConfusionMatrix(spec: ConfusionPlotSpec): Promise<RenderedPlot> {
  return renderVegaLite(confusionVegaLiteSpec(spec), spec.title);
}
