// One row per stage of the plan: what ran, what came from the cache, what failed, and the stage's
// one-line results.

import { DASH, NOT_AVAILABLE, esc, section, table } from './html.js';
import { duration } from './format.js';
import type { RunFolderData } from './read-run-folder.js';
import type { StageView } from './summary-view.js';

const STATUS: Record<string, { label: string; cls: string }> = {
  'cache-hit': { label: 'cache hit', cls: 'info' },
  ran: { label: 'ran', cls: 'ok' },
  failed: { label: 'failed', cls: 'bad' },
  interrupted: { label: 'interrupted', cls: 'warn' },
  skipped: { label: 'skipped', cls: 'muted' },
  'not-run': { label: 'not run', cls: 'muted' },
};

/** Short enough to scan, long enough to tell two cache entries apart; the full key on hover. */
const KEY_CHARS = 12;

function durationCell(s: StageView): string {
  const spent = duration(s.durationMs);
  const original = duration(s.originalDurationMs);
  if (s.status === 'cache-hit' && original) return `${spent ? esc(spent) : DASH}<br><span class="muted">ran in ${esc(original)}</span>`;
  return spent ? esc(spent) : DASH;
}

function row(s: StageView): string[] {
  const status = STATUS[s.status] ?? { label: s.status, cls: 'warn' };
  const plugin = `<code>${esc(s.plugin)}${s.version ? `@${esc(s.version)}` : ''}</code>`;
  const lines = s.headlines.map((h) => `<li>${esc(h)}</li>`);
  if (s.error) lines.push(`<li class="error-text">${esc(s.error)}</li>`);
  return [
    `<strong>${esc(s.id)}</strong>`,
    plugin,
    `<span class="badge ${status.cls}">${esc(status.label)}</span>`,
    durationCell(s),
    lines.length > 0 ? `<ul class="headlines">${lines.join('')}</ul>` : DASH,
    s.key ? `<code title="${esc(s.key)}">${esc(s.key.slice(0, KEY_CHARS))}</code>` : DASH,
  ];
}

export function stagesSection(data: RunFolderData): string {
  if (!data.summary.ok) return section('stages', 'Stages', `<p>${NOT_AVAILABLE} (summary.json ${esc(data.summary.reason)})</p>`);
  const stages = data.summary.value.stages;
  if (stages.length === 0) return section('stages', 'Stages', '<p>No stage ran.</p>');
  return section('stages', 'Stages', table(['Stage', 'Plugin', 'Status', { label: 'Duration', numeric: true }, 'Results', 'Cache key'], stages.map(row), 'stages'));
}
