import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderGroupedBars, type GroupedBarsSpec } from './bar-chart.js';
import { TABLEAU10 } from './plot-theme.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const count = (s: string, role: string) => s.split(`aria-roledescription="${role}"`).length - 1;

function example(overrides: Partial<GroupedBarsSpec> = {}): GroupedBarsSpec {
  return {
    title: 'Pseudo-labels added per round',
    subtitle: 'by predicted class',
    xTitle: 'self-training round',
    yTitle: 'images',
    categories: ['round 1', 'round 2', 'round 3'],
    groups: [
      { name: 'no tumour', values: [412, 230, 97] },
      { name: 'tumour', values: [1040, 388, 0] },
    ],
    ...overrides,
  };
}

describe('renderGroupedBars', () => {
  it('writes titles, categories, group names and a value label per bar', async () => {
    const { svg, warnings } = await renderGroupedBars(example());
    expect(warnings).toEqual([]);
    const s = text(svg);
    for (const t of ['>Pseudo-labels added per round<', '>by predicted class<', '>self-training round<', '>images<', '>round 1<', '>round 3<', '>no tumour<', '>tumour<', '>412<', '>1040<', '>97<', '>0<']) {
      expect(s).toContain(t);
    }
    expect(count(s, 'bar')).toBe(6);
    expect(count(s, 'text mark')).toBe(6);
    expect(s).toContain(`fill="${TABLEAU10[0]}"`);
    expect(s).toContain(`fill="${TABLEAU10[1]}"`);
  });

  it('keeps the category order and puts groups side by side within a category', async () => {
    const s = text((await renderGroupedBars(example({ categories: ['b', 'a', 'c'] }))).svg);
    const left = (cat: string, group: string) => Number(new RegExp(`aria-label="self-training round: ${cat}; [^"]*group: ${group}"[^>]*d="M([\\d.]+)`).exec(s)![1]);
    expect(left('b', 'no tumour')).toBeLessThan(left('b', 'tumour'));
    expect(left('b', 'tumour')).toBeLessThan(left('a', 'no tumour'));
    expect(left('a', 'tumour')).toBeLessThan(left('c', 'no tumour'));
  });

  it('labels negative values below their bars, rounded', async () => {
    const s = text((await renderGroupedBars(example({ groups: [{ name: 'Δ AUC', values: [0.0123, -0.0456, 0] }] }))).svg);
    expect(s).toContain('>0.012<');
    expect(s).toContain('>-0.046<');
  });

  it('renders a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderGroupedBars(example());
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(text(svg))!;
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
  });

  it('rejects bad input naming the field', async () => {
    await expect(renderGroupedBars(example({ groups: [{ name: 'a', values: [1, 2, 3] }, { name: 'b', values: [1, 2] }] }))).rejects.toThrow(
      'renderGroupedBars: groups[1].values has 2 entries but categories has 3',
    );
    await expect(renderGroupedBars(example({ groups: [{ name: 'a', values: [1, Number.NaN, 3] }] }))).rejects.toThrow(/groups\[0\]\.values\[1\] must be a finite number, got NaN/);
    await expect(renderGroupedBars(example({ categories: ['x', 'x', 'y'] }))).rejects.toThrow(/categories contains "x" twice/);
    await expect(renderGroupedBars(example({ groups: [] }))).rejects.toThrow(/groups must not be empty/);
  });
});
