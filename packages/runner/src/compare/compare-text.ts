// `runner compare` for the terminal: the legend, then the metrics, config and stages tables.

import type { Cell, CompareView, TableView } from './compare-view.js';
import { renderTextTable } from './text-table.js';

/** A cell as text; in a column that marks a best value, every cell gets the same 2-character tail so numbers stay aligned. */
function cellText(cell: Cell, marks: boolean): string {
  if (!marks) return cell.text;
  return `${cell.text}${cell.best ? ' *' : '  '}`;
}

function renderTable(t: TableView): string {
  let out = `${t.title}\n`;
  if (t.rows.length) {
    const marks = t.headers.map((_, c) => t.rows.some((r) => r[c]?.best));
    out += renderTextTable(t.headers, t.rows.map((r) => r.map((cell, c) => cellText(cell, marks[c] ?? false))), { align: t.align });
  }
  for (const note of t.notes) out += `  ${note}\n`;
  return out;
}

export function renderCompareText(view: CompareView): string {
  const legend = view.legend.map((l) => [l.label, l.path, l.name, l.date, l.status]);
  let out = `Comparing ${view.legend.length} runs\n${renderTextTable(['run', 'folder', 'experiment', 'started', 'status'], legend)}\n`;
  out += renderTable(view.metrics);
  if (view.headlines.length) {
    out += '\nHeadlines\n';
    const stageWidth = Math.max(...view.headlines.map((h) => h.stage.length));
    let previous = '';
    for (const h of view.headlines) {
      out += `  ${(h.stage === previous ? '' : h.stage).padEnd(stageWidth)}  ${h.label}  ${h.text}\n`;
      previous = h.stage;
    }
  }
  out += `\n${renderTable(view.config)}\n${renderTable(view.stages)}\n${renderTable(view.provenance)}`;
  return out;
}
