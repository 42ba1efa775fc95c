// Line charts of a quantity against a step (loss and metric curves per epoch, metrics per
// self-training round): one coloured line with point markers per series, a legend, optional
// labelled vertical rules (e.g. the best epoch). A null y is a gap, not a zero.

import type { TopLevelSpec } from 'vega-lite';
import { checkFinite, checkFiniteOrNull, checkRange, checkUniqueNames, titleBlock } from './plot-input.js';
import { PLOT_CONFIG, categoricalColor } from './plot-theme.js';
import { renderVegaLite, type RenderedPlot } from './render-vega-lite.js';

export interface LineSeries {
  name: string;
  points: { x: number; y: number | null }[];
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  series: LineSeries[];
  /** Labelled vertical rules, e.g. `{ x: 12, label: 'best epoch' }`. */
  marks?: { x: number; label: string }[];
  /** Fixed y range; points outside it are clipped. Default: fitted to the data. */
  yDomain?: [number, number];
}

const FN = 'renderLineChart';
const RULE_COLOR = '#555555';

function validate(spec: LineChartSpec): void {
  checkUniqueNames(FN, 'series names', spec.series.map((s) => s.name));
  spec.series.forEach((s, i) =>
    s.points.forEach((p, j) => {
      checkFinite(FN, `series[${i}].points[${j}].x`, p.x);
      checkFiniteOrNull(FN, `series[${i}].points[${j}].y`, p.y);
    }),
  );
  if (!spec.series.some((s) => s.points.some((p) => p.y !== null))) throw new Error(`${FN}: series has no point with a y value in "${spec.title}"`);
  (spec.marks ?? []).forEach((m, i) => checkFinite(FN, `marks[${i}].x`, m.x));
  if (spec.yDomain !== undefined) checkRange(FN, 'yDomain', spec.yDomain);
}

/** Vega-Lite spec of the chart (exported for inspection and tests). */
export function lineChartVegaLiteSpec(spec: LineChartSpec): TopLevelSpec {
  validate(spec);
  const names = spec.series.map((s) => s.name);
  // `i` keeps each series in input order (Vega-Lite would otherwise sort the path by x).
  const values = spec.series.flatMap((s) => s.points.map((p, i) => ({ series: s.name, x: p.x, y: p.y, i })));
  const marks = spec.marks ?? [];
  const xs = [...values.map((v) => v.x), ...marks.map((m) => m.x)];
  // Epochs and rounds are integers: no "2.5" ticks between them.
  const xAxis = xs.every(Number.isInteger) ? { tickMinStep: 1, format: 'd' } : {};
  const yScale = spec.yDomain === undefined ? { zero: false, nice: true, padding: 8 } : { domain: spec.yDomain, nice: false };
  const layers: unknown[] = [
    {
      data: { values },
      // Breaking the path at nulls shows a missing value as a gap instead of bridging it.
      mark: { type: 'line', point: { filled: true, size: 30 }, strokeWidth: 2, clip: spec.yDomain !== undefined, invalid: 'break-paths-filter-domains' },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: spec.xTitle, scale: { zero: false, nice: false, padding: 8 }, axis: xAxis },
        y: { field: 'y', type: 'quantitative', title: spec.yTitle, scale: yScale },
        order: { field: 'i', type: 'quantitative' },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          scale: { domain: names, range: names.map((_, i) => categoricalColor(i)) },
          legend: { symbolType: 'stroke', symbolStrokeWidth: 2 },
        },
      },
    },
  ];
  if (marks.length > 0) {
    const markValues = marks.map((m) => ({ x: m.x, label: m.label }));
    layers.push(
      { data: { values: markValues }, mark: { type: 'rule', color: RULE_COLOR, strokeDash: [4, 3], strokeWidth: 1.5 }, encoding: { x: { field: 'x', type: 'quantitative' } } },
      {
        data: { values: markValues },
        mark: { type: 'text', color: RULE_COLOR, align: 'left', baseline: 'top', dx: 4, dy: 4, fontSize: 11 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { value: 0 }, text: { field: 'label' } },
      },
    );
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(spec.title, spec.subtitle),
    width: 460,
    height: 280,
    layer: layers,
    config: PLOT_CONFIG,
  } as TopLevelSpec;
}

/** Renders the line chart to SVG and PNG (2x). Throws on NaN/Infinity, naming the field. */
export async function renderLineChart(spec: LineChartSpec): Promise<RenderedPlot> {
  const vl = lineChartVegaLiteSpec(spec);
  return renderVegaLite(vl, spec.title);
}
