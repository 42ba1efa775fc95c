import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@neuro-ssl/core';
import { hammingDistance, computeImageHashes, scanDataset } from '@neuro-ssl/core/data';
import { readLabelsFile } from '../config/labels-file.js';
import { loadExperiment } from '../config/load-experiment.js';
import { buildPlan } from '../plan.js';
import { buildBr35hZip, EXPECTED, WRAPPER, type FixtureArchive } from './__fixtures__/br35h-zip.js';
import { dataFetchCommand, type DataFetchOptions } from './data-fetch-command.js';
import { LABEL_FREE_NAME } from './label-free-names.js';

const ARCHIVE_PATH = '/AhmedHamada0/Brain-Tumor-Detection-Dataset/archive/HEAD.zip';

let fixture: FixtureArchive;
let server: http.Server;
let base: string;
let hits = 0;
let tmp: string;

beforeAll(async () => {
  fixture = await buildBr35hZip();
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'data-fetch-'));
  server = http.createServer((req, res) => {
    hits++;
    if (req.url === ARCHIVE_PATH) {
      // GitHub answers archive URLs with a redirect to codeload.
      res.writeHead(302, { location: '/codeload/zip/HEAD' });
      res.end();
    } else if (req.url === '/codeload/zip/HEAD') {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(fixture.zip.length) });
      res.end(fixture.zip);
    } else if (req.url === '/page.zip') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body>Sign in to download</body></html>');
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
  await fs.rm(tmp, { recursive: true, force: true });
});

interface Fetched {
  code: number;
  output: string;
  cwd: string;
  out: string;
}

/** Runs the command in a fresh folder; `out` is relative to it. */
async function fetchInto(options: Partial<DataFetchOptions> = {}, cwd?: string): Promise<Fetched> {
  const dir = cwd ?? (await fs.mkdtemp(path.join(tmp, 'run-')));
  let output = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const code = await dataFetchCommand({
    dataset: 'br35h',
    out: 'data/br35h',
    labelledPerClass: 3,
    seed: 42,
    url: `${base}${ARCHIVE_PATH}`,
    stream,
    cwd: dir,
    ...options,
  });
  return { code, output, cwd: dir, out: path.join(dir, options.out ?? 'data/br35h') };
}

async function listing(dir: string): Promise<Record<string, string[]>> {
  const folders = ['avec_labels/Cancer', 'avec_labels/Normal', 'sans_label'];
  return Object.fromEntries(await Promise.all(folders.map(async (f) => [f, (await fs.readdir(path.join(dir, f))).sort()] as const)));
}

const stem = (name: string): string => name.replace(/\.[a-z]+$/, '');
const folderOf = (entry: string): string => entry.split('/')[1] ?? '';

