// One block per Metrics output of the run: train's and ssl's get their own tables (recognised by the
// shape of `extra`, or by plugin when only values are left), any other a generic key/value table.

import { NOT_AVAILABLE, esc, section } from './html.js';
import { asNumber } from './json-reader.js';
import { valuesTable } from './metric-table.js';
import { confusionTable, classNamesByLabel } from './confusion-table.js';
import { isSslMetrics, sslDetails, sslMetrics } from './ssl-metrics.js';
import { isTrainMetrics, trainMetrics } from './train-metrics.js';
import type { MetricsView, RunFolderData } from './read-run-folder.js';

/** Says where the tables come from when the stage's Metrics file is missing (older run folders). */
function sourceNote(m: MetricsView, roundsFromStageSummary: boolean): string {
  if (m.source === 'file') return '';
  const from: string[] = [];
  if (m.source === 'summary') from.push('values from summary.json');
  if (m.source === 'model-meta') from.push(`values from the model's meta.json`);
  if (roundsFromStageSummary) from.push(`rounds from ${m.stage}-summary.json`);
  if (from.length === 0) return '';
  return ` <span class="note">${esc(`${m.stage}-${m.output}.json`)} is not available: ${esc(from.join(', '))}</span>`;
}

function block(data: RunFolderData, m: MetricsView): string {
  const stage = data.summary.ok ? data.summary.value.stages.find((s) => s.id === m.stage) : undefined;
  const plugin = stage?.plugin ?? '';
  const meta = data.modelMeta[m.stage];
  const beta = asNumber(meta?.beta);
  const classNames = classNamesByLabel(meta);
  const ssl = sslDetails(m, data.stageSummaries[m.stage]);
  const title = `<h3>${esc(m.stage)} <span class="muted">· ${esc(m.output)}</span>${sourceNote(m, ssl !== m.extra)}</h3>`;
  if (isSslMetrics(ssl, plugin) && (m.source !== 'none' || ssl)) return title + sslMetrics(m, ssl, beta, classNames);
  if (m.source === 'none') return `${title}<p>${esc(`${m.stage}-${m.output}.json`)}: ${NOT_AVAILABLE}</p>`;
  if (isTrainMetrics(m, plugin)) return title + trainMetrics(m, beta, classNames);
  const matrix = m.confusionMatrix ? confusionTable(m.confusionMatrix, classNames) : '';
  return `${title}<div class="cols"><div class="panel">${valuesTable(m.values, beta)}</div>${matrix ? `<div class="panel">${matrix}</div>` : ''}</div>`;
}

export function metricsSection(data: RunFolderData): string {
  if (data.metrics.length === 0) return section('metrics', 'Metrics', `<p>No Metrics output ${data.summary.ok ? 'in this run' : `(summary.json ${esc(data.summary.reason)})`}.</p>`);
  return section('metrics', 'Metrics', data.metrics.map((m) => `<article class="metrics-block">${block(data, m)}</article>`).join('\n'));
}
