import sharp from 'sharp';
import type { TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { renderVegaLite } from './render-vega-lite.js';

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
});
