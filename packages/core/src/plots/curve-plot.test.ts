import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { averagePrecision, precisionRecallCurve } from '../metrics/average-precision.js';
import { rocAuc, rocCurve } from '../metrics/roc-auc.js';
import { prCurveVegaLiteSpec, renderPrCurve, renderRocCurve, rocCurveVegaLiteSpec, type PrCurveSpec, type RocCurveSpec } from './curve-plot.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const count = (s: string, role: string) => s.split(`aria-roledescription="${role}"`).length - 1;
/** Path data of the line whose legend label (in its aria-label) contains `label`. */
const pathOf = (s: string, label: string) => {
  const m = new RegExp(`<path aria-label="[^"]*curve: ${label.replace(/[()]/g, '\\$&')}[^"]*"[^>]*d="([^"]+)"`).exec(s);
  return m![1]!;
};
/** Vertices of an M/L path. */
const vertices = (d: string) => [...d.matchAll(/[ML]([-\d.e]+),([-\d.e]+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);

const Y = [0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 0];
const S1 = [0.1, 0.4, 0.35, 0.8, 0.2, 0.9, 0.65, 0.7, 0.6, 0.3, 0.05, 0.5];
const S2 = [0.5, 0.4, 0.3, 0.6, 0.7, 0.8, 0.2, 0.4, 0.9, 0.1, 0.3, 0.6];

function roc(): RocCurveSpec {
  return {
    title: 'ROC curve',
    subtitle: 'test set',
    curves: [
      { name: 'supervised', ...rocCurve(Y, S1), auc: rocAuc(Y, S1) },
      { name: 'self-training', ...rocCurve(Y, S2), auc: null },
    ],
  };
}

function pr(): PrCurveSpec {
  return {
    title: 'Precision–recall curve',
    curves: [{ name: 'supervised', ...precisionRecallCurve(Y, S1), ap: averagePrecision(Y, S1) }],
    prevalence: 5 / 12,
  };
}

describe('renderRocCurve', () => {
  it('labels each curve with its AUC and draws the chance diagonal', async () => {
    const { svg, warnings } = await renderRocCurve(roc());
    expect(warnings).toEqual([]);
    const s = text(svg);
    const auc = rocAuc(Y, S1)!.toFixed(3);
    for (const t of ['>ROC curve<', '>test set<', `>supervised (AUC ${auc})<`, '>self-training (AUC n/a)<', '>chance (AUC 0.5)<', '>false positive rate (1 − specificity)<', '>true positive rate (sensitivity)<']) {
      expect(s).toContain(t);
    }
    expect(count(s, 'line mark')).toBe(3);
    // The diagonal runs from the bottom-left to the top-right corner of the 340 px square.
    expect(pathOf(s, 'chance (AUC 0.5)')).toBe('M0,340L340,0');
  });

  it('joins ROC points with straight lines through every (fpr, tpr) pair in order', async () => {
    const s = text((await renderRocCurve(roc())).svg);
    const { fpr, tpr } = rocCurve(Y, S1);
    const v = vertices(pathOf(s, `supervised (AUC ${rocAuc(Y, S1)!.toFixed(3)})`));
    expect(v.map(([x]) => x / 340)).toEqual([...fpr].map((f) => expect.closeTo(f, 3)));
    expect(v.map(([, y]) => 1 - y / 340)).toEqual([...tpr].map((t) => expect.closeTo(t, 3)));
  });

  it('fixes both axes to [0, 1]', () => {
    const vl = rocCurveVegaLiteSpec(roc()) as unknown as { layer: { encoding: Record<'x' | 'y', { scale: { domain: number[] } }> }[] };
    for (const l of vl.layer) {
      expect(l.encoding.x.scale.domain).toEqual([0, 1]);
      expect(l.encoding.y.scale.domain).toEqual([0, 1]);
    }
  });

  it('renders a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderRocCurve(roc());
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(text(svg))!;
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
  });

  it('rejects bad input naming the field', async () => {
    const short = roc();
    short.curves[1] = { name: 'x', fpr: [0, 0.5, 1], tpr: [0, 1], auc: 0.5 };
    await expect(renderRocCurve(short)).rejects.toThrow('renderRocCurve: curves[1].tpr has 2 entries but curves[1].fpr has 3');
    const nan = roc();
    nan.curves[0] = { name: 'x', fpr: [0, Number.NaN, 1], tpr: [0, 1, 1], auc: 0.5 };
    await expect(renderRocCurve(nan)).rejects.toThrow(/curves\[0\]\.fpr\[1\] must be a finite number, got NaN/);
    nan.curves[0] = { name: 'x', fpr: [0, 1], tpr: [0, 1.5], auc: 0.5 };
    await expect(renderRocCurve(nan)).rejects.toThrow(/curves\[0\]\.tpr\[1\] must be in \[0, 1\], got 1.5/);
    nan.curves[0] = { name: 'x', fpr: [0, 1], tpr: [0, 1], auc: Number.POSITIVE_INFINITY };
    await expect(renderRocCurve(nan)).rejects.toThrow(/curves\[0\]\.auc/);
    await expect(renderRocCurve({ title: 't', curves: [roc().curves[0]!, roc().curves[0]!] })).rejects.toThrow(/"supervised" twice/);
  });
});

describe('renderPrCurve', () => {
  it('labels the curve with its AP and draws the prevalence baseline', async () => {
    const { svg, warnings } = await renderPrCurve(pr());
    expect(warnings).toEqual([]);
    const s = text(svg);
    for (const t of ['>Precision–recall curve<', `>supervised (AP ${averagePrecision(Y, S1).toFixed(3)})<`, '>chance (prevalence 0.417)<', '>recall (sensitivity)<', '>precision (PPV)<']) {
      expect(s).toContain(t);
    }
    expect(count(s, 'line mark')).toBe(2);
    const baseY = 340 * (1 - 5 / 12);
    const base = vertices(pathOf(s, 'chance (prevalence 0.417)'));
    expect(base).toEqual([[0, expect.closeTo(baseY, 2)], [340, expect.closeTo(baseY, 2)]]);
  });

  it('steps like sklearn (steps-post in the given order): horizontal at the current precision, then vertical', async () => {
    const spec: PrCurveSpec = { title: 't', curves: [{ name: 'm', recall: [1, 0.5, 0.5, 0], precision: [0.5, 0.5, 1, 1], ap: 0.75 }], prevalence: 0.5 };
    const v = vertices(pathOf(text((await renderPrCurve(spec)).svg), 'm (AP 0.750)'));
    for (let i = 1; i < v.length; i++) {
      const [[x0, y0], [x1, y1]] = [v[i - 1]!, v[i]!];
      expect(x0 === x1 || y0 === y1).toBe(true); // only axis-parallel segments
    }
    // From (recall 1, precision .5): along precision .5 to recall .5, then up to precision 1, then along to recall 0.
    const toData = v.map(([x, y]) => [x / 340, 1 - y / 340]);
    expect(toData).toContainEqual([0.5, 0.5]);
    expect(toData).toContainEqual([0.5, 1]);
    expect(toData).not.toContainEqual([1, 1]); // no corner above the first point: that would be steps-pre
    const vl = prCurveVegaLiteSpec(spec) as unknown as { layer: { mark: { interpolate?: string } }[] };
    expect(vl.layer[1]!.mark.interpolate).toBe('step-after');
  });

  it('rejects bad input naming the field', async () => {
    const bad = pr();
    bad.curves[0] = { name: 'x', recall: [1, 0], precision: [0.5], ap: 0.5 };
    await expect(renderPrCurve(bad)).rejects.toThrow('renderPrCurve: curves[0].precision has 1 entries but curves[0].recall has 2');
    bad.curves[0] = { name: 'x', recall: [1, 0], precision: [0.5, Number.NaN], ap: 0.5 };
    await expect(renderPrCurve(bad)).rejects.toThrow(/curves\[0\]\.precision\[1\]/);
    await expect(renderPrCurve({ ...pr(), prevalence: Number.NaN })).rejects.toThrow(/prevalence must be a finite number/);
    await expect(renderPrCurve({ ...pr(), prevalence: 1.2 })).rejects.toThrow(/prevalence must be in \[0, 1\]/);
  });
});
