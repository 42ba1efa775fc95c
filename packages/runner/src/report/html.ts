// The few HTML building blocks the report uses. Everything that comes from a run folder goes
// through `esc` (text and attribute values alike): names, paths, headlines and YAML may hold `<`.

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(text: string | number): string {
  return String(text).replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Marks text for a missing file or field, so readers see the gap rather than an empty cell. */
export const NOT_AVAILABLE = '<span class="na">not available</span>';
export const DASH = '<span class="na">—</span>';

/** A relative link to a file in the run folder; each path segment is percent-encoded. */
export function fileLink(relative: string, label = relative): string {
  const href = relative.split('/').map(encodeURIComponent).join('/');
  return `<a href="${esc(href)}">${esc(label)}</a>`;
}

export interface Column {
  label: string;
  /** Right-aligned, tabular digits. */
  numeric?: boolean;
}

/** Cells are HTML already (callers escape); a header row and one row per entry. */
export function table(columns: readonly (Column | string)[], rows: readonly (readonly string[])[], className = ''): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { label: c } : c));
  const cls = (c: Column | undefined): string => (c?.numeric ? ' class="num"' : '');
  const head = cols.map((c) => `<th${cls(c)}>${esc(c.label)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((cell, i) => `<td${cls(cols[i])}>${cell}</td>`).join('')}</tr>`).join('\n');
  return `<div class="table-wrap"><table${className ? ` class="${esc(className)}"` : ''}><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table></div>`;
}

export function section(id: string, title: string, body: string): string {
  return `<section id="${esc(id)}"><h2>${esc(title)}</h2>\n${body}\n</section>`;
}

/** A `<details>` block, open when it is short enough to read at a glance. */
export function details(summary: string, body: string, open = false): string {
  return `<details${open ? ' open' : ''}><summary>${summary}</summary>\n${body}\n</details>`;
}
