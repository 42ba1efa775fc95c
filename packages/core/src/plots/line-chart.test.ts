import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { lineChartVegaLiteSpec, renderLineChart, type LineChartSpec } from './line-chart.js';
import { TABLEAU10 } from './plot-theme.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const count = (s: string, role: string) => s.split(`aria-roledescription="${role}"`).length - 1;

function example(overrides: Partial<LineChartSpec> = {}): LineChartSpec {
  const epochs = Array.from({ length: 12 }, (_, i) => i + 1);
  return {
    title: 'Loss per epoch',
    subtitle: 'fold 1',
    xTitle: 'epoch',
    yTitle: 'loss',
    series: [
      { name: 'train', points: epochs.map((e) => ({ x: e, y: 1 / e })) },
      // epoch 5 missing (e.g. validation skipped): a gap, not a zero
      { name: 'validation', points: epochs.map((e) => ({ x: e, y: e === 5 ? null : 1.2 / e + 0.05 })) },
    ],
    marks: [{ x: 8, label: 'best epoch 8' }],
    ...overrides,
  };
}

describe('renderLineChart', () => {
  it('writes titles, axis titles, legend entries and the mark label', async () => {
    const { svg, warnings } = await renderLineChart(example());
    expect(warnings).toEqual([]);
    const s = text(svg);
    for (const t of ['>Loss per epoch<', '>fold 1<', '>epoch<', '>loss<', '>train<', '>validation<', '>best epoch 8<']) expect(s).toContain(t);
  });

  it('draws one line per series in palette order, a point per non-null y, and one rule per mark', async () => {
    const s = text((await renderLineChart(example())).svg);
    expect(count(s, 'line mark')).toBe(2);
    expect(count(s, 'point')).toBe(12 + 11);
    expect(count(s, 'rule mark')).toBe(1);
    expect(s.indexOf(`stroke="${TABLEAU10[0]}"`)).toBeGreaterThan(0);
    expect(s.indexOf(`stroke="${TABLEAU10[1]}"`)).toBeGreaterThan(0);
  });

  it('breaks the line at a null y instead of bridging it', async () => {
    const s = text((await renderLineChart(example())).svg);
    const paths = [...s.matchAll(/aria-roledescription="line mark" d="([^"]+)"/g)].map((m) => m[1]!);
    const moves = paths.map((d) => d.split('M').length - 1).sort();
    expect(moves).toEqual([1, 2]); // train: one stroke; validation: two, either side of epoch 5
  });

  it('uses integer ticks for integer x and the given y domain', async () => {
    const s = text((await renderLineChart(example({ yDomain: [0, 2] }))).svg);
    expect(s).not.toMatch(/>\d+\.5</);
    expect(s).toContain('>2.0<');
    const vl = lineChartVegaLiteSpec(example({ yDomain: [0, 2] })) as unknown as { layer: { encoding: { y: { scale: { domain: number[] } } } }[] };
    expect(vl.layer[0]!.encoding.y.scale.domain).toEqual([0, 2]);
  });

  it('renders a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderLineChart(example({ marks: undefined, subtitle: undefined }));
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(text(svg))!;
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
  });

  it('rejects bad input naming the field', async () => {
    const nanY = example();
    nanY.series[1]!.points[3] = { x: 4, y: Number.NaN };
    await expect(renderLineChart(nanY)).rejects.toThrow('renderLineChart: series[1].points[3].y must be a finite number, got NaN');
    const infX = example();
    infX.series[0]!.points[0] = { x: Number.POSITIVE_INFINITY, y: 1 };
    await expect(renderLineChart(infX)).rejects.toThrow(/series\[0\]\.points\[0\]\.x .*Infinity/);
    await expect(renderLineChart(example({ marks: [{ x: Number.NaN, label: 'best' }] }))).rejects.toThrow(/marks\[0\]\.x/);
    await expect(renderLineChart(example({ yDomain: [1, 0] }))).rejects.toThrow(/yDomain must be increasing/);
    await expect(renderLineChart(example({ series: [{ name: 'a', points: [] }, { name: 'a', points: [] }] }))).rejects.toThrow(/"a" twice/);
    await expect(renderLineChart(example({ series: [{ name: 'a', points: [{ x: 1, y: null }] }] }))).rejects.toThrow(/no point with a y value/);
  });
});
