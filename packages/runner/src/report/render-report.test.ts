import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { GIT_COMMIT, INPUTS_SHA, SSL_METRICS, chartSvg, makeRunFolder, writeFigure } from './__fixtures__/run-folder-fixture.js';
import { renderReport } from './render-report.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'report-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** The HTML without inlined images, and the text between two markers (a section). */
const strip = (html: string): string => html.replace(/base64,[A-Za-z0-9+/=]+/g, 'base64,…');
function between(html: string, start: string, end: string): string {
  const from = html.indexOf(start);
  expect(from, `marker ${start}`).toBeGreaterThanOrEqual(0);
  const to = html.indexOf(end, from + start.length);
  return html.slice(from, to < 0 ? undefined : to);
}
/** Cells of the table row whose first cell is `label` (tags removed). */
function row(html: string, label: string): string[] {
  const rows = [...html.matchAll(/<tr>(.*?)<\/tr>/gs)].map((m) => [...(m[1] ?? '').matchAll(/<t[dh][^>]*>(.*?)<\/t[dh]>/gs)].map((c) => (c[1] ?? '').replace(/<[^>]+>/g, '').trim()));
  const found = rows.find((r) => r[0] === label);
  expect(found, `row ${label}`).toBeDefined();
  return found ?? [];
}

