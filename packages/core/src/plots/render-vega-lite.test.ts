import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { renderVegaLite, renumberSvgIds } from './render-vega-lite.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

function barSpec(extra: Record<string, unknown> = {}): TopLevelSpec {
  return {
    title: 'Two bars',
    width: 120,
    height: 80,
    data: { values: [{ a: 'x', b: 1 }, { a: 'y', b: 3 }] },
    mark: 'bar',
    encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' } },
    ...extra,
  } as TopLevelSpec;
}

describe('renderVegaLite', () => {
  it('renders SVG with the title and a PNG at twice its size', async () => {
    const { svg, png, warnings } = await renderVegaLite(barSpec(), 'Two bars');
    expect(warnings).toEqual([]);
    const s = text(svg);
    expect(s.startsWith('<svg')).toBe(true);
    expect(s).toContain('>Two bars<');
    expect(s.match(/aria-roledescription="bar"/g)).toHaveLength(2);
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(s)!;
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
  });

  it('collects Vega-Lite warnings instead of printing them', async () => {
    // shape is not a rect channel: Vega-Lite drops it with a warning.
    const spec = barSpec({ mark: 'rect', encoding: { x: { field: 'a', type: 'nominal' }, y: { field: 'b', type: 'quantitative' }, shape: { field: 'a', type: 'nominal' } } });
    const { warnings } = await renderVegaLite(spec, 'Two bars');
    expect(warnings.length).toBeGreaterThan(0);
    expect(warnings.join('\n')).toMatch(/^warn: .*shape/m);
  });

  it('rejects an invalid spec', async () => {
    await expect(renderVegaLite(barSpec({ mark: 'no-such-mark' }), 'Two bars')).rejects.toThrow();
  });

  it('rejects when Vega logs an error while running the dataflow', async () => {
    const spec = barSpec({ transform: [{ calculate: 'datum.a.b.c', as: 'z' }] });
    await expect(renderVegaLite(spec, 'Two bars')).rejects.toThrow(/vega reported errors for "Two bars": error: TypeError/);
  });

  it('is deterministic', async () => {
    const a = await renderVegaLite(barSpec(), 't');
    const b = await renderVegaLite(barSpec(), 't');
    expect(Buffer.from(a.svg).equals(Buffer.from(b.svg))).toBe(true);
    expect(Buffer.from(a.png).equals(Buffer.from(b.png))).toBe(true);
  });

  it('gives the same bytes whatever was rendered before in the process (clip and gradient ids renumbered)', async () => {
    // A clipped line and a continuous colour legend: Vega gives them ids from module-wide counters.
    const spec = {
      width: 120,
      height: 80,
      data: { values: [{ x: 0, y: 0.2, c: 1 }, { x: 1, y: 1.4, c: 2 }, { x: 2, y: 0.9, c: 3 }] },
      mark: { type: 'point', clip: true, filled: true },
      encoding: {
        x: { field: 'x', type: 'quantitative' },
        y: { field: 'y', type: 'quantitative', scale: { domain: [0, 1] } },
        color: { field: 'c', type: 'quantitative' },
      },
    } as TopLevelSpec;
    const first = text((await renderVegaLite(spec, 'clipped')).svg);
    expect(first).toMatch(/clip-path="url\(#clip1\)"/);
    expect(first).toMatch(/id="gradient_0"/);
    for (let i = 0; i < 3; i++) await renderVegaLite(spec, 'clipped');
    const later = await renderVegaLite(spec, 'clipped');
    expect(text(later.svg)).toBe(first);
  });

  it('renumbers ids at definitions and references only', () => {
    const svg = '<clipPath id="clip7"/><g clip-path="url(#clip7)"><text>clip7</text></g><linearGradient id="gradient_4"/><rect fill="url(#gradient_4)"/><g clip-path="url(#clip9)"/>';
    expect(renumberSvgIds(svg)).toBe(
      '<clipPath id="clip1"/><g clip-path="url(#clip1)"><text>clip7</text></g><linearGradient id="gradient_0"/><rect fill="url(#gradient_0)"/><g clip-path="url(#clip2)"/>',
    );
  });
});
