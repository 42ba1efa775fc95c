// `runner compare --html`: the same tables as the terminal, as one self-contained page (inline CSS,
// no scripts, no external resources) that can be mailed or archived with the runs.

import { esc as escapeHtml } from '../report/html.js';
import type { CompareView, TableView } from './compare-view.js';


function table(t: TableView): string {
  const head = t.headers.map((h, c) => `<th class="${t.align[c] ?? 'left'}">${escapeHtml(h)}</th>`).join('');
  const rows = t.rows
    .map((r) => `<tr>${r.map((cell, c) => `<td class="${t.align[c] ?? 'left'}${cell.best ? ' best' : ''}">${escapeHtml(cell.text)}${cell.best ? ' *' : ''}</td>`).join('')}</tr>`)
    .join('\n');
  const body = t.rows.length ? `<table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table>` : '';
  const notes = t.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join('\n');
  return `<section><h2>${escapeHtml(t.title)}</h2>\n${body}\n${notes}</section>`;
}

const STYLE = `body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}th,td{padding:.25em .8em;border-bottom:1px solid #ddd;vertical-align:top}
th{background:#f4f4f4;text-align:left}.right{text-align:right;font-variant-numeric:tabular-nums}
td.best{font-weight:bold;background:#e6f4ea}.note{color:#555;font-size:.9em;margin:.3em 0}
td:first-child{font-family:ui-monospace,monospace;white-space:nowrap}dd{margin:0 0 .3em 2em}`;

export function renderCompareHtml(view: CompareView): string {
  const names = [...new Set(view.legend.map((l) => l.name))].join(' vs ');
  const legend = table({
    title: 'Runs',
    headers: ['run', 'folder', 'experiment', 'started', 'status'],
    align: ['left', 'left', 'left', 'left', 'left'],
    rows: view.legend.map((l) => [l.label, l.path, l.name, l.date, l.status].map((text) => ({ text }))),
    notes: [],
  });
  const headlines = view.headlines.length
    ? `<section><h2>Headlines</h2><dl>\n${view.headlines.map((h) => `<dt>${escapeHtml(h.stage)} — ${escapeHtml(h.label)}</dt><dd>${escapeHtml(h.text)}</dd>`).join('\n')}\n</dl></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>neuro-ssl compare: ${escapeHtml(names)}</title>
<style>${STYLE}</style></head>
<body><h1>neuro-ssl compare: ${escapeHtml(names)}</h1>
${legend}
${table(view.metrics)}
${headlines}
${table(view.config)}
${table(view.stages)}
${table(view.provenance)}
</body></html>
`;
}
