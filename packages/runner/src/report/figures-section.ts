// Every figure of the run, inlined (the report is one file that opens anywhere), grouped by the stage
// that made it as figures/index.json says; older run folders have no index, so one flat group.

import { NOT_AVAILABLE, esc, fileLink, section } from './html.js';
import type { FigureView, RunFolderData } from './read-run-folder.js';

function figure(f: FigureView): string {
  const title = f.title ?? f.name;
  const img = f.inline
    ? `<img src="data:${f.inline.mime};base64,${f.inline.data.toString('base64')}" alt="${esc(title)}">`
    : `<p class="na">image file not available</p>`;
  const links = [f.svg ? fileLink(f.svg, 'SVG') : '', f.png ? fileLink(f.png, 'PNG') : ''].filter(Boolean).join(' · ');
  return `<figure>${img}<figcaption><span>${esc(title)}</span><span class="links">${links}</span></figcaption></figure>`;
}

function group(title: string | null, figures: readonly FigureView[]): string {
  const heading = title === null ? '' : `<h3>${esc(title)}</h3>`;
  return `${heading}<div class="figures">${figures.map(figure).join('\n')}</div>`;
}

export function figuresSection(data: RunFolderData): string {
  if (data.figures.length === 0) return section('figures', 'Figures', `<p>figures/: ${NOT_AVAILABLE}</p>`);
  if (!data.figuresIndexed) return section('figures', 'Figures', group(null, data.figures));
  // Stages in plan order, then any stage the summary does not name, then unindexed files.
  const order = data.summary.ok ? data.summary.value.stages.map((s) => s.id) : [];
  for (const f of data.figures) if (f.stage !== null && !order.includes(f.stage)) order.push(f.stage);
  const groups = order.map((stage) => [stage, data.figures.filter((f) => f.stage === stage)] as const).filter(([, fs]) => fs.length > 0);
  const other = data.figures.filter((f) => f.stage === null);
  const body = [...groups.map(([stage, fs]) => group(stage, fs)), ...(other.length > 0 ? [group('Other figures', other)] : [])];
  return section('figures', 'Figures', body.join('\n'));
}
