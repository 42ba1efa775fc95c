// Plain-text formatting of numbers, durations and dates for the report (escaped by the caller).

import { formatDuration } from '../format.js';

/** A metric as the headlines print it: three decimals. */
export function fixed3(value: number | null | undefined): string {
  return value === null || value === undefined ? 'n/a' : value.toFixed(3);
}

/** A difference: always signed, so "+0.000" and "−0.012" read as changes. */
export function signed3(value: number | null | undefined): string {
  if (value === null || value === undefined) return 'n/a';
  const text = Math.abs(value).toFixed(3);
  // -1e-16 would print "-0.000": floating-point noise is no change.
  return Number(text) === 0 ? `+${text}` : `${value < 0 ? '−' : '+'}${text}`;
}

/** "[0.700, 0.905]" or "n/a" when the interval is missing. */
export function interval(low: number | null | undefined, high: number | null | undefined, format: (v: number) => string = fixed3): string {
  return low === null || low === undefined || high === null || high === undefined ? 'n/a' : `[${format(low)}, ${format(high)}]`;
}

/** Any value in a generic table: integers as they are, others with up to four decimals. */
export function number(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs < 1e-12) return '0';
  if (abs < 1e-3) return value.toExponential(2);
  return String(Number(value.toFixed(4)));
}

/** The shared duration format; null when unknown, so callers can show their own gap marker. */
export function duration(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : formatDuration(ms);
}

/** "2026-12-04 18:12:44 UTC"; null for a missing or unparsable date. */
export function dateTime(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return null;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export { formatBytes as bytes } from '../format.js';

export const plural = (n: number, word: string, many = `${word}s`): string => `${n} ${n === 1 ? word : many}`;
