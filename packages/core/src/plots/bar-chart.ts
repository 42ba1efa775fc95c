// Grouped bar charts: one cluster of bars per category along x (e.g. per self-training round),
// one coloured bar per group inside it (e.g. per class), each bar labelled with its value.

import type { TopLevelSpec } from 'vega-lite';
import { checkFinite, checkSameLength, checkUniqueNames, formatValue, titleBlock } from './plot-input.js';
import { PLOT_CONFIG, categoricalColor } from './plot-theme.js';
import { renderVegaLite, type RenderedPlot } from './render-vega-lite.js';

export interface GroupedBarsSpec {
  title: string;
  subtitle?: string;
  xTitle: string;
  yTitle: string;
  /** x positions in this order, e.g. ['round 1', 'round 2']. */
  categories: string[];
  /** One value per category each, e.g. one group per class. */
  groups: { name: string; values: number[] }[];
}

const FN = 'renderGroupedBars';
/** Width of one bar (the offset step); a category is as wide as its bars plus padding. */
const BAR_STEP = 34;

function validate(spec: GroupedBarsSpec): void {
  if (spec.categories.length === 0) throw new Error(`${FN}: categories must not be empty`);
  if (spec.groups.length === 0) throw new Error(`${FN}: groups must not be empty`);
  checkUniqueNames(FN, 'categories', spec.categories);
  checkUniqueNames(FN, 'group names', spec.groups.map((g) => g.name));
  spec.groups.forEach((g, i) => {
    checkSameLength(FN, 'categories', spec.categories, `groups[${i}].values`, g.values);
    g.values.forEach((v, j) => checkFinite(FN, `groups[${i}].values[${j}]`, v));
  });
}

/** Vega-Lite spec of the chart (exported for inspection and tests). */
export function groupedBarsVegaLiteSpec(spec: GroupedBarsSpec): TopLevelSpec {
  validate(spec);
  const names = spec.groups.map((g) => g.name);
  const values = spec.groups.flatMap((g) => g.values.map((v, j) => ({ category: spec.categories[j], group: g.name, value: v, label: formatValue(v) })));
  const all = values.map((v) => v.value);
  // Headroom so a label above (or below) the longest bar stays inside the plot.
  const lo = Math.min(0, ...all);
  const hi = Math.max(0, ...all);
  const pad = 0.12 * (hi - lo || 1);
  const yDomain = [lo < 0 ? lo - pad : 0, hi > 0 || lo === 0 ? hi + pad : 0];
  const x = { field: 'category', type: 'nominal', sort: spec.categories, title: spec.xTitle, axis: { labelAngle: 0 } };
  const xOffset = { field: 'group', type: 'nominal', sort: names };
  const y = { field: 'value', type: 'quantitative', title: spec.yTitle, scale: { domain: yDomain, nice: true } };
  // Labels outside the bar end: above positive bars, below negative ones.
  const label = (positive: boolean) => ({
    transform: [{ filter: positive ? 'datum.value >= 0' : 'datum.value < 0' }],
    mark: { type: 'text', fontSize: 10, baseline: positive ? 'bottom' : 'top', dy: positive ? -2 : 2, color: '#333333' },
    encoding: { x, xOffset, y, text: { field: 'label' } },
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(spec.title, spec.subtitle),
    width: { step: BAR_STEP, for: 'offset' },
    height: 260,
    data: { values },
    layer: [
      {
        mark: { type: 'bar' },
        encoding: {
          x,
          xOffset,
          y,
          color: { field: 'group', type: 'nominal', title: null, scale: { domain: names, range: names.map((_, i) => categoricalColor(i)) } },
        },
      },
      label(true),
      label(false),
    ],
    config: PLOT_CONFIG,
  } as TopLevelSpec;
}

/** Renders the grouped bars to SVG and PNG (2x). Throws on NaN/Infinity or a group whose length differs from categories. */
export async function renderGroupedBars(spec: GroupedBarsSpec): Promise<RenderedPlot> {
  return renderVegaLite(groupedBarsVegaLiteSpec(spec), spec.title);
}
