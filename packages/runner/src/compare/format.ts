// Small display helpers shared by `runner runs` and `runner compare` (plain text and HTML).

import path from 'node:path';

export { formatDuration } from '../format.js';

/** An ISO time as "2026-12-04 18:12 UTC" (UTC: the same text wherever it is printed). */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function fixed3(v: number): string {
  if (v !== 0 && Math.abs(v) < 0.0005) return v.toExponential(1); // would read as 0.000
  const text = v.toFixed(3);
  return text === '-0.000' ? '0.000' : text;
}

/** A metric value: an integer as it is, otherwise 3 decimals (tiny non-zero values in exponent form). */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return Number.isInteger(v) ? String(v) : fixed3(v);
}

/** One row of values: 3 decimals for all as soon as one is not an integer, so that 1 and 0.939 line up as 1.000 and 0.939. */
export function formatNumberRow(values: readonly (number | null)[]): string[] {
  const integers = values.every((v) => v === null || Number.isInteger(v));
  return values.map((v) => (v === null ? '—' : integers ? String(v) : fixed3(v)));
}

/** Cuts `text` to `max` characters, ending with "…" when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return max <= 1 ? text.slice(0, max) : `${text.slice(0, max - 1)}…`;
}

/** A folder relative to the working directory when it is inside it, else absolute. */
export function displayPath(dir: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, dir);
  if (rel === '') return '.';
  const outside = rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel);
  return outside ? dir : rel;
}

/** The terminal width when the stream is a TTY, else undefined (output piped to a file: nothing to fit). */
export function terminalColumns(stream: NodeJS.WritableStream): number | undefined {
  const s = stream as NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  return s.isTTY && typeof s.columns === 'number' && s.columns > 0 ? s.columns : undefined;
}
