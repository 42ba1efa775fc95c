// Reliability diagrams: one panel per calibration state (e.g. before / after temperature scaling)
// side by side. Bars: fraction positive per predicted-probability bin over its [lower, upper];
// dots: the bin's mean predicted probability, so a dot off the diagonal is the bin's calibration
// gap; dashed diagonal: perfect calibration. Under each panel a count histogram says how much each
// bar weighs (ECE weights bins by count). Empty bins are drawn as nothing.

import type { TopLevelSpec } from 'vega-lite';
import type { ReliabilityBin } from '../metrics/calibration.js';
import { checkCount, checkFinite, titleBlock } from './plot-input.js';
import { PLOT_CONFIG, categoricalColor } from './plot-theme.js';
import { renderVegaLite, type RenderedPlot } from './render-vega-lite.js';

export interface ReliabilityPanel {
  /** Panel title, e.g. "before temperature scaling, ECE 0.143". */
  name: string;
  /** As returned by reliabilityBins() in metrics/calibration. */
  bins: ReliabilityBin[];
}

export interface ReliabilityDiagramSpec {
  title: string;
  subtitle?: string;
  panels: ReliabilityPanel[];
}

const FN = 'renderReliabilityDiagram';
const WIDTH = 280;
const BAR_COLOR = categoricalColor(0);
const DOT_COLOR = '#1f3b57';
const DIAGONAL_GREY = '#888888';

function validate(spec: ReliabilityDiagramSpec): void {
  if (spec.panels.length === 0) throw new Error(`${FN}: panels must not be empty`);
  spec.panels.forEach((panel, p) =>
    panel.bins.forEach((b, i) => {
      const at = `panels[${p}].bins[${i}]`;
      checkFinite(FN, `${at}.lower`, b.lower);
      checkFinite(FN, `${at}.upper`, b.upper);
      if (!(b.lower >= 0 && b.lower < b.upper && b.upper <= 1)) throw new Error(`${FN}: ${at} must satisfy 0 ≤ lower < upper ≤ 1, got [${b.lower}, ${b.upper}]`);
      checkCount(FN, `${at}.count`, b.count);
      if (b.count === 0) return;
      // A non-empty bin without its two values would silently vanish from the chart.
      if (b.meanProbability === null) throw new Error(`${FN}: ${at}.meanProbability is null but count is ${b.count}`);
      if (b.fractionPositive === null) throw new Error(`${FN}: ${at}.fractionPositive is null but count is ${b.count}`);
      checkFinite(FN, `${at}.meanProbability`, b.meanProbability);
      checkFinite(FN, `${at}.fractionPositive`, b.fractionPositive);
    }),
  );
}

function panelSpec(panel: ReliabilityPanel): unknown {
  const values = panel.bins
    .filter((b) => b.count > 0)
    .map((b) => ({ lower: b.lower, upper: b.upper, count: b.count, meanProbability: b.meanProbability, fractionPositive: b.fractionPositive }));
  const x = { field: 'lower', type: 'quantitative', scale: { domain: [0, 1], nice: false }, axis: { tickCount: 5 } };
  const x2 = { field: 'upper' };
  const unit = { domain: [0, 1], nice: false };
  // The count strip below carries the x labels; here they would only repeat them.
  const xHidden = { title: null, tickCount: 5, labels: false };
  // Headroom so the count label above the tallest bar is not cut off.
  const maxCount = Math.max(1, ...values.map((v) => v.count));
  const main = {
    width: WIDTH,
    height: WIDTH,
    title: { text: panel.name, fontSize: 13, anchor: 'middle' },
    layer: [
      {
        data: { values: [{ x: 0, y: 0 }, { x: 1, y: 1 }] },
        mark: { type: 'line', color: DIAGONAL_GREY, strokeDash: [5, 4], strokeWidth: 1.5 },
        encoding: { x: { field: 'x', type: 'quantitative', scale: unit, axis: xHidden }, y: { field: 'y', type: 'quantitative', scale: unit } },
      },
      {
        data: { values },
        mark: { type: 'rect', color: BAR_COLOR, fillOpacity: 0.75, stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { ...x, axis: xHidden },
          x2,
          y: { field: 'fractionPositive', type: 'quantitative', scale: unit, title: 'fraction positive', axis: { tickCount: 5 } },
          y2: { datum: 0 },
        },
      },
      {
        data: { values },
        mark: { type: 'point', filled: true, size: 28, color: DOT_COLOR, opacity: 1 },
        encoding: { x: { field: 'meanProbability', type: 'quantitative', scale: unit }, y: { field: 'fractionPositive', type: 'quantitative', scale: unit } },
      },
    ],
  };
  const counts = {
    width: WIDTH,
    height: 70,
    data: { values },
    encoding: { x: { ...x, title: 'predicted probability (positive class)' }, x2 },
    layer: [
      {
        mark: { type: 'rect', color: '#999999', stroke: 'white', strokeWidth: 0.5 },
        encoding: { y: { field: 'count', type: 'quantitative', title: 'count', scale: { domain: [0, maxCount * 1.3], nice: false }, axis: { tickCount: 2 } }, y2: { datum: 0 } },
      },
      {
        // Text labels: with most samples in the extreme bins, the middle bars are too short to read.
        transform: [{ calculate: '(datum.lower + datum.upper) / 2', as: 'mid' }],
        mark: { type: 'text', fontSize: 9, baseline: 'bottom', dy: -2, color: '#333333' },
        encoding: { x: { field: 'mid', type: 'quantitative' }, x2: null, y: { field: 'count', type: 'quantitative' }, text: { field: 'count' } },
      },
    ],
  };
  return { vconcat: [main, counts], spacing: 6 };
}

/** Vega-Lite spec of the diagram (exported for inspection and tests). */
export function reliabilityVegaLiteSpec(spec: ReliabilityDiagramSpec): TopLevelSpec {
  validate(spec);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(spec.title, spec.subtitle),
    hconcat: spec.panels.map(panelSpec),
    spacing: 16,
    config: PLOT_CONFIG,
  } as TopLevelSpec;
}

/** Renders the reliability diagram to SVG and PNG (2x). Throws on NaN/Infinity or a non-empty bin without values. */
export async function renderReliabilityDiagram(spec: ReliabilityDiagramSpec): Promise<RenderedPlot> {
  return renderVegaLite(reliabilityVegaLiteSpec(spec), spec.title);
}
