// The ssl stage's Metrics: the verdict against the supervised baseline, the paired-bootstrap deltas,
// and one row per self-training round — its threshold, pseudo-labels per class, validation metrics,
// whether it was kept or rolled back, and (benchmark mode) how many pseudo-labels were right.
// `extra` as ssl-stage.ts writes it: { verdict, stop, baseline, rounds, classes }; older run folders
// have the same rounds in `<stage>-summary.json` (there `baseline` is a score holding `evaluation`).

import { DASH, details, esc, table } from './html.js';
import { fixed3, number, signed3 } from './format.js';
import { asArray, asBoolean, asNumber, asObject, asString, type JsonObject } from './json-reader.js';
import { metricLabel, valuesTable } from './metric-table.js';
import type { MetricsView } from './read-run-folder.js';

const ROUND_METRICS = ['fBeta', 'prAuc', 'rocAuc', 'ece'] as const;

export function isSslMetrics(extra: JsonObject | null, plugin: string): boolean {
  return (asObject(extra?.verdict) !== null && Array.isArray(extra?.rounds)) || plugin === '@neuro-ssl/stage-ssl';
}

/** `extra` of the Metrics artifact, else rebuilt from `<stage>-summary.json`. */
export function sslDetails(m: MetricsView, stageSummary: JsonObject | undefined): JsonObject | null {
  if (m.extra && Array.isArray(m.extra.rounds)) return m.extra;
  if (!stageSummary || !Array.isArray(stageSummary.rounds)) return m.extra;
  const baseline = asObject(stageSummary.baseline);
  return { verdict: stageSummary.verdict, stop: stageSummary.stop, baseline: asObject(baseline?.evaluation) ?? baseline, rounds: stageSummary.rounds, classes: null, finalRound: stageSummary.finalRound };
}

const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);

function verdictBlock(verdict: JsonObject | null, stop: JsonObject | null): string {
  const sentence = asString(verdict?.sentence);
  const beat = asBoolean(verdict?.beat);
  const parts: string[] = [];
  if (sentence) parts.push(`<div class="alert ${beat ? 'ok' : 'neutral'} verdict"><strong>Verdict:</strong> ${esc(sentence)}</div>`);
  else parts.push('<p>Verdict: <span class="na">not available</span></p>');
  const message = asString(stop?.message);
  if (message) parts.push(`<p class="muted">Stopped (${esc(asString(stop?.reason) ?? '?')}): ${esc(message)}</p>`);
  return parts.join('\n');
}

function deltasTable(verdict: JsonObject | null, beta: number | null): string {
  const deltas = asObject(verdict?.deltas);
  if (!deltas) return '';
  const round = asNumber(verdict?.round);
  const rows = Object.entries(deltas).map(([key, d]) => {
    const o = asObject(d) ?? {};
    const low = asNumber(o.low);
    const high = asNumber(o.high);
    return [esc(metricLabel(key, beta)), esc(fixed3(asNumber(o.baseline))), esc(fixed3(asNumber(o.ssl))), esc(signed3(asNumber(o.delta))), low === null || high === null ? DASH : esc(`[${signed3(low)}, ${signed3(high)}]`)];
  });
  const images = asNumber(verdict?.validationImages);
  // evaluation: cv scores both arms on out-of-fold images; holdout on the validation split.
  const which = verdict?.evaluation === 'cv' ? 'out-of-fold' : 'validation';
  const caption = `<h4>Against the baseline${images !== null ? ` (95% paired bootstrap over ${esc(images)} ${which} images)` : ''}</h4>`;
  return caption + table(['Metric', { label: 'Baseline', numeric: true }, { label: round ? `Round ${round}` : 'SSL', numeric: true }, { label: 'Δ', numeric: true }, { label: '95% interval of Δ', numeric: true }], rows, 'metrics');
}

function ruleText(round: JsonObject): string {
  const rule = asObject(round.rule);
  const cutoff = asNumber(round.cutoff);
  const value = asNumber(rule?.value);
  if (asString(rule?.kind) === 'percentile' && value !== null) return `top ${esc(number(value))}%${cutoff !== null ? ` <span class="muted">(≥ ${esc(fixed3(cutoff))})</span>` : ''}`;
  return cutoff !== null ? esc(fixed3(cutoff)) : value !== null ? esc(fixed3(value)) : DASH;
}

function pair(value: unknown, i: number): number | null {
  return asNumber(asArray(value)[i]);
}

