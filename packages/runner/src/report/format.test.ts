import { describe, expect, it } from 'vitest';

import { bytes, dateTime, duration, number, signed3 } from './format.js';
import { esc, fileLink } from './html.js';
import { rowsFromIntervals, rowsFromValues } from './metric-table.js';

describe('report formatting', () => {
  it('escapes text and attribute values', () => {
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(fileLink('figures/a b#<c>.svg', 'SVG')).toBe('<a href="figures/a%20b%23%3Cc%3E.svg">SVG</a>');
  });

  it('prints differences signed, floating-point noise as no change', () => {
    expect(signed3(0.0123)).toBe('+0.012');
    expect(signed3(-0.0123)).toBe('−0.012');
    expect(signed3(-1.1102230246251565e-16)).toBe('+0.000');
    expect(signed3(null)).toBe('n/a');
  });

  it('formats durations, dates, sizes and generic numbers', () => {
    expect(duration(12)).toBe('12ms');
    expect(duration(46608)).toBe('46.6s');
    expect(duration(137074)).toBe('2m 17s');
    expect(duration(3_725_000)).toBe('1h 02m');
    expect(duration(null)).toBeNull();
    expect(dateTime('2026-12-04T18:12:44.538Z')).toBe('2026-12-04 18:12:44 UTC');
    expect(dateTime('not a date')).toBeNull();
    expect(bytes(1536)).toBe('1.5 kB');
    expect(number(200)).toBe('200');
    expect(number(0.09276649177527498)).toBe('0.0928');
    expect(number(0.00005)).toBe('5.00e-5');
  });

  it('folds x_low / x_high into the row of x, and reads { value, low, high } intervals main metrics first', () => {
    expect(rowsFromValues({ delta_fBeta: 0.1, delta_fBeta_low: -0.05, delta_fBeta_high: 0.2, beat: 1 })).toEqual([
      { key: 'delta_fBeta', value: 0.1, low: -0.05, high: 0.2 },
      { key: 'beat', value: 1, low: null, high: null },
    ]);
    expect(rowsFromIntervals({ custom: { value: 3, low: null, high: null }, ece: { value: 0.1, low: 0.05, high: 0.2 }, fBeta: { value: 0.9, low: 0.8, high: 1 } }).map((r) => r.key)).toEqual([
      'fBeta',
      'ece',
      'custom',
    ]);
  });
});
