// The train stage's Metrics: validation metrics with their 95% bootstrap intervals over images
// (`extra.intervals`), cross-validation means with 95% bootstrap intervals over folds
// (`extra.cv.intervals`, per fold in `extra.cv.folds`), the confusion matrix and the rest of `values`.
// Without `extra` (values only, from summary.json) the same tables come from `x`/`x_low`/`x_high`
// and `cv_x` keys.

import { details, esc } from './html.js';
import { fixed3, plural } from './format.js';
import { asArray, asNumber, asObject, asString, type JsonObject } from './json-reader.js';
import { MAIN_METRICS, mainFirst, metricLabel, metricTable, rowsFromIntervals, rowsFromValues, valuesTable, type MetricRow } from './metric-table.js';
import { confusionTable } from './confusion-table.js';
import type { MetricsView } from './read-run-folder.js';

const CONFUSION_CELLS = ['tn', 'fp', 'fn', 'tp'];
const isMain = (key: string): boolean => (MAIN_METRICS as readonly string[]).includes(key);

export function isTrainMetrics(m: MetricsView, plugin: string): boolean {
  return asObject(m.extra?.intervals) !== null || plugin === '@neuro-ssl/stage-train';
}

function cvCaption(cv: JsonObject | null): string {
  const folds = asArray(cv?.folds).map((f) => asObject(f) ?? {});
  // What the stage says it computed (nested selection: pooled out-of-fold predictions); older runs: fold means.
  const estimate = typeof cv?.estimate === 'string' ? cv.estimate : 'mean over folds, 95% bootstrap interval over folds';
  const method = typeof cv?.method === 'string' ? `, selection ${cv.method}` : '';
  if (folds.length === 0) return `Cross-validation${method}: ${estimate}`;
  const repeats = Math.max(...folds.map((f) => (asNumber(f.repeat) ?? 0) + 1));
  const k = Math.max(...folds.map((f) => (asNumber(f.fold) ?? 0) + 1));
  return `Cross-validation (${repeats}×${k} folds${method}): ${estimate}`;
}

function foldsTable(cv: JsonObject | null, beta: number | null): string {
  const folds = asArray(cv?.folds).map((f) => asObject(f) ?? {});
  if (folds.length === 0) return '';
  const shown = ['fBeta', 'prAuc', 'rocAuc', 'ece'];
  const head = `<tr><th class="num">Repeat</th><th class="num">Fold</th><th class="num">Best epoch</th>${shown.map((m) => `<th class="num">${esc(metricLabel(m, beta))}</th>`).join('')}</tr>`;
  const rows = folds.map((f) => {
    const e = asObject(f.evaluation) ?? {};
    const cells = [(asNumber(f.repeat) ?? -1) + 1, (asNumber(f.fold) ?? -1) + 1, asNumber(f.bestEpoch) ?? '—'].map((v) => `<td class="num">${esc(v)}</td>`);
    for (const m of shown) cells.push(`<td class="num">${esc(fixed3(asNumber(e[m])))}</td>`);
    return `<tr>${cells.join('')}</tr>`;
  });
  return details(`Per fold (${esc(plural(folds.length, 'fold'))})`, `<div class="table-wrap"><table class="metrics"><thead>${head}</thead><tbody>${rows.join('\n')}</tbody></table></div>`);
}

/** Values-only sources (meta.json, summary.json) still carry the four cells. */
function confusionFromValues(v: Record<string, number>): number[][] | null {
  const { tn, fp, fn, tp } = v;
  return tn === undefined || fp === undefined || fn === undefined || tp === undefined
    ? null
    : [
        [tn, fp],
        [fn, tp],
      ];
}

export function trainMetrics(m: MetricsView, beta: number | null, classNames: readonly string[]): string {
  const extra = m.extra;
  const cv = asObject(extra?.cv);
  const flat = rowsFromValues(m.values);
  const validationRows: MetricRow[] = asObject(extra?.intervals) ? rowsFromIntervals(asObject(extra?.intervals) ?? {}) : mainFirst(flat.filter((r) => isMain(r.key)));
  const cvRows: MetricRow[] = cv
    ? rowsFromIntervals(asObject(cv.intervals) ?? {})
    : mainFirst(flat.filter((r) => r.key.startsWith('cv_')).map((r) => ({ ...r, key: r.key.slice(3) })));

  const n = m.values.n;
  const parts: string[] = [];
  const validationCaption = `Validation${n !== undefined ? ` (${esc(plural(n, 'image'))})` : ''}: 95% bootstrap interval over images`;
  parts.push(`<div class="panel"><h4>${validationCaption}</h4>${validationRows.length > 0 ? metricTable(validationRows, { beta, intervals: true }) : '<p class="na">not available</p>'}</div>`);
  if (cvRows.length > 0) parts.push(`<div class="panel"><h4>${esc(cvCaption(cv))}</h4>${metricTable(cvRows, { beta, intervals: true })}${foldsTable(cv, beta)}</div>`);

  const side: string[] = [];
  const matrix = m.confusionMatrix ?? confusionFromValues(m.values);
  if (matrix) side.push(confusionTable(matrix, classNames));
  // What the tables above do not show: calibration, threshold, epochs.
  const shownKeys = new Set([...validationRows.map((r) => r.key), ...CONFUSION_CELLS, 'n', 'positives']);
  const rest = Object.fromEntries(Object.entries(m.values).filter(([k]) => !shownKeys.has(k) && !k.startsWith('cv_') && !/_(low|high)$/.test(k)));
  if (Object.keys(rest).length > 0) side.push(`<h4>Other values</h4>${valuesTable(rest, beta)}`);
  const split = asString(asObject(extra?.split)?.report);
  const temperature = asString(extra?.temperatureStatus);
  const notes = [split ? `<li>${esc(split)}</li>` : '', temperature ? `<li>temperature scaling: ${esc(temperature)}</li>` : ''].filter(Boolean);
  if (notes.length > 0) side.push(`<ul class="notes">${notes.join('')}</ul>`);
  if (side.length > 0) parts.push(`<div class="panel">${side.join('\n')}</div>`);
  return `<div class="cols">${parts.join('\n')}</div>`;
}
