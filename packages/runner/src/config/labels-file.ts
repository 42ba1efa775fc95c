// The true classes of the unlabelled images, for benchmarking self-training only (pseudo-label
// accuracy per round). A CSV of `filename,label`: the file name relative to `data.unlabelled.dir`,
// the label a class name of `data.labelled.classes` or its index. Never a training input.

import { readFile } from 'node:fs/promises';
import { ConfigError, type ConfigIssue } from '@neuro-ssl/core/config';

export const LABELS_FILE_FORMAT = 'a CSV of filename,label (one row per unlabelled image, an optional "filename,label" header)';

export interface LabelsFileOptions {
  /** Class name → label (`data.labelled.classes`). */
  classes: Record<string, number>;
  /** `data.unlabelled.dir`: file names are relative to it, ids relative to `data.root`. */
  unlabelledDir: string;
  /** Where a file that cannot be read is blamed (the YAML field); default: the CSV itself. */
  blame?: Pick<ConfigIssue, 'file' | 'line' | 'column'>;
}

const FIELD = 'data.unlabelled.labelsFile';

/** Image id (path relative to data.root, forward slashes) → true label. Throws ConfigError naming file and line. */
export async function readLabelsFile(file: string, options: LabelsFileOptions): Promise<Map<string, number>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'is a directory' : (err as Error).message;
    throw new ConfigError([{ ...(options.blame ?? { file }), path: FIELD, message: `cannot read the labels file ${file}: ${reason} (expected ${LABELS_FILE_FORMAT})` }]);
  }
  return parseLabelsFile(text, file, options);
}

/** As readLabelsFile, from text already in memory (`file` names it in messages). */
export function parseLabelsFile(text: string, file: string, options: Pick<LabelsFileOptions, 'classes' | 'unlabelledDir'>): Map<string, number> {
  const byName = new Map(Object.entries(options.classes));
  const indices = new Set(byName.values());
  const allowed = [...byName.keys(), ...[...indices].sort((a, b) => a - b).map(String)].join(', ');
  const dir = options.unlabelledDir.replace(/\\/g, '/').replace(/\/+$/, '');
  const labels = new Map<string, number>();
  const lineOf = new Map<string, number>();
  const issues: ConfigIssue[] = [];
  const issue = (line: number, message: string): void => void issues.push({ file, line, column: 1, path: FIELD, message });

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const headerLine = lines.findIndex((l) => l.trim() !== '') + 1;
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const fields = splitCsvLine(raw);
    if (fields === null || fields.length !== 2) {
      issue(line, `expected 2 fields "filename,label", got ${JSON.stringify(raw)}`);
      return;
    }
    const [name, labelText] = fields.map((f) => f.trim()) as [string, string];
    if (line === headerLine && name.toLowerCase() === 'filename' && labelText.toLowerCase() === 'label') return;
    const label = byName.get(labelText) ?? (/^\d+$/.test(labelText) && indices.has(Number(labelText)) ? Number(labelText) : undefined);
    if (name === '') issue(line, `empty filename in ${JSON.stringify(raw)}; expected "filename,label"`);
    else if (label === undefined) issue(line, `label ${JSON.stringify(labelText)} is not a class; expected one of ${allowed}`);
    else {
      const relative = name.replace(/\\/g, '/').replace(/^\.\//, '');
      const id = relative.startsWith(`${dir}/`) ? relative : `${dir}/${relative}`;
      const first = lineOf.get(id);
      if (first !== undefined) issue(line, `${JSON.stringify(name)} is listed again (first on line ${first}); one row per image`);
      else {
        labels.set(id, label);
        lineOf.set(id, line);
      }
    }
  });
  if (issues.length) throw new ConfigError(issues);
  return labels;
}

/** Fields of one CSV line (RFC 4180 quotes, "" inside quotes); null on an unterminated quote. */
function splitCsvLine(line: string): string[] | null {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        if (i >= line.length) return null;
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += line[i++];
      }
      // Only spaces may follow the closing quote before the separator.
      while (line[i] === ' ') i++;
      if (i < line.length && line[i] !== ',') return null;
    } else {
      const next = line.indexOf(',', i);
      field = next < 0 ? line.slice(i) : line.slice(i, next);
      i = next < 0 ? line.length : next;
    }
    fields.push(field);
    if (i >= line.length) return fields;
    i++; // the comma
  }
}
