// 2-D scatter plots (dimensionality-reducer embeddings coloured by cluster or by class), rendered
// headlessly through renderVegaLite (SVG + 2x PNG). Same input gives the same SVG bytes.

import type { TopLevelSpec } from 'vega-lite';
import { PLOT_CONFIG, PLOT_GREY, categoricalColor } from './plot-theme.js';
import { renderVegaLite, type RenderedPlot } from './render-vega-lite.js';

// Re-exported so existing `import { RenderedPlot } from './scatter.js'` keeps working.
export type { RenderedPlot };

export interface ScatterGroup {
  name: string;
  /** CSS colour; default: the next Tableau colour (or PLOT_GREY when `grey`). */
  color?: string;
  /** Background group (e.g. "unlabelled", "noise"): grey and drawn underneath the others. */
  grey?: boolean;
}

export interface ScatterPoint {
  x: number;
  y: number;
  group: string;
}

export interface ScatterSpec {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  /** Legend title, e.g. "cluster" or "class". Default "group". */
  legendTitle?: string;
  points: ScatterPoint[];
  /** Group order (legend order) and colours. Every point's group must be listed here. */
  groups: ScatterGroup[];
  /** Plot-area size in CSS px (the PNG is twice as large plus title, axes and legend). */
  width?: number;
  height?: number;
}

function isGreyGroup(g: ScatterGroup): boolean {
  return g.grey === true || (g.color !== undefined && g.color.toLowerCase() === PLOT_GREY);
}

/** Resolved colour of each group, in the given order. Grey groups do not consume palette slots. */
export function resolveGroupColors(groups: readonly ScatterGroup[]): string[] {
  let next = 0;
  return groups.map((g) => {
    if (g.color !== undefined) {
      if (!isGreyGroup(g)) next++;
      return g.color;
    }
    if (g.grey === true) return PLOT_GREY;
    return categoricalColor(next++);
  });
}

function validate(spec: ScatterSpec): void {
  const names = new Set<string>();
  for (const g of spec.groups) {
    if (names.has(g.name)) throw new Error(`renderScatter: group "${g.name}" is listed twice`);
    names.add(g.name);
  }
  for (const [label, v] of [['width', spec.width], ['height', spec.height]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw new Error(`renderScatter: ${label} must be a positive number, got ${v}`);
  }
  spec.points.forEach((p, i) => {
    if (!Number.isFinite(p.x) || !Number.isFinite(p.y)) {
      throw new Error(`renderScatter: point ${i} (group "${p.group}") has a non-finite coordinate (x=${p.x}, y=${p.y}) in "${spec.title}"`);
    }
    if (!names.has(p.group)) {
      throw new Error(`renderScatter: point ${i} has group "${p.group}", which is not in groups [${[...names].join(', ')}]`);
    }
  });
}

/** Vega-Lite spec of the chart (exported for inspection and tests). */
export function scatterVegaLiteSpec(spec: ScatterSpec): TopLevelSpec {
  validate(spec);
  const greyNames = new Set(spec.groups.filter(isGreyGroup).map((g) => g.name));
  // Grey points first so the coloured ones are drawn over them; otherwise input order (stable
  // sort), so no class is systematically on top.
  const values = [
    ...spec.points.filter((p) => greyNames.has(p.group)),
    ...spec.points.filter((p) => !greyNames.has(p.group)),
  ].map((p) => ({ x: p.x, y: p.y, group: p.group }));
  // An empty chart gets a fixed domain instead of vega's "Infinite extent" warning.
  const domain = values.length === 0 ? { domain: [0, 1] } : {};
  const title = spec.subtitle === undefined ? { text: spec.title } : { text: spec.title, subtitle: spec.subtitle };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: spec.width ?? 460,
    height: spec.height ?? 380,
    data: { values },
    // fillOpacity, not opacity: librsvg composites every element with opacity < 1 through its own
    // offscreen layer, which made the 2x PNG of 1,500 points take seconds.
    // aria: false drops a per-point aria-label (about half the SVG bytes).
    mark: { type: 'point', filled: true, size: 16, opacity: 1, fillOpacity: 0.6, strokeWidth: 0, aria: false },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: spec.xLabel, scale: { zero: false, nice: true, ...domain } },
      y: { field: 'y', type: 'quantitative', title: spec.yLabel, scale: { zero: false, nice: true, ...domain } },
      color: {
        field: 'group',
        type: 'nominal',
        title: spec.legendTitle ?? 'group',
        scale: { domain: spec.groups.map((g) => g.name), range: resolveGroupColors(spec.groups) },
        legend: { symbolType: 'circle' },
      },
    },
    config: PLOT_CONFIG,
  } as TopLevelSpec;
}

/** Renders the scatter to SVG (UTF-8 bytes) and PNG (2x). Throws on NaN/Infinity coordinates. */
export async function renderScatter(spec: ScatterSpec): Promise<RenderedPlot> {
  const vlSpec = scatterVegaLiteSpec(spec);
  try {
    return await renderVegaLite(vlSpec, spec.title);
  } catch (e) {
    throw new Error(`renderScatter: ${(e as Error).message}`, { cause: e });
  }
}
