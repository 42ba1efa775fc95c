// Histograms of one or more series of values over a fixed domain, one row per series (e.g. the
// model's confidence on the unlabelled pool, one row per self-training round) with labelled
// vertical rules (e.g. the pseudo-labelling thresholds). Values are binned here, in TS, so the
// counts are exact and independent of Vega's bin heuristics.

import type { TopLevelSpec } from 'vega-lite';
import { checkFinite, checkRange, checkUniqueNames, formatValue, titleBlock } from './plot-input.js';
import { PLOT_CONFIG, categoricalColor } from './plot-theme.js';
import { renderVegaLite, type RenderedPlot } from './render-vega-lite.js';

export interface HistogramSpec {
  title: string;
  subtitle?: string;
  xTitle: string;
  /** `rules`: drawn and labelled in that row only (e.g. each round's own thresholds). */
  series: { name: string; values: ArrayLike<number>; rules?: { x: number; label: string }[] }[];
  /** Number of equal-width bins over `domain`. */
  bins: number;
  /** Every value must lie in [domain[0], domain[1]]. */
  domain: [number, number];
  /** Labelled vertical rules drawn in every row, e.g. `{ x: 0.9, label: 'τ⁺ 0.9' }`. */
  rules?: { x: number; label: string }[];
}

export interface HistogramBin {
  lower: number;
  upper: number;
  count: number;
}

const FN = 'renderHistogram';
const WIDTH = 460;
const RULE_COLOR = '#333333';

/**
 * Equal-width bins [lo + k·w, lo + (k+1)·w), the last one closed so `hi` is counted (the same
 * convention as metrics/calibration). Throws on a value outside the domain rather than hiding it.
 */
export function histogramBins(values: ArrayLike<number>, bins: number, domain: readonly [number, number], field = 'values'): HistogramBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`${FN}: bins must be a positive integer, got ${bins}`);
  checkRange(FN, 'domain', domain);
  const [lo, hi] = domain;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    checkFinite(FN, `${field}[${i}]`, v);
    if (v < lo || v > hi) throw new Error(`${FN}: ${field}[${i}] = ${v} is outside domain [${lo}, ${hi}]`);
    const k = Math.min(Math.floor(((v - lo) / (hi - lo)) * bins), bins - 1);
    counts[k]! += 1;
  }
  return counts.map((count, k) => ({ lower: lo + ((hi - lo) * k) / bins, upper: lo + ((hi - lo) * (k + 1)) / bins, count }));
}

/** Vega-Lite spec of the chart (exported for inspection and tests). */
export function histogramVegaLiteSpec(spec: HistogramSpec): TopLevelSpec {
  if (spec.series.length === 0) throw new Error(`${FN}: series must not be empty`);
  checkUniqueNames(FN, 'series names', spec.series.map((s) => s.name));
  const rules = spec.rules ?? [];
  checkRange(FN, 'domain', spec.domain);
  rules.forEach((r, i) => checkFinite(FN, `rules[${i}].x`, r.x));
  spec.series.forEach((s, i) => (s.rules ?? []).forEach((r, j) => checkFinite(FN, `series[${i}].rules[${j}].x`, r.x)));
  const binned = spec.series.map((s, i) => histogramBins(s.values, spec.bins, spec.domain, `series[${i}].values`));
  const [lo, hi] = spec.domain;
  // A label right of its rule unless that would run off the plot.
  const placed = (r: { x: number; label: string }) => ({ x: r.x, label: r.label, right: r.x < lo + 0.75 * (hi - lo) });
  const ruleValues = rules.map(placed);
  const many = spec.series.length > 3;
  const rows = spec.series.map((s, i) => {
    const last = i === spec.series.length - 1;
    const x = {
      type: 'quantitative',
      scale: { domain: spec.domain, nice: false },
      // One x axis label row, under the last histogram; the rows above only keep the grid.
      axis: last ? { title: spec.xTitle } : { title: null, labels: false },
    };
    const maxCount = Math.max(1, ...binned[i]!.map((b) => b.count));
    const own = (s.rules ?? []).map(placed);
    const rowRules = [...ruleValues, ...own];
    // Shared rules are labelled in the first row, a row's own rules in that row.
    const labelled = [...(i === 0 ? ruleValues : []), ...own];
    // The rule labels sit at the top of their row: leave them a band free of bars.
    const headroom = labelled.length > 0 ? 1.35 : 1.1;
    const layers: unknown[] = [
      {
        data: { values: binned[i]!.filter((b) => b.count > 0) },
        mark: { type: 'rect', color: categoricalColor(i), fillOpacity: 0.85, stroke: 'white', strokeWidth: 0.5 },
        encoding: {
          x: { ...x, field: 'lower' },
          x2: { field: 'upper' },
          y: { field: 'count', type: 'quantitative', title: 'count', scale: { domain: [0, maxCount * headroom], nice: false }, axis: { tickCount: many ? 2 : 4, tickMinStep: 1, format: 'd' } },
          y2: { datum: 0 },
        },
      },
    ];
    if (rowRules.length > 0) {
      layers.push({
        data: { values: rowRules },
        mark: { type: 'rule', color: RULE_COLOR, strokeDash: [5, 3], strokeWidth: 1.5 },
        encoding: { x: { ...x, field: 'x' } },
      });
      if (labelled.length > 0) {
        for (const right of [true, false]) {
          layers.push({
            data: { values: labelled.filter((r) => r.right === right) },
            mark: { type: 'text', color: RULE_COLOR, align: right ? 'left' : 'right', baseline: 'top', dx: right ? 4 : -4, dy: 2, fontSize: 11 },
            encoding: { x: { ...x, field: 'x' }, y: { value: 0 }, text: { field: 'label' } },
          });
        }
      }
    }
    const total = binned[i]!.reduce((a, b) => a + b.count, 0);
    return {
      width: WIDTH,
      height: many ? 70 : 110,
      title: { text: `${s.name} (n = ${formatValue(total)})`, fontSize: 12, fontWeight: 'normal', anchor: 'start', offset: 4 },
      layer: layers,
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(spec.title, spec.subtitle),
    vconcat: rows,
    spacing: 8,
    config: PLOT_CONFIG,
  } as TopLevelSpec;
}

/** Renders the histograms to SVG and PNG (2x). Throws on NaN/Infinity or values outside the domain, naming the field. */
export async function renderHistogram(spec: HistogramSpec): Promise<RenderedPlot> {
  return renderVegaLite(histogramVegaLiteSpec(spec), spec.title);
}
