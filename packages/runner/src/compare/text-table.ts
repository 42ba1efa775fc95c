// Aligned plain-text tables: a header, a rule, rows; columns padded to their widest cell.

export type Align = 'left' | 'right';

export interface TextTableOptions {
  /** Per column; left by default. */
  align?: readonly Align[];
  /** Text before every line (indentation). */
  indent?: string;
}

export function renderTextTable(headers: readonly string[], rows: readonly (readonly string[])[], options: TextTableOptions = {}): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const indent = options.indent ?? '';
  const line = (cells: readonly string[]): string =>
    indent +
    widths
      .map((w, c) => {
        const cell = cells[c] ?? '';
        return options.align?.[c] === 'right' ? cell.padStart(w) : cell.padEnd(w);
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}
