import { describe, expect, it } from 'vitest';
import { checkFinite, checkSameLength, checkUniqueNames, formatValue, titleBlock } from './plot-input.js';

describe('plot input checks', () => {
  it('name the function and the field', () => {
    expect(() => checkFinite('f', 'series[0].points[2].y', Number.NaN)).toThrow('f: series[0].points[2].y must be a finite number, got NaN');
    expect(() => checkFinite('f', 'x', Number.NEGATIVE_INFINITY)).toThrow(/x must be a finite number, got -Infinity/);
    expect(() => checkSameLength('f', 'fpr', [1, 2], 'tpr', [1])).toThrow('f: tpr has 1 entries but fpr has 2');
    expect(() => checkUniqueNames('f', 'series names', ['a', 'b', 'a'])).toThrow('f: series names contains "a" twice');
  });
  it('leave a missing subtitle out', () => {
    expect(titleBlock('t')).toEqual({ text: 't' });
    expect(titleBlock('t', 's')).toEqual({ text: 't', subtitle: 's' });
  });
});

describe('formatValue', () => {
  it('keeps integers, rounds large numbers, 3 significant digits above 1, 3 decimals below', () => {
    expect(formatValue(1040)).toBe('1040');
    expect(formatValue(1234.56)).toBe('1235');
    expect(formatValue(12.345)).toBe('12.3');
    expect(formatValue(0.0456)).toBe('0.046');
    expect(formatValue(-0.0456)).toBe('-0.046');
    expect(formatValue(0.9)).toBe('0.9');
    expect(formatValue(-0.0001)).toBe('0');
  });
});
