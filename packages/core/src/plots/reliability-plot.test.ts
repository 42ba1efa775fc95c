import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { reliabilityBins, type ReliabilityBin } from '../metrics/calibration.js';
import { renderReliabilityDiagram, type ReliabilityDiagramSpec } from './reliability-plot.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const count = (s: string, role: string) => s.split(`aria-roledescription="${role}"`).length - 1;

// 10 samples in 5 bins: bins 0.2–0.4 and 0.6–0.8 stay empty.
const Y = [0, 0, 0, 1, 0, 1, 1, 1, 1, 1];
const P = [0.05, 0.1, 0.15, 0.45, 0.5, 0.55, 0.85, 0.9, 0.95, 1.0];

function example(): ReliabilityDiagramSpec {
  const before = reliabilityBins(Y, P, 5);
  const after = reliabilityBins(Y, P.map((p) => 0.5 + (p - 0.5) / 2), 5);
  return {
    title: 'Reliability diagram',
    subtitle: 'validation fold',
    panels: [
      { name: 'before temperature scaling, ECE 0.143', bins: before },
      { name: 'after temperature scaling, ECE 0.051', bins: after },
    ],
  };
}

const nonEmpty = (bins: ReliabilityBin[]) => bins.filter((b) => b.count > 0).length;

describe('renderReliabilityDiagram', () => {
  it('writes titles, panel names and axis titles', async () => {
    const { svg, warnings } = await renderReliabilityDiagram(example());
    expect(warnings).toEqual([]);
    const s = text(svg);
    for (const t of ['>Reliability diagram<', '>validation fold<', '>before temperature scaling, ECE 0.143<', '>after temperature scaling, ECE 0.051<', '>fraction positive<', '>predicted probability (positive class)<', '>count<']) {
      expect(s).toContain(t);
    }
  });

  it('draws a bar, a dot and a count bar per non-empty bin, nothing for empty bins, and a diagonal per panel', async () => {
    const spec = example();
    const s = text((await renderReliabilityDiagram(spec)).svg);
    const [a, b] = spec.panels.map((p) => nonEmpty(p.bins));
    expect(a).toBe(3);
    expect(count(s, 'rect mark')).toBe(2 * (a! + b!)); // accuracy bar + count bar
    expect(count(s, 'point')).toBe(a! + b!);
    expect(count(s, 'line mark')).toBe(2);
    // the count labels of the first panel: bins 0–0.2 (3), 0.4–0.6 (3), 0.8–1 (4)
    expect(count(s, 'text mark')).toBe(a! + b!);
    expect(s).toMatch(/<text[^>]*>4<\/text>/);
  });

  it('places the accuracy bar over [lower, upper] up to the fraction positive', async () => {
    const spec: ReliabilityDiagramSpec = {
      title: 't',
      panels: [{ name: 'p', bins: [{ lower: 0.5, upper: 0.75, count: 8, meanProbability: 0.6, fractionPositive: 0.25 }] }],
    };
    const s = text((await renderReliabilityDiagram(spec)).svg);
    const bar = /aria-label="[^"]*fraction positive: 0.25[^"]*"[^>]*d="M([\d.]+),([\d.]+)h([\d.]+)v([\d.]+)/.exec(s)!;
    const [x, y, w, h] = bar.slice(1).map(Number) as [number, number, number, number];
    expect(x).toBeCloseTo(0.5 * 280, 3);
    expect(w).toBeCloseTo(0.25 * 280, 3);
    expect(y).toBeCloseTo(0.75 * 280, 3);
    expect(h).toBeCloseTo(0.25 * 280, 3);
  });

  it('renders a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderReliabilityDiagram(example());
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(text(svg))!;
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
  });

  it('rejects bad bins naming the field', async () => {
    const withBin = (bin: ReliabilityBin): ReliabilityDiagramSpec => ({ title: 't', panels: [example().panels[0]!, { name: 'x', bins: [bin] }] });
    await expect(renderReliabilityDiagram(withBin({ lower: 0, upper: 0.5, count: 3, meanProbability: 0.2, fractionPositive: null }))).rejects.toThrow(
      'renderReliabilityDiagram: panels[1].bins[0].fractionPositive is null but count is 3',
    );
    await expect(renderReliabilityDiagram(withBin({ lower: 0, upper: 0.5, count: 3, meanProbability: Number.NaN, fractionPositive: 0.1 }))).rejects.toThrow(
      /panels\[1\]\.bins\[0\]\.meanProbability must be a finite number, got NaN/,
    );
    await expect(renderReliabilityDiagram(withBin({ lower: 0.5, upper: 0.5, count: 0, meanProbability: null, fractionPositive: null }))).rejects.toThrow(/lower < upper/);
    await expect(renderReliabilityDiagram(withBin({ lower: 0, upper: 0.5, count: -1, meanProbability: null, fractionPositive: null }))).rejects.toThrow(/bins\[0\]\.count/);
    await expect(renderReliabilityDiagram({ title: 't', panels: [] })).rejects.toThrow(/panels must not be empty/);
  });
});
