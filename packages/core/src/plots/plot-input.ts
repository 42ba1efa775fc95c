// Input checks and small helpers the chart builders share, so every chart rejects bad data the same
// way: a thrown Error that names the function and the offending field (e.g. "series[1].points[3].y").

/** Throws unless `v` is a finite number. */
export function checkFinite(fn: string, field: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${fn}: ${field} must be a finite number, got ${v}`);
}

/** Throws unless `v` is null or a finite number. */
export function checkFiniteOrNull(fn: string, field: string, v: number | null): void {
  if (v !== null) checkFinite(fn, field, v);
}

/** Throws unless `v` is a non-negative integer (counts). */
export function checkCount(fn: string, field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${fn}: ${field} must be a non-negative integer, got ${v}`);
}

/** Throws unless `b` has as many entries as `a`. */
export function checkSameLength(fn: string, fieldA: string, a: ArrayLike<unknown>, fieldB: string, b: ArrayLike<unknown>): void {
  if (a.length !== b.length) throw new Error(`${fn}: ${fieldB} has ${b.length} entries but ${fieldA} has ${a.length}`);
}

/** Throws on a repeated name: names are legend keys and colour-scale domain values. */
export function checkUniqueNames(fn: string, field: string, names: readonly string[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new Error(`${fn}: ${field} contains "${n}" twice`);
    seen.add(n);
  }
}

/** Throws unless lo < hi, both finite. */
export function checkRange(fn: string, field: string, range: readonly [number, number]): void {
  checkFinite(fn, `${field}[0]`, range[0]);
  checkFinite(fn, `${field}[1]`, range[1]);
  if (!(range[0] < range[1])) throw new Error(`${fn}: ${field} must be increasing, got [${range[0]}, ${range[1]}]`);
}

/** Vega-Lite title block; a missing subtitle is left out rather than drawn empty. */
export function titleBlock(title: string, subtitle?: string): { text: string; subtitle?: string } {
  return subtitle === undefined ? { text: title } : { text: title, subtitle };
}

/** Short label of a value: integers as they are, |v| ≥ 100 rounded, ≥ 1 to 3 significant digits, else 3 decimals (0.046, not 0.0456). */
export function formatValue(v: number): string {
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return String(Math.round(v));
  if (a >= 1) return String(Number(v.toPrecision(3)));
  return String(Number(v.toFixed(3)));
}
