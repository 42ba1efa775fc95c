// The benchmark truth of the unlabelled pool, in the format core's labels-file reader takes
// (data.unlabelled.labelsFile): `filename,label` with a header, names relative to sans_label/, labels
// as class names. Images without a known class (Br35H's pred/) get no row: the ssl stage reports how
// many of the pool it could check.

export const LABELS_CSV = 'sans_label_labels.csv';

/** RFC 4180: quote a field only when it holds a comma, a quote or a line break. */
const csvField = (value: string): string => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

export function formatLabelsCsv(rows: readonly { filename: string; className: string }[]): string {
  const sorted = [...rows].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return ['filename,label', ...sorted.map((r) => `${csvField(r.filename)},${csvField(r.className)}`)].join('\n') + '\n';
}
