// The run report: one self-contained HTML file (inline CSS, figures as data: URIs, no script, no
// network) built from a run folder alone. A partial or failed run folder renders too — what is
// missing says "not available".

import { artifactsSection } from './artifacts-section.js';
import { datasetSection } from './dataset-section.js';
import { figuresSection } from './figures-section.js';
import { headerSection } from './header-section.js';
import { esc } from './html.js';
import { metricsSection } from './metrics-section.js';
import { readRunFolder } from './read-run-folder.js';
import { REPORT_CSS } from './report-style.js';
import { stagesSection } from './stages-section.js';

const NAV: [string, string][] = [
  ['stages', 'Stages'],
  ['dataset', 'Dataset'],
  ['metrics', 'Metrics'],
  ['figures', 'Figures'],
  ['files', 'Files'],
];

export async function renderReport(runDir: string): Promise<string> {
  const data = await readRunFolder(runDir);
  const name = data.summary.ok ? (data.summary.value.name ?? 'run') : 'run';
  const status = data.summary.ok ? data.summary.value.status : null;
  const title = `${name}${status ? ` — ${status}` : ''} · neuro-ssl run report`;
  const nav = `<nav class="toc"><ul>${NAV.map(([id, label]) => `<li><a href="#${id}">${label}</a></li>`).join('')}</ul></nav>`;
  const body = [headerSection(data), stagesSection(data), datasetSection(data), metricsSection(data), figuresSection(data), artifactsSection(data)];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="neuro-ssl runner report">
<title>${esc(title)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${nav}
<main>
${body.join('\n')}
<footer>neuro-ssl run report · generated from <code>${esc(data.dir)}</code></footer>
</main>
</body>
</html>
`;
}
