import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PLOT_GREY, TABLEAU10 } from './plot-theme.js';
import { renderScatter, resolveGroupColors, scatterVegaLiteSpec, type ScatterSpec } from './scatter.js';

const CLASSES = ['glioma', 'meningioma', 'pituitary', 'no tumor'];

function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function example(n: number, overrides: Partial<ScatterSpec> = {}): ScatterSpec {
  const r = lcg(7);
  const points = Array.from({ length: n }, (_, i) => {
    const c = i % 5;
    return {
      x: (c % 2) * 8 + (r() + r() + r()) * 3,
      y: Math.floor(c / 2) * 6 + (r() + r() + r()) * 3,
      group: c === 4 ? 'unlabelled' : CLASSES[c]!,
    };
  });
  return {
    title: 'PCA by class (ARI 0.41)',
    subtitle: `${n} images`,
    xLabel: 'PC 1',
    yLabel: 'PC 2',
    legendTitle: 'class',
    points,
    groups: [...CLASSES.map((name) => ({ name })), { name: 'unlabelled', grey: true }],
    width: 300,
    height: 240,
    ...overrides,
  };
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('renderScatter', () => {
  it('writes the title, subtitle, axis titles and legend entries into the SVG', async () => {
    const { svg, warnings } = await renderScatter(example(100));
    expect(warnings).toEqual([]);
    const s = text(svg);
    expect(s.startsWith('<svg')).toBe(true);
    for (const t of ['PCA by class (ARI 0.41)', '100 images', 'PC 1', 'PC 2', '>class<', ...CLASSES.map((c) => `>${c}<`), '>unlabelled<']) {
      expect(s).toContain(t);
    }
  });

  it('draws grey points first (underneath) and uses the default palette', async () => {
    const s = text((await renderScatter(example(100))).svg);
    const lastGrey = s.lastIndexOf(`fill="${PLOT_GREY}"`);
    const firstBlue = s.indexOf(`fill="${TABLEAU10[0]}"`);
    expect(firstBlue).toBeGreaterThan(0);
    // The legend comes after the marks, so compare the grey symbols of the marks only.
    const marksEnd = s.indexOf('role-legend');
    expect(s.lastIndexOf(`fill="${PLOT_GREY}"`, marksEnd)).toBeLessThan(firstBlue);
    expect(lastGrey).toBeGreaterThan(marksEnd); // the legend's grey symbol
  });

  it('renders a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderScatter(example(100));
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(text(svg))!;
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
    const stats = await sharp(png).stats();
    // not blank: some dark pixels (text, axes) on a white background
    expect(stats.channels[0]!.min).toBeLessThan(60);
    expect(stats.channels[0]!.max).toBe(255);
  });

  it('is deterministic: same input, same SVG and PNG bytes', async () => {
    const a = await renderScatter(example(200));
    const b = await renderScatter(example(200));
    expect(Buffer.from(a.svg).equals(Buffer.from(b.svg))).toBe(true);
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
  });

  it('renders 1,500 points quickly', async () => {
    const t0 = performance.now();
    const { svg, png } = await renderScatter(example(1500, { width: undefined, height: undefined }));
    const ms = performance.now() - t0;
    expect(svg.length).toBeGreaterThan(1500 * 50);
    expect(png.length).toBeGreaterThan(1000);
    expect(ms).toBeLessThan(4000);
  });

  it('rejects NaN / infinite coordinates with a clear error', async () => {
    const spec = example(10);
    spec.points[3] = { x: Number.NaN, y: 1, group: 'glioma' };
    await expect(renderScatter(spec)).rejects.toThrow(/point 3 .*non-finite coordinate \(x=NaN/);
    spec.points[3] = { x: 1, y: Number.POSITIVE_INFINITY, group: 'glioma' };
    await expect(renderScatter(spec)).rejects.toThrow(/non-finite/);
  });

  it('rejects unknown and duplicate groups', async () => {
    await expect(renderScatter(example(10, { groups: [{ name: 'glioma' }] }))).rejects.toThrow(/not in groups/);
    await expect(renderScatter(example(10, { groups: [{ name: 'a' }, { name: 'a' }] }))).rejects.toThrow(/listed twice/);
  });

  it('escapes markup in names and renders an empty chart', async () => {
    const out = await renderScatter({ title: 'A <b> & "c"', xLabel: 'x', yLabel: 'y', points: [], groups: [{ name: '<noise>', grey: true }] });
    expect(out.warnings).toEqual([]);
    const s = text(out.svg);
    expect(s).toContain('A &lt;b&gt; &amp;');
    expect(s).not.toContain('<b>');
  });
});

describe('resolveGroupColors', () => {
  it('gives grey groups grey without using a palette slot, and keeps explicit colours', () => {
    expect(resolveGroupColors([{ name: 'noise', grey: true }, { name: 'a' }, { name: 'b', color: '#123456' }, { name: 'c' }])).toEqual([
      PLOT_GREY,
      TABLEAU10[0],
      '#123456',
      TABLEAU10[2],
    ]);
  });
  it('goes past ten groups without repeating a colour', () => {
    const cols = resolveGroupColors(Array.from({ length: 20 }, (_, i) => ({ name: `c${i}` })));
    expect(new Set(cols).size).toBe(20);
  });
});

describe('scatterVegaLiteSpec', () => {
  it('orders data grey first, otherwise in input order', () => {
    const vl = scatterVegaLiteSpec({
      title: 't', xLabel: 'x', yLabel: 'y',
      points: [{ x: 0, y: 0, group: 'a' }, { x: 1, y: 1, group: 'u' }, { x: 2, y: 2, group: 'b' }],
      groups: [{ name: 'a' }, { name: 'b' }, { name: 'u', grey: true }],
    }) as unknown as { data: { values: { group: string }[] } };
    expect(vl.data.values.map((v) => v.group)).toEqual(['u', 'a', 'b']);
  });
});
