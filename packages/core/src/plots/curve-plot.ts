// ROC and precision–recall curves of one or more classifiers, drawn the way sklearn's
// RocCurveDisplay / PrecisionRecallDisplay draw them: ROC points joined by straight lines, PR
// points joined by steps (drawstyle "steps-post", in the given order, so the area under the steps
// is the average precision). The summary number goes in the legend label; the no-skill reference
// (the diagonal, or the prevalence for PR) is a dashed grey line with its own legend entry.

import type { TopLevelSpec } from 'vega-lite';
import { checkFinite, checkFiniteOrNull, checkSameLength, checkUniqueNames, titleBlock } from './plot-input.js';
import { PLOT_CONFIG, categoricalColor } from './plot-theme.js';
import { renderVegaLite, type RenderedPlot } from './render-vega-lite.js';

export interface RocCurveSpec {
  title: string;
  subtitle?: string;
  /** Points in the order sklearn's roc_curve returns them (fpr non-decreasing). */
  curves: { name: string; fpr: ArrayLike<number>; tpr: ArrayLike<number>; auc: number | null }[];
}

export interface PrCurveSpec {
  title: string;
  subtitle?: string;
  /** Points in the order sklearn's precision_recall_curve returns them (recall non-increasing). */
  curves: { name: string; recall: ArrayLike<number>; precision: ArrayLike<number>; ap: number | null }[];
  /** Fraction of positives: the precision of a no-skill classifier. */
  prevalence: number;
}

interface CurveData {
  label: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
}

interface CurveLayout {
  xTitle: string;
  yTitle: string;
  interpolate: 'linear' | 'step-after';
  reference: { label: string; from: [number, number]; to: [number, number] };
}

const SIZE = 340;
const REFERENCE_GREY = '#888888';

/** Throws unless `v` is a finite number in [0, 1]. */
function checkRate(fn: string, field: string, v: number): void {
  checkFinite(fn, field, v);
  if (v < 0 || v > 1) throw new Error(`${fn}: ${field} must be in [0, 1], got ${v}`);
}

function checkRates(fn: string, field: string, values: ArrayLike<number>): void {
  for (let i = 0; i < values.length; i++) checkRate(fn, `${field}[${i}]`, values[i] as number);
}

function summaryLabel(name: string, metric: string, value: number | null): string {
  return `${name} (${metric} ${value === null ? 'n/a' : value.toFixed(3)})`;
}

function curveSpec(title: string, subtitle: string | undefined, curves: CurveData[], layout: CurveLayout): TopLevelSpec {
  // `i` keeps input order: Vega-Lite would sort a line by x, which breaks sklearn's step order.
  const values = curves.flatMap((c) => Array.from({ length: c.x.length }, (_, i) => ({ curve: c.label, x: c.x[i], y: c.y[i], i })));
  const ref = layout.reference;
  const refValues = [
    { curve: ref.label, x: ref.from[0], y: ref.from[1], i: 0 },
    { curve: ref.label, x: ref.to[0], y: ref.to[1], i: 1 },
  ];
  const domain = [...curves.map((c) => c.label), ref.label];
  // Colour and dash share field and domain, so Vega-Lite merges them into one legend.
  const color = { field: 'curve', type: 'nominal', title: null, scale: { domain, range: [...curves.map((_, i) => categoricalColor(i)), REFERENCE_GREY] } };
  const strokeDash = { field: 'curve', type: 'nominal', title: null, scale: { domain, range: [...curves.map(() => [1, 0]), [5, 4]] } };
  const x = { field: 'x', type: 'quantitative', title: layout.xTitle, scale: { domain: [0, 1], nice: false }, axis: { tickCount: 5 } };
  const y = { field: 'y', type: 'quantitative', title: layout.yTitle, scale: { domain: [0, 1], nice: false }, axis: { tickCount: 5 } };
  const order = { field: 'i', type: 'quantitative' };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: titleBlock(title, subtitle),
    width: SIZE,
    height: SIZE,
    layer: [
      { data: { values: refValues }, mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x, y, order, color, strokeDash } },
      { data: { values }, mark: { type: 'line', strokeWidth: 2, interpolate: layout.interpolate }, encoding: { x, y, order, color, strokeDash } },
    ],
    config: { ...PLOT_CONFIG, legend: { ...PLOT_CONFIG.legend, symbolType: 'stroke', symbolStrokeWidth: 2, labelLimit: 320 } },
  } as TopLevelSpec;
}

/** Vega-Lite spec of the ROC chart (exported for inspection and tests). */
export function rocCurveVegaLiteSpec(spec: RocCurveSpec): TopLevelSpec {
  const FN = 'renderRocCurve';
  checkUniqueNames(FN, 'curve names', spec.curves.map((c) => c.name));
  spec.curves.forEach((c, k) => {
    checkSameLength(FN, `curves[${k}].fpr`, c.fpr, `curves[${k}].tpr`, c.tpr);
    checkRates(FN, `curves[${k}].fpr`, c.fpr);
    checkRates(FN, `curves[${k}].tpr`, c.tpr);
    checkFiniteOrNull(FN, `curves[${k}].auc`, c.auc);
  });
  const curves = spec.curves.map((c) => ({ label: summaryLabel(c.name, 'AUC', c.auc), x: c.fpr, y: c.tpr }));
  return curveSpec(spec.title, spec.subtitle, curves, {
    xTitle: 'false positive rate (1 − specificity)',
    yTitle: 'true positive rate (sensitivity)',
    interpolate: 'linear',
    reference: { label: 'chance (AUC 0.5)', from: [0, 0], to: [1, 1] },
  });
}

/** Vega-Lite spec of the precision–recall chart (exported for inspection and tests). */
export function prCurveVegaLiteSpec(spec: PrCurveSpec): TopLevelSpec {
  const FN = 'renderPrCurve';
  checkUniqueNames(FN, 'curve names', spec.curves.map((c) => c.name));
  spec.curves.forEach((c, k) => {
    checkSameLength(FN, `curves[${k}].recall`, c.recall, `curves[${k}].precision`, c.precision);
    checkRates(FN, `curves[${k}].recall`, c.recall);
    checkRates(FN, `curves[${k}].precision`, c.precision);
    checkFiniteOrNull(FN, `curves[${k}].ap`, c.ap);
  });
  checkRate(FN, 'prevalence', spec.prevalence);
  const curves = spec.curves.map((c) => ({ label: summaryLabel(c.name, 'AP', c.ap), x: c.recall, y: c.precision }));
  return curveSpec(spec.title, spec.subtitle, curves, {
    xTitle: 'recall (sensitivity)',
    yTitle: 'precision (PPV)',
    interpolate: 'step-after',
    reference: { label: `chance (prevalence ${spec.prevalence.toFixed(3)})`, from: [0, spec.prevalence], to: [1, spec.prevalence] },
  });
}

/** Renders ROC curves to SVG and PNG (2x). Throws on NaN/Infinity, rates outside [0, 1] or fpr/tpr of different lengths. */
export async function renderRocCurve(spec: RocCurveSpec): Promise<RenderedPlot> {
  return renderVegaLite(rocCurveVegaLiteSpec(spec), spec.title);
}

/** Renders precision–recall curves to SVG and PNG (2x). Throws on NaN/Infinity, values outside [0, 1] or mismatched lengths. */
export async function renderPrCurve(spec: PrCurveSpec): Promise<RenderedPlot> {
  return renderVegaLite(prCurveVegaLiteSpec(spec), spec.title);
}
