// A Comparison laid out as tables of display cells: the one layout that both the terminal text and
// the HTML page render, so the two never disagree.

import { MISSING, runLabel, type Comparison, type StageShareRow } from './compare.js';
import { displayPath, formatDate, formatDuration, formatNumberRow } from './format.js';
import type { Align } from './text-table.js';

export interface Cell {
  text: string;
  /** The best value of its row. */
  best?: boolean;
}

export interface TableView {
  title: string;
  headers: string[];
  align: Align[];
  rows: Cell[][];
  /** Shown under the table (or instead of it when it has no rows). */
  notes: string[];
}

export interface LegendEntry {
  label: string;
  path: string;
  name: string;
  date: string;
  status: string;
}

export interface HeadlineLine {
  stage: string;
  label: string;
  text: string;
}

export interface CompareView {
  legend: LegendEntry[];
  metrics: TableView;
  headlines: HeadlineLine[];
  config: TableView;
  stages: TableView;
  provenance: TableView;
}

const LOWER_IS_BETTER = 'ece, brier, nll, loss';

function metricsTable(c: Comparison): TableView {
  const labels = c.runs.map((r) => r.label);
  // Bookkeeping values (counts, thresholds, interval bounds) are shown only where the runs differ.
  const shown = c.metrics.filter((m) => m.direction !== 'none' || new Set(formatNumberRow(m.values)).size > 1);
  const hidden = c.metrics.length - shown.length;
  const notes = [
    `* = best value in its row; "better" says which way: higher, or lower for ${LOWER_IS_BETTER} (and false positives/negatives). Rows without a direction are never marked, nor rows where all runs tie.`,
  ];
  if (hidden) notes.push(`${hidden} bookkeeping value(s) equal in every run (counts, thresholds, interval bounds) not shown; --json lists all.`);
  if (!c.metrics.length) notes.splice(0, notes.length, 'no metrics recorded in these runs (neither in summary.json nor in <stage>-<output>.json files).');
  return {
    title: 'Metrics',
    headers: ['metric', 'better', ...labels],
    align: ['left', 'left', ...labels.map((): Align => 'right')],
    rows: shown.map((m) => [
      { text: m.key },
      { text: m.direction === 'none' ? '' : m.direction },
      ...formatNumberRow(m.values).map((text, i) => ({ text, ...(m.best.includes(i) ? { best: true } : {}) })),
    ]),
    notes,
  };
}

function configTable(c: Comparison): TableView {
  const labels = c.runs.map((r) => r.label);
  const notes: string[] = [];
  if (!c.configDiff.length) notes.push('no differences: the resolved configs are identical.');
  else notes.push(`${c.configDiff.length} key(s) differ; keys equal in every run are not shown. ${MISSING} = absent in that run.`);
  if (c.configMissing.length) notes.push(`no config.resolved.yaml in ${c.configMissing.join(', ')}: left out of this table.`);
  return {
    title: 'Config differences',
    headers: ['key', ...labels],
    align: ['left', ...labels.map((): Align => 'left')],
    rows: c.configDiff.map((d) => [{ text: d.path }, ...d.values.map((v) => ({ text: v }))]),
    notes,
  };
}

function sharedText(row: StageShareRow): string {
  if (row.shared === 'all') return 'all: same cache entry';
  if (row.shared === 'none') return 'none';
  return row.groups.filter((g) => g.length > 1).map((g) => g.map(runLabel).join('=')).join(', ');
}

function stagesTable(c: Comparison): TableView {
  const labels = c.runs.map((r) => r.label);
  return {
    title: 'Stages and cache',
    headers: ['stage', ...labels, 'shared'],
    align: ['left', ...labels.map((): Align => 'left'), 'left'],
    rows: c.sharedStages.map((row) => [
      { text: row.stage },
      ...row.runs.map((s) => ({
        text: s ? `${s.status}${s.key ? ` ${s.key.slice(0, 8)}` : ''}${s.durationMs !== undefined && s.status === 'ran' ? ` ${formatDuration(s.durationMs)}` : ''}` : MISSING,
      })),
      { text: sharedText(row) },
    ]),
    notes: ['Each cell: status, cache key (first 8 hex), time spent. "shared": runs whose stage has the same cache key, i.e. used the very same cached outputs.'],
  };
}

function provenanceTable(c: Comparison): TableView {
  const labels = c.runs.map((r) => r.label);
  const notes: string[] = [];
  if (c.provenanceMissing.length === c.runs.length) notes.push('no provenance recorded (older run format): git commit, backend, node unknown.');
  else if (!c.provenanceDiff.length) notes.push('same provenance (git commit, backend, node, packages, inputs).');
  else if (c.provenanceMissing.length) notes.push(`${c.provenanceMissing.join(', ')}: no provenance recorded (older run format), shown as ${MISSING}.`);
  return {
    title: 'Provenance differences',
    headers: ['field', ...labels],
    align: ['left', ...labels.map((): Align => 'left')],
    rows: c.provenanceDiff.map((d) => [{ text: d.field }, ...d.values.map((v) => ({ text: v }))]),
    notes,
  };
}

export function buildCompareView(c: Comparison, cwd = process.cwd()): CompareView {
  return {
    legend: c.runs.map((r) => ({ label: r.label, path: displayPath(r.dir, cwd), name: r.name, date: formatDate(r.startedAt), status: r.status })),
    metrics: metricsTable(c),
    headlines: c.headlines.flatMap((h) => h.values.flatMap((v, i) => (v ? v.map((text) => ({ stage: h.stage, label: runLabel(i), text })) : []))),
    config: configTable(c),
    stages: stagesTable(c),
    provenance: provenanceTable(c),
  };
}