describe('runner data fetch br35h (loopback server with a Br35H-shaped zip)', () => {
  let first: Fetched;

  beforeAll(async () => {
    first = await fetchInto();
  });

  it('writes the reference layout, the labels CSV, the README and the experiment, nothing else', async () => {
    expect(first.output).not.toMatch(/runner data fetch:/);
    expect(first.code).toBe(0);
    expect((await fs.readdir(first.out)).sort()).toEqual(['README.txt', 'avec_labels', 'br35h-quickstart.yaml', 'sans_label', 'sans_label_labels.csv']);
    expect((await fs.readdir(path.join(first.out, 'avec_labels'))).sort()).toEqual(['Cancer', 'Normal']);
    // No staging folder left beside --out.
    expect(await fs.readdir(path.dirname(first.out))).toEqual(['br35h']);
  });

  it('counts: labelled per class as asked, every other distinct image in sans_label', async () => {
    const l = await listing(first.out);
    expect(l['avec_labels/Cancer']).toHaveLength(3);
    expect(l['avec_labels/Normal']).toHaveLength(3);
    expect(l['sans_label']).toHaveLength(EXPECTED.distinct - 6);
    expect(first.output).toContain(`wrote data/br35h: avec_labels/Cancer 3, avec_labels/Normal 3, sans_label ${EXPECTED.distinct - 6}`);
    expect(first.output).toContain('archive: 11 in yes/, 10 in no/, 3 in pred/ → 22 distinct images');
  });

  it('files keep their bytes, come from the right folder, and their names carry no class', async () => {
    const l = await listing(first.out);
    const expectedFolder: Record<string, string> = { 'avec_labels/Cancer': 'yes', 'avec_labels/Normal': 'no' };
    for (const [folder, names] of Object.entries(l)) {
      for (const name of names) {
        expect(name).toMatch(LABEL_FREE_NAME);
        expect(name).not.toMatch(/^(y|no|pred)\d/);
        const bytes = await fs.readFile(path.join(first.out, folder, name));
        const digest = createHash('md5').update(bytes).digest('hex').slice(0, 16);
        expect(stem(name)).toBe(digest);
        const sources = fixture.sources.get(digest);
        expect(sources, `${folder}/${name} is an image of the archive`).toBeDefined();
        if (expectedFolder[folder]) expect(sources!.map(folderOf)).toEqual(sources!.map(() => expectedFolder[folder]));
      }
    }
    // The PNG named no8.jpg keeps PNG bytes and gets the .png extension.
    const all = Object.values(l).flat();
    expect(all).toContain(`${fixture.stems.no8png}.png`);
    // The byte-identical copy (no4 / no9) is one file.
    expect(new Set(all.map(stem)).size).toBe(all.length);
  });

  it('near-duplicates stay on one side; a group touching pred/ is never labelled', async () => {
    const l = await listing(first.out);
    const side = (s: string): string => Object.entries(l).find(([, names]) => names.some((n) => stem(n) === s))?.[0] ?? 'missing';
    expect(side(fixture.stems.y3)).toBe('sans_label');
    expect(side(fixture.stems.pred1)).toBe('sans_label');
    const y8 = side(fixture.stems.y8);
    expect(y8 === 'sans_label' || y8 === 'avec_labels/Cancer').toBe(true);
    expect(side(fixture.stems.y9)).toBe(y8);
    // The fixture really has these near-duplicates (pHash within the scan's default 8 bits).
    const files = Object.entries(l).flatMap(([f, names]) => names.map((n) => path.join(first.out, f, n)));
    const hashOf = async (s: string): Promise<string> => (await computeImageHashes(files.find((f) => path.basename(f).startsWith(s))!)).phash;
    expect(hammingDistance(await hashOf(fixture.stems.y8), await hashOf(fixture.stems.y9))).toBeLessThanOrEqual(8);
    expect(hammingDistance(await hashOf(fixture.stems.y3), await hashOf(fixture.stems.pred1))).toBeLessThanOrEqual(8);
  });

  it('the labels CSV holds the true class of every sans_label image with one, and nothing for pred/', async () => {
    const csv = await fs.readFile(path.join(first.out, 'sans_label_labels.csv'), 'utf8');
    expect(csv.split('\n')[0]).toBe('filename,label');
    const truth = await readLabelsFile(path.join(first.out, 'sans_label_labels.csv'), { classes: { Cancer: 1, Normal: 0 }, unlabelledDir: 'sans_label' });
    const pool = (await listing(first.out))['sans_label']!;
    let withoutRow = 0;
    for (const name of pool) {
      const folders = new Set(fixture.sources.get(stem(name))!.map(folderOf));
      const label = truth.get(`sans_label/${name}`);
      if (folders.has('yes')) expect(label, name).toBe(1);
      else if (folders.has('no')) expect(label, name).toBe(0);
      else {
        expect(label, `${name} comes from pred/ only`).toBeUndefined();
        withoutRow++;
      }
    }
    expect(withoutRow).toBe(EXPECTED.pred); // pred1 is a re-saved y3: other bytes, no known class of its own
    expect(truth.size).toBe(pool.length - withoutRow);
  });

  it('the experiment loads with core, points at --out and the CSV, uses ImageNet MobileNetV2-0.35, and its plugins accept it', async () => {
    const file = path.join(first.out, 'br35h-quickstart.yaml');
    const { config, source } = await loadExperiment(file);
    expect(config.data.root).toBe(first.out);
    expect(config.data.unlabelled?.labelsFile).toBe(path.join(first.out, 'sans_label_labels.csv'));
    expect(config.data.labelled.classes).toEqual({ Cancer: 1, Normal: 0 });
    expect(config.runtime.runsDir).toBe(path.join(first.cwd, 'runs'));
    expect(config.runtime.cacheDir).toBe(path.join(first.cwd, '.neuro-ssl', 'cache'));
    const extract = config.stages.find((s) => s.id === 'extract');
    expect(extract?.with).toEqual({ backbone: 'mobilenet_v2', width: 0.35, weights: 'imagenet' });
    expect(config.stages.map((s) => s.id)).toEqual(['extract', 'cluster', 'train', 'ssl']);
    await buildPlan(config, file, source); // throws ConfigError if a stage's `with:` does not fit its plugin
  });

  it("the runner's own scan of the result finds no near-duplicate group across avec_labels and sans_label", async () => {
    const { config } = await loadExperiment(path.join(first.out, 'br35h-quickstart.yaml'));
    const index = await scanDataset(config.data, { logger: silentLogger });
    expect(index.badFiles).toEqual([]);
    expect(index.images).toHaveLength(EXPECTED.distinct);
    expect(index.duplicateGroups.length).toBeGreaterThanOrEqual(2);
    expect(index.duplicateGroups.filter((g) => g.spansSplits)).toEqual([]);
  });

  it('writes the attribution: dataset, author, source repository, licence, archive checksum', async () => {
    const readme = await fs.readFile(path.join(first.out, 'README.txt'), 'utf8');
    expect(readme).toContain('Br35H :: Brain Tumor Detection 2020');
    expect(readme).toContain('Ahmed Hamada');
    expect(readme).toContain('https://github.com/AhmedHamada0/Brain-Tumor-Detection-Dataset');
    expect(readme).toMatch(/Licence +No licence is stated in the source repository/);
    expect(readme).toContain(`sha256 ${createHash('sha256').update(fixture.zip).digest('hex')}`);
  });

  it('is deterministic for a seed, and another seed picks other labelled images', async () => {
    const again = await fetchInto();
    expect(await listing(again.out)).toEqual(await listing(first.out));
    for (const file of ['sans_label_labels.csv', 'README.txt', 'br35h-quickstart.yaml']) {
      const a = await fs.readFile(path.join(first.out, file), 'utf8');
      const b = await fs.readFile(path.join(again.out, file), 'utf8');
      // The YAML names its own run folders; everything else is byte-identical.
      expect(b.replaceAll(again.cwd, '<cwd>'), file).toBe(a.replaceAll(first.cwd, '<cwd>'));
    }
    const other = await fetchInto({ seed: 7 });
    expect(other.code).toBe(0);
    expect((await listing(other.out))['avec_labels/Cancer']).not.toEqual((await listing(first.out))['avec_labels/Cancer']);
  });

  it('--unlabelled N keeps N of the pool, and the CSV only those', async () => {
    const r = await fetchInto({ unlabelled: 5 });
    expect(r.code).toBe(0);
    const pool = (await listing(r.out))['sans_label']!;
    expect(pool).toHaveLength(5);
    const csv = (await fs.readFile(path.join(r.out, 'sans_label_labels.csv'), 'utf8')).trim().split('\n').slice(1);
    for (const row of csv) expect(pool).toContain(row.split(',')[0]);
    expect(await fs.readFile(path.join(r.out, 'README.txt'), 'utf8')).toContain(`Left out by --unlabelled 5: ${EXPECTED.distinct - 6 - 5} images.`);
  });
});

