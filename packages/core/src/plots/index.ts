// @neuro-ssl/core/plots — figures as vega-lite specs rendered to SVG and PNG.
export { renderScatter, scatterVegaLiteSpec, type RenderedPlot, type ScatterGroup, type ScatterPoint, type ScatterSpec } from './scatter.js';
export { PLOT_GREY, categoricalColor } from './plot-theme.js';
export { renderVegaLite } from './render-vega-lite.js';
export { renderLineChart, type LineChartSpec, type LineSeries } from './line-chart.js';
export { renderConfusionMatrix, type ConfusionPlotSpec } from './confusion-plot.js';
export { renderPrCurve, renderRocCurve, type PrCurveSpec, type RocCurveSpec } from './curve-plot.js';
export { renderReliabilityDiagram, type ReliabilityDiagramSpec, type ReliabilityPanel } from './reliability-plot.js';
export { histogramBins, renderHistogram, type HistogramBin, type HistogramSpec } from './histogram-plot.js';
export { renderGroupedBars, type GroupedBarsSpec } from './bar-chart.js';