function benchmarkCell(b: JsonObject | null, classes: [string, string]): string {
  if (!b) return DASH;
  const correct = asNumber(b.correct);
  const checked = asNumber(b.checked);
  const precision = classes.map((c, i) => `${c} ${pct(pair(b.precision, i))}`).join(', ');
  return `${esc(pct(asNumber(b.accuracy)))}${correct !== null && checked !== null ? ` <span class="muted">(${esc(correct)}/${esc(checked)})</span>` : ''}<br><span class="muted">${esc(precision)}</span>`;
}

function roundsTable(d: JsonObject, classes: [string, string], beta: number | null, finalRound: number | null): string {
  const rounds = asArray(d.rounds).map((r) => asObject(r) ?? {});
  if (rounds.length === 0) return '<p>No self-training round ran.</p>';
  const benchmark = rounds.some((r) => asObject(r.benchmark) !== null);
  const cols = [
    { label: 'Round', numeric: true },
    { label: 'Threshold', numeric: true },
    { label: `Pseudo-labels ${classes[0]}`, numeric: true },
    { label: `Pseudo-labels ${classes[1]}`, numeric: true },
    { label: 'Train size', numeric: true },
    ...ROUND_METRICS.map((m) => ({ label: metricLabel(m, beta), numeric: true })),
    { label: 'Outcome' },
    ...(benchmark ? [{ label: 'Pseudo-label accuracy', numeric: true }] : []),
  ];
  const metricCells = (e: JsonObject | null): string[] => ROUND_METRICS.map((m) => esc(fixed3(asNumber(e?.[m]))));

  const rows: string[][] = [];
  const baseline = asObject(d.baseline);
  if (baseline) {
    const final = finalRound === 0 ? ' <span class="badge ok">final</span>' : '';
    rows.push(['0', '<span class="muted">baseline</span>', DASH, DASH, DASH, ...metricCells(baseline), `<span class="muted">supervised model</span>${final}`, ...(benchmark ? [DASH] : [])]);
  }
  for (const r of rounds) {
    const round = asNumber(r.round);
    const perClass = [0, 1].map((i) => {
      const kept = pair(r.kept, i);
      const passed = pair(r.passed, i);
      return kept === null ? DASH : `${esc(kept)}${passed !== null && passed !== kept ? ` <span class="muted">of ${esc(passed)}</span>` : ''}`;
    });
    const rolledBack = asBoolean(r.rolledBack);
    const outcome = rolledBack === null ? DASH : rolledBack ? '<span class="badge warn">rolled back</span>' : '<span class="badge ok">kept</span>';
    const final = round !== null && round === finalRound ? ' <span class="badge ok">final</span>' : '';
    const e = asObject(asObject(r.score)?.evaluation);
    rows.push([
      round === null ? DASH : esc(round),
      ruleText(r),
      perClass[0] ?? DASH,
      perClass[1] ?? DASH,
      esc(asNumber(r.trainSize) ?? '—'),
      ...metricCells(e),
      outcome + final,
      ...(benchmark ? [benchmarkCell(asObject(r.benchmark), classes)] : []),
    ]);
  }
  const note = '<p class="muted">Pseudo-labels: selected per class (of those past the threshold); metrics on the validation split.</p>';
  return `<h4>Self-training rounds</h4>${table(cols, rows, 'rounds')}${note}`;
}

export function sslMetrics(m: MetricsView, d: JsonObject | null, beta: number | null, classNames: readonly string[]): string {
  const verdict = asObject(d?.verdict);
  const names = asObject(d?.classes);
  const classes: [string, string] = [asString(names?.negative) ?? classNames[0] ?? 'negative', asString(names?.positive) ?? classNames[1] ?? 'positive'];
  const finalRound = m.values.finalRound ?? asNumber(d?.finalRound);
  const parts = [verdictBlock(verdict, asObject(d?.stop))];
  // The rounds table is wide (a column per class and metric): it gets the full width.
  if (d) parts.push(roundsTable(d, classes, beta, finalRound));
  else parts.push('<p>Rounds: <span class="na">not available</span></p>');
  const values = Object.keys(m.values).length > 0 ? details('All values of the final model', valuesTable(m.values, beta)) : '';
  parts.push(`<div class="cols"><div class="panel">${deltasTable(verdict, beta)}</div><div class="panel">${values}</div></div>`);
  return parts.join('\n');
}