describe('runner data fetch br35h: refusals and failures', () => {
  it('refuses a non-empty --out before downloading anything (exit 2) and leaves it as it was', async () => {
    const cwd = await fs.mkdtemp(path.join(tmp, 'full-'));
    await fs.mkdir(path.join(cwd, 'data/br35h'), { recursive: true });
    await fs.writeFile(path.join(cwd, 'data/br35h/mine.txt'), 'keep me');
    hits = 0;
    const r = await fetchInto({}, cwd);
    expect(r.code).toBe(2);
    expect(r.output).toBe('runner data fetch: --out data/br35h is not empty (1 entries: mine.txt): refusing to write into it; choose another --out or empty it\n');
    expect(hits).toBe(0);
    expect(await fs.readdir(path.join(cwd, 'data'))).toEqual(['br35h']);
    expect(await fs.readdir(path.join(cwd, 'data/br35h'))).toEqual(['mine.txt']);
  });

  it('fills an existing empty --out', async () => {
    const cwd = await fs.mkdtemp(path.join(tmp, 'empty-'));
    await fs.mkdir(path.join(cwd, 'data/br35h'), { recursive: true });
    const r = await fetchInto({}, cwd);
    expect(r.code).toBe(0);
    expect(existsSync(path.join(r.out, 'br35h-quickstart.yaml'))).toBe(true);
  });

  it('offline: one line naming the URL, the reason and the manual way (exit 1); nothing left behind', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const url = `http://127.0.0.1:${port}${ARCHIVE_PATH}`;
    const r = await fetchInto({ url });
    expect(r.code).toBe(1);
    const errors = r.output.split('\n').filter((l) => l.startsWith('runner data fetch:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBe(
      `runner data fetch: cannot download ${url} (fetch failed: connect ECONNREFUSED 127.0.0.1:${port}). ` +
        'Without network access, download that zip yourself (or Br35H from https://www.kaggle.com/datasets/ahmedhamada0/brain-tumor-detection) ' +
        'and run: runner data fetch br35h --archive <file.zip> --out data/br35h',
    );
    // Not even the data/ folder it created for --out is left.
    expect(await fs.readdir(r.cwd)).toEqual([]);
  });

  it('an HTTP error names the status (exit 1)', async () => {
    const r = await fetchInto({ url: `${base}/nope.zip` });
    expect(r.code).toBe(1);
    expect(r.output).toContain(`runner data fetch: cannot download ${base}/nope.zip (HTTP 404 Not Found). Without network access`);
    expect(await fs.readdir(r.cwd)).toEqual([]);
  });

  it('a download that is no zip (an HTML page) is named as such, with the manual way (exit 1)', async () => {
    const r = await fetchInto({ url: `${base}/page.zip` });
    expect(r.code).toBe(1);
    expect(r.output).toMatch(
      /runner data fetch: the download from http:\/\/127\.0\.0\.1:\d+\/page\.zip is not a usable zip archive: the file is an HTML page, not a zip archive \(a login, error or "download" page\?\); try again, or download that zip yourself \(or Br35H from https:\/\/www\.kaggle\.com\/datasets\/ahmedhamada0\/brain-tumor-detection\) and run: runner data fetch br35h --archive <file\.zip> --out data\/br35h\n$/,
    );
    expect(await fs.readdir(r.cwd)).toEqual([]);
  });

  it('--archive uses a local zip and never touches the network', async () => {
    const cwd = await fs.mkdtemp(path.join(tmp, 'archive-'));
    await fs.writeFile(path.join(cwd, `${WRAPPER}.zip`), fixture.zip);
    const noNetwork: typeof fetch = () => Promise.reject(new Error('the network was used'));
    const r = await fetchInto({ url: undefined, archive: `${WRAPPER}.zip`, fetchImpl: noNetwork }, cwd);
    expect(r.code).toBe(0);
    expect(r.output).not.toContain('download');
    const l = await listing(r.out);
    expect(l['avec_labels/Cancer']).toHaveLength(3);
    expect(await fs.readFile(path.join(r.out, 'README.txt'), 'utf8')).toContain(`Archive   local file ${WRAPPER}.zip`);
    // The user's zip is theirs: kept.
    expect(existsSync(path.join(cwd, `${WRAPPER}.zip`))).toBe(true);
  });

  it('--archive that does not exist, or --url with --archive: exit 2 before anything', async () => {
    const missing = await fetchInto({ url: undefined, archive: 'nowhere.zip' });
    expect(missing.code).toBe(2);
    expect(missing.output).toBe('runner data fetch: --archive nowhere.zip: no such file\n');
    const both = await fetchInto({ archive: 'x.zip' });
    expect(both.output).toBe('runner data fetch: give --url or --archive, not both\n');
    expect(await fs.readdir(both.cwd)).toEqual([]);
  });

  it('a zip that is not Br35H says what it holds instead (exit 2)', async () => {
    const { zipSync } = await import('fflate');
    const cwd = await fs.mkdtemp(path.join(tmp, 'other-'));
    await fs.writeFile(path.join(cwd, 'other.zip'), zipSync({ 'project-main/images/a.jpg': new Uint8Array([1]), 'project-main/README.md': new Uint8Array([2]) }));
    const r = await fetchInto({ url: undefined, archive: 'other.zip' }, cwd);
    expect(r.code).toBe(2);
    expect(r.output).toContain(
      'other.zip is not Br35H\'s layout: expected images in yes/ (tumour) and no/ (no tumour), at the top of the archive or one folder down; found project-main, project-main/images',
    );
    expect(await fs.readdir(cwd)).toEqual(['other.zip']);
  });

  it('more labelled images than the data allows: exit 2 with the number available', async () => {
    const r = await fetchInto({ labelledPerClass: 10 });
    expect(r.code).toBe(2);
    expect(r.output).toContain(`runner data fetch: cannot label 10 Cancer images: ${EXPECTED.tumourEligible} are eligible (their near-duplicates are all Cancer too); lower --labelled-per-class`);
    expect(await fs.readdir(r.cwd)).toEqual([]);
  });

  it('an unknown dataset suggests the known one (exit 2)', async () => {
    const r = await fetchInto({ dataset: 'br35' });
    expect(r.code).toBe(2);
    expect(r.output).toBe('runner data fetch: unknown dataset "br35" (did you mean "br35h"?); known: br35h\n');
  });

  it('interrupted: exit 130, --out not created', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await fetchInto({ signal: controller.signal });
    expect(r.code).toBe(130);
    expect(r.output).toContain('runner data fetch: interrupted; nothing was written to data/br35h');
    expect(await fs.readdir(r.cwd)).toEqual([]);
  });
});
