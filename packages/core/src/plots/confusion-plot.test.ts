import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { renderConfusionMatrix, type ConfusionPlotSpec } from './confusion-plot.js';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const count = (s: string, role: string) => s.split(`aria-roledescription="${role}"`).length - 1;
/** fill colour of the text element whose content is exactly `content`. */
const textFill = (s: string, content: string) => new RegExp(`<text[^>]*fill="([^"]+)"[^>]*>${content}</text>`).exec(s)?.[1];

const example = (matrix = { tn: 17, fp: 3, fn: 12, tp: 288 }): ConfusionPlotSpec => ({
  title: 'Confusion matrix at threshold 0.42',
  subtitle: 'test set',
  classNames: ['no tumour', 'tumour'],
  matrix,
});

describe('renderConfusionMatrix', () => {
  it('writes each count and its row share, the class names and the axis titles', async () => {
    const { svg, warnings } = await renderConfusionMatrix(example());
    expect(warnings).toEqual([]);
    const s = text(svg);
    for (const t of ['>Confusion matrix at threshold 0.42<', '>test set<', '>17<', '>3<', '>12<', '>288<', '>85.0% of row<', '>15.0% of row<', '>4.0% of row<', '>96.0% of row<', '>no tumour<', '>tumour<', '>true class<', '>predicted class<']) {
      expect(s).toContain(t);
    }
    expect(count(s, 'rect mark')).toBe(4);
    expect(count(s, 'text mark')).toBe(8);
  });

  it('puts rows = true class, columns = predicted class', async () => {
    const s = text((await renderConfusionMatrix(example())).svg);
    // fp: true "no tumour" (top row), predicted "tumour" (right column)
    expect(s).toMatch(/predicted class: tumour; true class: no tumour; count: 3"/);
    const pos = (c: string) => /translate\(([\d.]+),([\d.]+)\)/.exec(new RegExp(`<text[^>]*>${c}</text>`).exec(s)![0])!.slice(1).map(Number);
    const [tnX, tnY] = pos('17');
    const [fpX, fpY] = pos('3');
    const [fnX, fnY] = pos('12');
    expect(fpX).toBeGreaterThan(tnX!);
    expect(fpY).toBe(tnY);
    expect(fnY).toBeGreaterThan(tnY!);
    expect(fnX).toBe(tnX);
  });

  it('writes white text on dark cells and black on light ones', async () => {
    const s = text((await renderConfusionMatrix(example())).svg);
    expect(textFill(s, '288')).toBe('white');
    expect(textFill(s, '17')).toBe('white');
    expect(textFill(s, '3')).toBe('black');
    expect(textFill(s, '12')).toBe('black');
  });

  it('says "no samples" for a class absent from the data', async () => {
    const s = text((await renderConfusionMatrix(example({ tn: 0, fp: 0, fn: 5, tp: 7 }))).svg);
    expect(s.split('>no samples<').length - 1).toBe(2);
    expect(s).toContain('>58.3% of row<');
  });

  it('renders a PNG at twice the SVG size', async () => {
    const { svg, png } = await renderConfusionMatrix(example());
    const m = /<svg[^>]*width="(\d+)" height="(\d+)"/.exec(text(svg))!;
    const meta = await sharp(png).metadata();
    expect(meta.width).toBe(2 * Number(m[1]));
    expect(meta.height).toBe(2 * Number(m[2]));
  });

  it('rejects counts that are not non-negative integers, naming the cell', async () => {
    await expect(renderConfusionMatrix(example({ tn: 1, fp: -1, fn: 0, tp: 0 }))).rejects.toThrow('renderConfusionMatrix: matrix.fp must be a non-negative integer, got -1');
    await expect(renderConfusionMatrix(example({ tn: 1, fp: 0, fn: Number.NaN, tp: 0 }))).rejects.toThrow(/matrix\.fn .*NaN/);
    await expect(renderConfusionMatrix(example({ tn: 1, fp: 0, fn: 0, tp: 2.5 }))).rejects.toThrow(/matrix\.tp/);
    await expect(renderConfusionMatrix({ ...example(), classNames: ['a', 'a'] })).rejects.toThrow(/classNames must differ/);
  });
});
