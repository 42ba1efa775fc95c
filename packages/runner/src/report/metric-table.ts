// Metric | value | 95% interval tables. Values come as a flat map where an interval is spelled
// `x`, `x_low`, `x_high` (ssl's `delta_fBeta_low`, a flattened `cv_fBeta_high`) or as
// `{ value, low, high }` objects (train's `extra.intervals`); both end up as rows here.

import { DASH, esc, table } from './html.js';
import { fixed3, interval, number } from './format.js';
import { asNumber, asObject } from './json-reader.js';

export interface MetricRow {
  key: string;
  value: number | null;
  low: number | null;
  high: number | null;
}

/** The binary-evaluation metrics (core's METRIC_NAMES) in the order the stages log them. */
export const MAIN_METRICS = ['fBeta', 'precision', 'recall', 'accuracy', 'rocAuc', 'prAuc', 'ece', 'brier', 'nll'] as const;

const LABELS: Record<string, string> = {
  precision: 'precision',
  recall: 'recall',
  accuracy: 'accuracy',
  rocAuc: 'ROC-AUC',
  prAuc: 'PR-AUC',
  ece: 'ECE',
  brier: 'Brier',
  nll: 'NLL (log-loss)',
  eceBeforeTemperature: 'ECE before temperature scaling',
  valLoss: 'validation loss',
};

/** "F2" when the stage's beta is known (its model's meta.json), else "Fβ". */
export function metricLabel(key: string, beta: number | null): string {
  if (key === 'fBeta') return beta === null ? 'Fβ' : `F${beta}`;
  return LABELS[key] ?? key;
}

const SUFFIX = /_(low|high)$/;

/** Rows of a flat values map, `x_low`/`x_high` folded into the row of `x`, in the map's order. */
export function rowsFromValues(values: Record<string, number>): MetricRow[] {
  const rows = new Map<string, MetricRow>();
  for (const [k, v] of Object.entries(values)) {
    const bound = SUFFIX.exec(k);
    const key = bound ? k.slice(0, -bound[0].length) : k;
    const row = rows.get(key) ?? { key, value: null, low: null, high: null };
    if (!bound) row.value = v;
    else if (bound[1] === 'low') row.low = v;
    else row.high = v;
    rows.set(key, row);
  }
  return [...rows.values()];
}

/** Rows of `{ metric: { value, low, high } }` (train's intervals), main metrics first. */
export function rowsFromIntervals(intervals: Record<string, unknown>): MetricRow[] {
  const keys = [...MAIN_METRICS.filter((m) => m in intervals), ...Object.keys(intervals).filter((k) => !(MAIN_METRICS as readonly string[]).includes(k))];
  const rows: MetricRow[] = [];
  for (const key of keys) {
    const i = asObject(intervals[key]);
    if (i) rows.push({ key, value: asNumber(i.value), low: asNumber(i.low), high: asNumber(i.high) });
  }
  return rows;
}

/** Main metrics first (a reader looks for F2 and the AUCs), the rest in their order. */
export function mainFirst(rows: readonly MetricRow[]): MetricRow[] {
  const main = MAIN_METRICS.flatMap((m) => rows.filter((r) => r.key === m));
  return [...main, ...rows.filter((r) => !main.includes(r))];
}

export interface MetricTableOptions {
  beta: number | null;
  /** Format of a value: 3 decimals for metrics (as the headlines), `number` for anything else. */
  format?: (v: number) => string;
  /** Show the interval column even when no row has one (a missing interval then reads "n/a"). */
  intervals?: boolean;
}

export function metricTable(rows: readonly MetricRow[], options: MetricTableOptions): string {
  const format = options.format ?? fixed3;
  const withIntervals = options.intervals ?? rows.some((r) => r.low !== null || r.high !== null);
  const cols = ['Metric', { label: 'Value', numeric: true }, ...(withIntervals ? [{ label: '95% interval', numeric: true }] : [])];
  const body = rows.map((r) => {
    const cells = [esc(metricLabel(r.key, options.beta)), r.value === null ? DASH : esc(format(r.value))];
    if (withIntervals) cells.push(r.low === null && r.high === null ? DASH : esc(interval(r.low, r.high, format)));
    return cells;
  });
  return table(cols, body, 'metrics');
}

/** A values map as a generic table: metrics with 3 decimals, counts and settings as they are. */
export function valuesTable(values: Record<string, number>, beta: number | null): string {
  return metricTable(mainFirst(rowsFromValues(values)), { beta, format: number });
}
