// The top of the report: what ran, whether it worked (and where it broke), and what it ran with —
// timing, seed, backend, versions, commit, machine, inputs — and the resolved YAML.

import { DASH, NOT_AVAILABLE, details, esc } from './html.js';
import { dateTime, duration, plural } from './format.js';
import { asBoolean, asNumber, asObject, asString, type JsonObject } from './json-reader.js';
import type { RunFolderData } from './read-run-folder.js';
import type { SummaryView } from './summary-view.js';

const STATUS_CLASS: Record<string, string> = { ok: 'ok', failed: 'bad', 'invalid-data': 'bad', 'invalid-flags': 'bad', 'invalid-config': 'bad', 'environment-error': 'bad', interrupted: 'warn' };

const orDash = (text: string | null | undefined): string => (text === null || text === undefined || text === '' ? DASH : esc(text));

function finishedAt(s: SummaryView): string | null {
  if (s.finishedAt) return dateTime(s.finishedAt);
  // Older summaries have no finishedAt, but start + duration says the same.
  if (s.startedAt && s.durationMs !== null) {
    const start = Date.parse(s.startedAt);
    if (!Number.isNaN(start)) return dateTime(new Date(start + s.durationMs).toISOString());
  }
  return null;
}

function backend(p: JsonObject | null): string {
  const b = asObject(p?.backend);
  if (!b) return DASH;
  const requested = asString(b.requested);
  const used = asString(b.used);
  return `${orDash(requested)} → ${used ? esc(used) : '<span class="na">none loaded</span>'}`;
}

function gitCommit(p: JsonObject | null): string {
  const git = asObject(p?.git);
  const commit = asString(git?.commit);
  if (!git || !commit) return DASH;
  const dirty = asBoolean(git.dirty) ? ' <span class="badge warn">dirty</span>' : '';
  return `<code title="${esc(commit)}">${esc(commit.slice(0, 12))}</code>${dirty}`;
}

function cpu(p: JsonObject | null): string {
  const c = asObject(p?.cpu);
  const model = asString(c?.model);
  const cores = asNumber(c?.cores);
  if (!model && cores === null) return DASH;
  return esc([model, cores !== null ? plural(cores, 'core') : null].filter(Boolean).join(', '));
}

function inputs(p: JsonObject | null): string {
  const i = asObject(p?.inputs);
  const files = asNumber(i?.files);
  const hash = asString(i?.sha256);
  if (files === null && !hash) return DASH;
  const hashHtml = hash ? ` <code title="${esc(hash)}">sha256 ${esc(hash.slice(0, 12))}</code>` : '';
  return `${files !== null ? esc(plural(files, 'file')) : DASH}${hashHtml}`;
}

function packages(p: JsonObject | null): string {
  const entries = Object.entries(asObject(p?.packages) ?? {}).filter((e): e is [string, string] => typeof e[1] === 'string');
  if (entries.length === 0) return DASH;
  return `<ul class="plain">${entries.map(([name, version]) => `<li><code>${esc(name)}@${esc(version)}</code></li>`).join('')}</ul>`;
}

/** Where a run that did not end well stopped: the stage that failed (or was interrupted) and its error. */
function problem(s: SummaryView): string {
  if (s.status === 'ok' || s.status === null) return '';
  const stage = s.stages.find((st) => st.status === 'failed' || st.status === 'interrupted');
  const where = stage ? `stage <code>${esc(stage.id)}</code> (${esc(stage.plugin)}) ${esc(stage.status)}` : `the run ended with status ${esc(s.status)}`;
  // The run's error usually repeats the stage's ("stage ssl failed: <its error>"): show it once.
  const stageError = stage?.error ?? null;
  const firstLine = stageError?.split('\n')[0] ?? '';
  const runError = s.error && !(firstLine && s.error.includes(firstLine)) ? s.error : null;
  const messages = [stageError, runError].filter((m): m is string => Boolean(m));
  const text = messages.length > 0 ? messages.map((m) => `<pre class="error-text">${esc(m)}</pre>`).join('') : '<p>No error message was recorded.</p>';
  return `<div class="alert bad" role="alert"><strong>${s.status === 'interrupted' ? 'Interrupted' : 'Failed'}:</strong> ${where}.${text}</div>`;
}

/** Older summaries lack the seed; the resolved YAML has it as a top-level line. */
function seedOf(s: SummaryView, data: RunFolderData): number | null {
  if (s.seed !== null) return s.seed;
  const m = data.yaml.ok ? /^seed:\s*(-?\d+)\s*$/m.exec(data.yaml.value) : null;
  return m?.[1] ? Number(m[1]) : null;
}

function facts(s: SummaryView, data: RunFolderData): string {
  const seed = seedOf(s, data);
  const p = s.provenance;
  const rows: [string, string][] = [
    ['Started', orDash(dateTime(s.startedAt))],
    ['Finished', orDash(finishedAt(s))],
    ['Duration', orDash(duration(s.durationMs))],
    ['Exit code', s.exitCode === null ? DASH : esc(s.exitCode)],
    ['Seed', seed === null ? DASH : esc(seed)],
    ['Backend', backend(p)],
    ['Node', orDash(asString(p?.node))],
    ['Platform', orDash(asString(p?.platform))],
    ['CPU', cpu(p)],
    ['Git commit', gitCommit(p)],
    ['Input images', inputs(p)],
    ['Experiment', s.experiment ? `<code>${esc(s.experiment)}</code>` : DASH],
    ['Packages', packages(p)],
  ];
  // Packages is a list: it takes a whole row rather than stretching one cell.
  return `<dl class="facts">${rows.map(([k, v]) => `<div${k === 'Packages' ? ' class="span"' : ''}><dt>${esc(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

function logTail(data: RunFolderData): string {
  if (!data.logTail || data.logTail.length === 0) return '';
  return details(`Last ${plural(data.logTail.length, 'line')} of <code>run.log</code>`, `<pre class="log">${esc(data.logTail.join('\n'))}</pre>`, true);
}

export function headerSection(data: RunFolderData): string {
  const folder = `<p class="folder">Run folder <code>${esc(data.dir)}</code></p>`;
  const yaml = data.yaml.ok ? details('Resolved configuration (<code>config.resolved.yaml</code>)', `<pre class="yaml">${esc(data.yaml.value)}</pre>`) : `<p>config.resolved.yaml: ${NOT_AVAILABLE}</p>`;
  if (!data.summary.ok) {
    return `<header><h1>Run report</h1>${folder}<div class="alert bad" role="alert"><strong>summary.json ${esc(data.summary.reason)}</strong>: the run may have been killed before it finished.</div></header>\n${logTail(data)}\n${yaml}`;
  }
  const s = data.summary.value;
  const status = s.status ?? 'unknown';
  const badge = `<span class="badge ${STATUS_CLASS[status] ?? 'warn'} status">${esc(status)}</span>`;
  return `<header><h1>${esc(s.name ?? 'Run report')} ${badge}</h1>${folder}</header>\n${problem(s)}\n${logTail(data)}\n${facts(s, data)}\n${yaml}`;
}
