import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { histogramBins, renderHistogram, type HistogramSpec } from './histogram-plot.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const count = (s: string, role: string) => s.split(`aria-roledescription="${role}"`).length - 1;

function example(overrides: Partial<HistogramSpec> = {}): HistogramSpec {
  return {
    title: 'Confidence on the unlabelled pool',
    subtitle: 'thresholds marked',
    xTitle: 'P(tumour)',
    series: [
      { name: 'round 1', values: [0.01, 0.02, 0.5, 0.97, 0.99, 1] },
      { name: 'round 2', values: [0.03, 0.96, 0.98] },
    ],
    bins: 10,
    domain: [0, 1],
    rules: [{ x: 0.05, label: 'τ⁻ 0.05' }, { x: 0.95, label: 'τ⁺ 0.95' }],
    ...overrides,
  };
}

describe('histogramBins', () => {
  it('counts into equal-width bins, the last one closed', () => {
    const b = histogramBins([0, 0.1, 0.19, 0.2, 0.99, 1], 5, [0, 1]);
    expect(b.map((x) => x.count)).toEqual([3, 1, 0, 0, 2]);
    expect(b[1]).toEqual({ lower: 0.2, upper: 0.4, count: 1 });
    expect(b[4]!.upper).toBe(1);
  });
  it('works on a shifted domain and on typed arrays', () => {
    expect(histogramBins(new Float64Array([-1, 0, 0.5, 1]), 2, [-1, 1]).map((x) => x.count)).toEqual([1, 3]);
  });
  it('rejects values outside the domain or non-finite, naming the index', () => {
    expect(() => histogramBins([0.5, 1.2], 4, [0, 1])).toThrow('renderHistogram: values[1] = 1.2 is outside domain [0, 1]');
    expect(() => histogramBins([Number.NaN], 4, [0, 1])).toThrow(/values\[0\] must be a finite number, got NaN/);
    expect(() => histogramBins([0.5], 0, [0, 1])).toThrow(/bins must be a positive integer/);
    expect(() => histogramBins([0.5], 4, [1, 0])).toThrow(/domain must be increasing/);
  });
});

describe('renderHistogram', () => {
  it('writes titles, one row title per series with its n, and the rule labels', async () => {
    const { svg, warnings } = await renderHistogram(example());
    expect(warnings).toEqual([]);
    const s = text(svg);
    for (const t of ['>Confidence on the unlabelled pool<', '>thresholds marked<', '>P(tumour)<', '>round 1 (n = 6)<', '>round 2 (n = 3)<', '>τ⁻ 0.05<', '>τ⁺ 0.95<']) {
      expect(s).toContain(t);
    }
  });

  it('draws one bar per non-empty bin, the rules in every row and their labels once', async () => {
    const s = text((await renderHistogram(example())).svg);
    // round 1: bins 0 (2), 5 (1), 9 (3); round 2: bins 0 (1), 9 (2)
    expect(count(s, 'rect mark')).toBe(3 + 2);
    expect(count(s, 'rule mark')).toBe(2 * 2);
    expect(count(s, 'text mark')).toBe(2);
    expect(s).toContain('aria-label="lower: 0.9; count: 3; upper: 1"');
  });

  it('draws and labels a row’s own rules in that row only', async () => {
    const spec = example({ rules: undefined });
    spec.series[0]!.rules = [{ x: 0.3, label: 'r1 low' }, { x: 0.7, label: 'r1 high' }];
    spec.series[1]!.rules = [{ x: 0.2, label: 'r2 low' }];
    const s = text((await renderHistogram(spec)).svg);
    expect(count(s, 'rule mark')).toBe(2 + 1);
    for (const t of ['>r1 low<', '>r1 high<', '>r2 low<']) expect(s).toContain(t);
    spec.series[1]!.rules = [{ x: Number.NaN, label: 'bad' }];
    await expect(renderHistogram(spec)).rejects.toThrow('renderHistogram: series[1].rules[0].x must be a finite number, got NaN');
  });

  it('renders without rules, and a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderHistogram(example({ rules: undefined, subtitle: undefined }));
    expect(count(text(svg), 'rule mark')).toBe(0);
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(text(svg))!;
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
  });

  it('rejects bad input naming the field', async () => {
    const nan = example();
    nan.series[1] = { name: 'round 2', values: [0.2, 0.3, Number.POSITIVE_INFINITY] };
    await expect(renderHistogram(nan)).rejects.toThrow('renderHistogram: series[1].values[2] must be a finite number, got Infinity');
    const out = example();
    out.series[0] = { name: 'round 1', values: [-0.1] };
    await expect(renderHistogram(out)).rejects.toThrow(/series\[0\]\.values\[0\] = -0.1 is outside domain \[0, 1\]/);
    await expect(renderHistogram(example({ rules: [{ x: Number.NaN, label: 'τ' }] }))).rejects.toThrow(/rules\[0\]\.x/);
    await expect(renderHistogram(example({ series: [] }))).rejects.toThrow(/series must not be empty/);
    await expect(renderHistogram(example({ series: [{ name: 'a', values: [] }, { name: 'a', values: [] }] }))).rejects.toThrow(/"a" twice/);
  });
});
