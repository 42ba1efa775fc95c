// Relative links to the files a reader opens next (tables for pandas, models, logs, raw JSON); only
// those that exist, so a link never leads nowhere.

import { NOT_AVAILABLE, esc, fileLink, section } from './html.js';
import type { RunFolderData } from './read-run-folder.js';

const DESCRIPTIONS: Record<string, string> = {
  'features.parquet': 'feature vectors, one row per image',
  'clusters.parquet': 'cluster assignments and 2-D embeddings',
  'pseudo_labels.parquet': 'pseudo-labels of every self-training round',
  'metrics.jsonl': 'every logged step, one JSON object per line',
  'run.log': 'the full log',
  'summary.json': 'status, stages, durations, headlines',
  'data-report.json': 'dataset scan: counts, bad files, near-duplicates',
  'config.resolved.yaml': 'the experiment with every default filled',
  'artifacts.json': 'stage outputs → cache entries',
  'figures/index.json': 'figures by stage',
};

function describe(file: string): string {
  if (DESCRIPTIONS[file]) return DESCRIPTIONS[file];
  if (file.endsWith('/meta.json')) return 'model: preprocessing, classes, calibration, metrics';
  if (file.endsWith('-summary.json')) return 'stage summary';
  return 'Metrics output';
}

export function artifactsSection(data: RunFolderData): string {
  if (data.files.length === 0) return section('files', 'Files', `<p>${NOT_AVAILABLE}</p>`);
  const items = data.files.map((f) => `<li>${fileLink(f)} <span class="muted">— ${esc(describe(f))}</span></li>`);
  return section('files', 'Files', `<ul class="files">${items.join('\n')}</ul>`);
}
