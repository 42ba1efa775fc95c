// The dataset as the scan saw it (data-report.json, core's DataReport): images per split and class,
// bad files, and the near-duplicate groups that need a decision — those spanning labelled and
// unlabelled images (a leak into validation via pseudo-labels) and those spanning classes (a label
// conflict).

import { NOT_AVAILABLE, details, esc, section, table } from './html.js';
import { plural } from './format.js';
import { asArray, asBoolean, asNumber, asObject, asString, numberMap, stringList, type JsonObject } from './json-reader.js';
import type { RunFolderData } from './read-run-folder.js';

/** Groups listed in full; past this a group shows its first members and a count. */
const MEMBERS_SHOWN = 8;
/** A list this short is open at first sight. */
const OPEN_LIMIT = 10;

const count = (n: number | null): string => (n === null ? NOT_AVAILABLE : esc(n));

function countsTable(r: JsonObject): string {
  const c = asObject(r.counts) ?? {};
  const perClass = numberMap(c.perClass);
  const classes = numberMap(r.classes);
  const rows: string[][] = Object.entries(perClass).map(([name, n]) => [
    'labelled',
    `${esc(name)}${classes[name] !== undefined ? ` <span class="muted">(label ${esc(classes[name])})</span>` : ''}`,
    esc(n),
  ]);
  rows.push(['<strong>labelled</strong>', '<span class="muted">all classes</span>', `<strong>${count(asNumber(c.labelled))}</strong>`]);
  rows.push(['<strong>unlabelled</strong>', '<span class="muted">—</span>', `<strong>${count(asNumber(c.unlabelled))}</strong>`]);
  rows.push(['<strong>readable images</strong>', '', `<strong>${count(asNumber(c.images))}</strong>`]);
  rows.push(['bad files (skipped)', '', count(asNumber(c.badFiles))]);
  return table(['Split', 'Class', { label: 'Images', numeric: true }], rows, 'compact');
}

function badFiles(r: JsonObject): string {
  const b = asObject(r.badFiles);
  const files = asArray(b?.files).map((f) => asObject(f) ?? {});
  if (files.length === 0) return '<p>Bad files: none.</p>';
  const rows = files.map((f) => [`<code>${esc(asString(f.id) ?? '?')}</code>`, esc(asString(f.split) ?? ''), esc(asString(f.reason) ?? ''), esc(asString(f.detail) ?? '')]);
  return details(`Bad files: <strong>${esc(files.length)}</strong> skipped`, table(['File', 'Split', 'Reason', 'Detail'], rows), files.length <= OPEN_LIMIT);
}

function groupRow(g: JsonObject): string[] {
  const members = stringList(g.members);
  const shown = members.slice(0, MEMBERS_SHOWN).map((m) => `<code>${esc(m)}</code>`);
  const more = members.length > MEMBERS_SHOWN ? ` <span class="muted">… ${esc(members.length - MEMBERS_SHOWN)} more</span>` : '';
  return [esc(members.length), esc(asNumber(g.maxDistance) ?? '?'), `${shown.join(', ')}${more}`];
}

function groupList(title: string, groups: JsonObject[], expected: number | null): string {
  const n = expected ?? groups.length;
  if (n === 0) return `<p>${title}: none.</p>`;
  const body = groups.length > 0 ? table([{ label: 'Images', numeric: true }, { label: 'Max distance', numeric: true }, 'Members'], groups.map(groupRow)) : `<p>${NOT_AVAILABLE}</p>`;
  return details(`${title}: <strong>${esc(n)}</strong>`, body, n <= OPEN_LIMIT);
}

function duplicates(r: JsonObject): string {
  const d = asObject(r.duplicates);
  if (!d) return `<p>Near-duplicate groups: ${NOT_AVAILABLE}</p>`;
  const list = asArray(d.list).map((g) => asObject(g) ?? {});
  const groups = asNumber(d.groups);
  const threshold = asNumber(d.threshold);
  // Reports before the pHash scan carry no `hash`: their groups were dHash groups.
  const hashName = d.hash === 'phash' ? 'pHash' : 'dHash';
  const images = asNumber(d.images);
  const largest = asNumber(d.largestGroup);
  const summary =
    `<p>Near-duplicate groups${threshold !== null ? ` (${hashName} distance ≤ ${esc(threshold)})` : ''}: <strong>${count(groups)}</strong>` +
    `${images !== null ? `, covering ${esc(plural(images, 'image'))}` : ''}${largest !== null && largest > 0 ? ` (largest ${esc(largest)})` : ''}.</p>`;
  const spanningSplits = list.filter((g) => asBoolean(g.spansSplits) === true);
  const spanningClasses = list.filter((g) => asBoolean(g.spansClasses) === true);
  return [
    summary,
    groupList('Groups spanning labelled and unlabelled images', spanningSplits, asNumber(d.spanningSplits)),
    groupList('Groups spanning classes', spanningClasses, asNumber(d.spanningClasses)),
  ].join('\n');
}

export function datasetSection(data: RunFolderData): string {
  if (!data.dataReport.ok) return section('dataset', 'Dataset', `<p>data-report.json: ${data.dataReport.reason === 'not available' ? NOT_AVAILABLE : esc(data.dataReport.reason)}</p>`);
  const r = data.dataReport.value;
  const root = asString(r.root);
  const intro = root ? `<p class="muted">Root <code>${esc(root)}</code></p>` : '';
  return section('dataset', 'Dataset', `${intro}\n<div class="cols"><div>${countsTable(r)}</div><div>${badFiles(r)}\n${duplicates(r)}</div></div>`);
}
