// A Metrics artifact's confusion matrix: rows are the true class, columns the predicted one, classes
// in label order (0 = negative first), as the stages build it ([[tn, fp], [fn, tp]]).

import { esc } from './html.js';
import { asNumber, asObject, type JsonObject } from './json-reader.js';

/** Class names by label from a model's meta.json `classes` ({ Cancer: 1, Normal: 0 }). */
export function classNamesByLabel(meta: JsonObject | undefined): string[] {
  const names: string[] = [];
  for (const [name, label] of Object.entries(asObject(meta?.classes) ?? {})) {
    const l = asNumber(label);
    if (l !== null && Number.isInteger(l) && l >= 0 && l < 1000) names[l] = name;
  }
  return names;
}

export function confusionTable(matrix: readonly (readonly number[])[], classNames: readonly string[]): string {
  const name = (i: number): string => esc(classNames[i] ?? `class ${i}`);
  const cols = matrix[0]?.length ?? 0;
  const head = `<tr><th>true \\ predicted</th>${Array.from({ length: cols }, (_, j) => `<th class="num">${name(j)}</th>`).join('')}</tr>`;
  const body = matrix
    .map((row, i) => `<tr><th>${name(i)}</th>${row.map((v, j) => `<td class="num${i === j ? ' diag' : ''}">${esc(v)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table class="confusion"><caption>Confusion matrix (validation)</caption><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
}