describe('renderReport, new run folder format', () => {
  it('shows the header: status, times, seed, backend, versions, commit, CPU, inputs and the YAML', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    const html = strip(await renderReport(dir));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h1>exp02-mobilenet <span class="badge ok status">ok</span></h1>');
    const facts = between(html, '<dl class="facts">', '</dl>');
    expect(facts).toContain('<dt>Started</dt><dd>2026-12-04 18:20:11 UTC</dd>');
    expect(facts).toContain('<dt>Finished</dt><dd>2026-12-04 18:22:28 UTC</dd>');
    expect(facts).toContain('<dt>Duration</dt><dd>2m 17s</dd>');
    expect(facts).toContain('<dt>Seed</dt><dd>42</dd>');
    expect(facts).toContain('<dt>Backend</dt><dd>auto → wasm</dd>');
    expect(facts).toContain('<dt>Node</dt><dd>v20.20.2</dd>');
    expect(facts).toContain('<code>@neuro-ssl/core@0.1.0</code>');
    expect(facts).toContain(`<code title="${GIT_COMMIT}">${GIT_COMMIT.slice(0, 12)}</code> <span class="badge warn">dirty</span>`);
    expect(facts).toContain('<dt>CPU</dt><dd>Test CPU @ 2.0GHz, 2 cores</dd>');
    expect(facts).toContain(`1506 files <code title="${INPUTS_SHA}">sha256 ${INPUTS_SHA.slice(0, 12)}</code>`);
    expect(between(html, '<pre class="yaml">', '</pre>')).toContain('name: exp02-mobilenet\nseed: 42');
    // A run that went well has no error box and no log tail.
    expect(html).not.toContain('role="alert"');
    expect(html).not.toContain('run.log</code></summary>');
  });

  it('lists the stages with plugin@version, status, durations, headlines and short keys', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    const html = await renderReport(dir);
    const stages = between(html, '<section id="stages">', '</section>');
    expect(row(stages, 'extract')).toEqual(['extract', '@neuro-ssl/stage-extract@0.1.0', 'cache hit', '12msran in 33.1s', '—', '25fe2d4eaf9e']);
    const train = row(stages, 'train');
    expect(train.slice(0, 4)).toEqual(['train', '@neuro-ssl/stage-train@0.1.0', 'ran', '46.6s']);
    expect(train[4]).toContain('cross-validation (2×5) F2 0.939 [0.912, 0.961]');
    expect(row(stages, 'ssl')[4]).toContain('verdict: SSL did not beat the supervised baseline');
    expect(stages).toContain('title="41739a8e45a5b01aa601a269df442cd4">41739a8e45a5</code>');
  });

  it('summarises the dataset: counts per split and class, bad files, near-duplicates spanning splits and classes', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    const dataset = between(await renderReport(dir), '<section id="dataset">', '</section>');
    expect(row(dataset, 'labelled')).toEqual(['labelled', 'Cancer (label 1)', '50']);
    expect(row(dataset, 'unlabelled')).toEqual(['unlabelled', '—', '1406']);
    expect(row(dataset, 'readable images')).toEqual(['readable images', '', '1506']);
    expect(row(dataset, 'sans_label/empty.jpg')).toEqual(['sans_label/empty.jpg', 'unlabelled', 'empty', '0 bytes']);
    expect(dataset).toContain('Bad files: <strong>2</strong>');
    expect(dataset).toContain('Near-duplicate groups (pHash distance ≤ 8): <strong>3</strong>, covering 7 images (largest 3)');
    const splits = between(dataset, 'Groups spanning labelled and unlabelled images', '</details>');
    expect(splits).toContain('<strong>1</strong>');
    expect(splits).toContain('<code>sans_label/leak-copy.jpg</code>');
    expect(splits).not.toContain('conflict.jpg');
    const classes = between(dataset, 'Groups spanning classes', '</details>');
    expect(classes).toContain('<code>avec_labels/Normal/conflict.jpg</code>');
    expect(classes).not.toContain('leak');
  });

  it('renders train validation and cross-validation metrics with 95% intervals', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    const metrics = between(await renderReport(dir), '<section id="metrics">', '</section>');
    const train = between(metrics, '<h3>train', '<article');
    const validation = between(train, 'Validation (20 images)', '</table>');
    expect(row(validation, 'F2')).toEqual(['F2', '1.000', '[1.000, 1.000]']);
    expect(row(validation, 'ECE')).toEqual(['ECE', '0.093', '[0.040, 0.154]']);
    const cv = between(train, 'Cross-validation (2×5 folds)', '</table>');
    expect(row(cv, 'F2')).toEqual(['F2', '0.939', '[0.912, 0.961]']);
    expect(row(cv, 'ROC-AUC')).toEqual(['ROC-AUC', '0.973', '[0.950, 0.992]']);
    expect(row(cv, 'PR-AUC')).toEqual(['PR-AUC', '0.979', '[0.958, 0.994]']);
    expect(train).toContain('Per fold (10 folds)');
    expect(row(train, 'Cancer')).toEqual(['Cancer', '0', '10']);
    expect(row(train, 'temperature')).toEqual(['temperature', '1']);
    expect(train).toContain('4 near-duplicate group(s) kept whole');
    expect(train).not.toContain('is not available');
  });

  it('renders one row per ssl round, the deltas and the verdict; pseudo-label accuracy in benchmark mode', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    const file = path.join(dir, 'ssl-metrics.json');
    const artifact = JSON.parse(await fs.readFile(file, 'utf8')) as typeof SSL_METRICS & { extra: { rounds: Record<string, unknown>[] } };
    artifact.extra.rounds[0]!.benchmark = { checked: 842, correct: 800, accuracy: 800 / 842, precision: [0.9, 0.99], correctByClass: [379, 421], poolAccuracy: 0.93 };
    await fs.writeFile(file, JSON.stringify(artifact));
    const ssl = between(await renderReport(dir), '<h3>ssl', '</article>');
    expect(ssl).toContain('<strong>Verdict:</strong> SSL did not beat the supervised baseline: no round improved validation');
    expect(ssl).toContain('Stopped (patience): round 3: 3 round(s) in a row without improvement (patience 3)');
    const rounds = between(ssl, '<table class="rounds">', '</table>');
    expect(rounds).toContain('<th class="num">Pseudo-labels Normal</th><th class="num">Pseudo-labels Cancer</th>');
    expect(row(rounds, '0')).toEqual(['0', 'baseline', '—', '—', '—', '1.000', '1.000', '1.000', '0.093', 'supervised model final', '—']);
    expect(row(rounds, '1')).toEqual(['1', '0.700', '421', '421 of 683', '922', '1.000', '1.000', '1.000', '0.058', 'rolled back', '95.0% (800/842)Normal 90.0%, Cancer 99.0%']);
    expect(row(rounds, '3')).toEqual(['3', '0.750', '376', '376 of 640', '832', '1.000', '1.000', '1.000', '0.054', 'rolled back', '—']);
    expect(row(ssl, 'F2')).toEqual(['F2', '1.000', '1.000', '+0.000', '[+0.000, +0.000]']);
  });

  it('groups figures by stage, inlines the PNG and links the SVG; lists only artifacts that exist', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    await writeFigure(dir, 'extra-only-svg', chartSvg('svg only', [0.5], '#000'), false);
    const png = await fs.readFile(path.join(dir, 'figures', 'train-loss.png'));
    const html = await renderReport(dir);
    const figures = between(html, '<section id="figures">', '</section>');
    const train = between(figures, '<h3>train</h3>', '<h3>ssl</h3>');
    expect(train).toContain(`<img src="data:image/png;base64,${png.toString('base64')}" alt="Loss per epoch">`);
    expect(train).toContain('<span>Loss per epoch</span><span class="links"><a href="figures/train-loss.svg">SVG</a> · <a href="figures/train-loss.png">PNG</a>');
    expect(train).toContain('ROC curve');
    expect(train).not.toContain('Metrics per round');
    expect(between(figures, '<h3>ssl</h3>', '<h3>')).toContain('Metrics per round');
    // Not in the index: shown under "Other figures", inlined as SVG since there is no PNG.
    expect(between(figures, '<h3>Other figures</h3>', '</section>')).toContain('src="data:image/svg+xml;base64,');

    const files = between(html, '<section id="files">', '</section>');
    for (const f of ['features.parquet', 'pseudo_labels.parquet', 'train-model/meta.json', 'ssl-model/meta.json', 'metrics.jsonl', 'run.log', 'summary.json', 'data-report.json', 'config.resolved.yaml', 'train-metrics.json', 'ssl-metrics.json']) {
      expect(files).toContain(`<a href="${f}">${f}</a>`);
    }
    expect(files).not.toContain('clusters.parquet');
    expect(files).not.toContain('artifacts.json');
  });

  it('is self-contained: no script, stylesheet link or remote URL', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'new' });
    const html = strip(await renderReport(dir));
    expect(html).not.toMatch(/<script|<link|<iframe|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
  });
});

