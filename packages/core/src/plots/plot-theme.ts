// Shared look of the plots: colours and fonts. One place so every chart of a run looks alike.

/** Grey for groups that are not a class or cluster (unlabelled images, noise points). */
export const PLOT_GREY = '#bbbbbb';

/** Tableau 10: the default categorical palette (colour-blind friendlier than d3 category10). */
export const TABLEAU10: readonly string[] = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f',
  '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
];

/** Lighter companions of Tableau 10, used after the first ten groups (Tableau 20 order). */
const TABLEAU10_LIGHT: readonly string[] = [
  '#a0cbe8', '#ffbe7d', '#ff9d9a', '#86bcb6', '#8cd17d',
  '#f1ce63', '#d4a6c8', '#fabfd2', '#d7b5a6', '#79706e',
];

/** The i-th default colour: Tableau 10, then its light variants, then cycling. */
export function categoricalColor(i: number): string {
  const all = [...TABLEAU10, ...TABLEAU10_LIGHT];
  return all[((i % all.length) + all.length) % all.length]!;
}

/**
 * Font stack written into the SVG. sharp rasterises with librsvg + fontconfig, which resolves
 * "DejaVu Sans" (installed on our machines) or falls back to whatever sans-serif it has.
 */
export const PLOT_FONT = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** Vega-Lite `config` block shared by the charts. */
export const PLOT_CONFIG = {
  font: PLOT_FONT,
  background: 'white',
  title: { fontSize: 15, subtitleFontSize: 12, subtitleColor: '#555555', anchor: 'start', offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 12, grid: true, gridColor: '#eeeeee', tickColor: '#888888', domainColor: '#888888' },
  legend: { labelFontSize: 11, titleFontSize: 12, symbolOpacity: 1, symbolSize: 60 },
  view: { stroke: '#dddddd' },
} as const;
