// Narrowing for JSON read from a run folder: older or partial run folders lack fields, so every
// reader asks "is it there and of the right type" instead of trusting a shape.

export type JsonObject = Record<string, unknown>;

export function asObject(value: unknown): JsonObject | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as JsonObject) : null;
}

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

export function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

/** Finite numbers only: NaN/Infinity never reach JSON, but a hand-edited file may hold anything. */
export function asNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

export function asBoolean(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

/** The numeric entries of an object (a Metrics `values` map). */
export function numberMap(value: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(asObject(value) ?? {})) {
    const n = asNumber(v);
    if (n !== null) out[k] = n;
  }
  return out;
}

export function stringList(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === 'string');
}