describe('renderReport, older and broken run folders', () => {
  it('reads the old format: "—" for missing provenance, the seed from the YAML, flat figures, values from meta.json', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'old' });
    const html = strip(await renderReport(dir));
    const facts = between(html, '<dl class="facts">', '</dl>');
    expect(facts).toContain('<dt>Finished</dt><dd>2026-12-04 18:22:28 UTC</dd>'); // start + duration
    expect(facts).toContain('<dt>Seed</dt><dd>42</dd>');
    for (const k of ['Backend', 'Node', 'CPU', 'Git commit', 'Input images', 'Packages']) expect(facts).toContain(`<dt>${k}</dt><dd><span class="na">—</span></dd>`);
    expect(row(html, 'train').slice(0, 3)).toEqual(['train', '@neuro-ssl/stage-train', 'ran']);

    const metrics = between(html, '<section id="metrics">', '</section>');
    const train = between(metrics, '<h3>train', '<article');
    expect(train).toContain('train-metrics.json is not available: values from the model&#39;s meta.json');
    expect(row(between(train, 'Validation', '</table>'), 'F2')).toEqual(['F2', '1.000', '—']);
    expect(train).not.toContain('Cross-validation');
    const ssl = between(metrics, '<h3>ssl', '</article>');
    expect(ssl).toContain('rounds from ssl-summary.json');
    expect(row(ssl, '2')).toEqual(['2', '0.725', '401', '401 of 661', '882', '1.000', '1.000', '1.000', '0.056', 'rolled back']);

    const figures = between(html, '<section id="figures">', '</section>');
    expect(figures).not.toContain('<h3>');
    expect(figures.match(/<figure>/g)).toHaveLength(3);
    expect(figures).toContain('<span>train-loss</span>');
  });

  it('shows a failed run: the failed stage and its error up front, the log tail, gaps as "not available"', async () => {
    const dir = path.join(root, 'run');
    await makeRunFolder(dir, { format: 'failed' });
    const html = await renderReport(dir);
    expect(html).toContain('<span class="badge bad status">failed</span>');
    const alert = between(html, '<div class="alert bad" role="alert">', '</div>');
    expect(alert).toContain('<strong>Failed:</strong> stage <code>train</code> (@neuro-ssl/stage-train) failed.');
    expect(alert).toContain('<pre class="error-text">RangeError: learning rate &lt;0&gt; is not allowed</pre>');
    // summary.error repeats the stage's error: shown once.
    expect(alert.match(/learning rate &lt;0&gt;/g)).toHaveLength(1);
    const log = between(html, '<pre class="log">', '</pre>');
    expect(log.split('\n')).toHaveLength(30);
    expect(log).toContain('error stage train failed');
    expect(log).not.toContain('info line 9\n');
    expect(row(html, 'ssl').slice(0, 3)).toEqual(['ssl', '@neuro-ssl/stage-ssl@0.1.0', 'not run']);
    expect(between(html, '<section id="dataset">', '</section>')).toContain('data-report.json: <span class="na">not available</span>');
    expect(between(html, '<section id="figures">', '</section>')).toContain('figures/: <span class="na">not available</span>');
    expect(between(html, '<section id="metrics">', '</section>')).toContain('No Metrics output in this run');
  });

  it('renders an empty folder (a run killed before summary.json) without throwing', async () => {
    const html = await renderReport(root);
    expect(html).toContain('<strong>summary.json not available</strong>');
    expect(html).toContain('config.resolved.yaml: <span class="na">not available</span>');
    expect(between(html, '<section id="stages">', '</section>')).toContain('not available');
  });

  it('escapes < in the experiment name, YAML, headlines, paths and figure names', async () => {
    const dir = path.join(root, 'a<b>&"c');
    await makeRunFolder(dir, { format: 'new', name: '<script>alert(1)</script>', headline: 'F2 <b>bold</b> & more' });
    await writeFigure(dir, 'odd<name>', chartSvg('odd', [0.3], '#000'));
    const html = strip(await renderReport(dir));
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; — ok · neuro-ssl run report</title>');
    expect(html).toContain('<h1>&lt;script&gt;alert(1)&lt;/script&gt; <span');
    expect(between(html, '<pre class="yaml">', '</pre>')).toContain('name: &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<li>F2 &lt;b&gt;bold&lt;/b&gt; &amp; more</li>');
    expect(html).toContain(`Run folder <code>${root}/a&lt;b&gt;&amp;&quot;c</code>`);
    expect(html).toContain('<a href="figures/odd%3Cname%3E.svg">SVG</a>');
    expect(html).toContain('alt="odd&lt;name&gt;"');
  });
});
