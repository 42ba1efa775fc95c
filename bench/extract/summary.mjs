// The summary of an extract-engines record (bench/extract/run.mjs): medians per model and engine, the
// ratios issue 14's targets name, and the Markdown table. Pure functions of the record, so that a saved
// results file can be summarised again (`run.mjs --table FILE`).

/** Issue 14: "Extract on the fastest engine present ≥ 1.2× PyTorch CPU's images/s on ResNet18 and ≥ 3× on MobileNetV2-0.35, same run, same thread count." */
export const TARGETS = [
  { model: 'resnet18', atLeast: 1.2 },
  { model: 'mobilenet_v2', atLeast: 3 },
];

/** Column order: ONNX Runtime, TF.js, PyTorch; then anything else the record has. */
const ORDER = ['onnx1', 'onnx2', 'wasm', 'webgpu', 'torch1', 'torch2'];
const engineIds = (info) => [...ORDER.filter((e) => info[e]), ...Object.keys(info).filter((e) => !ORDER.includes(e))];

const r4 = (x) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(4)) : null);

export function median(xs) {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Our engines (not PyTorch) that run on exactly `threads` CPU threads; a software webgpu adapter has no thread count and is left out. */
const oursAt = (engines, info, threads) => engines.filter((e) => !e.startsWith('torch') && info[e].threads === threads);

/**
 * Medians and ratios per model. `fastest<t>OverTorch<t>` is the ratio of medians (the table's);
 * `paired…` is the median over rounds of the same ratio within each round, which cancels load that
 * changes between rounds.
 */
export function summarise(record) {
  const info = record.engines;
  const engines = engineIds(info);
  const medians = record.settings.models.map((model) => {
    const rows = record.rounds.filter((r) => r.model === model);
    const ips = (row, e) => row.results[e]?.imagesPerSecond;
    const m = { model };
    for (const e of engines) m[e] = r4(median(rows.map((r) => ips(r, e))));
    for (const t of [1, 2]) {
      const ours = oursAt(engines, info, t);
      const best = ours.filter((e) => m[e]).sort((a, b) => m[b] - m[a])[0] ?? null;
      m[`fastest${t}`] = best;
      m[`fastest${t}OverTorch${t}`] = best && m[`torch${t}`] ? r4(m[best] / m[`torch${t}`]) : null;
      m[`paired${t}`] = r4(median(rows.map((r) => Math.max(0, ...ours.map((e) => ips(r, e) ?? 0)) / (ips(r, `torch${t}`) ?? NaN))));
    }
    m.onnx1OverTorch1 = m.onnx1 && m.torch1 ? r4(m.onnx1 / m.torch1) : null;
    m.onnx2OverTorch2 = m.onnx2 && m.torch2 ? r4(m.onnx2 / m.torch2) : null;
    m.onnx1OverWasm = m.onnx1 && m.wasm ? r4(m.onnx1 / m.wasm) : null;
    // Within a 2-thread budget either side may run 1 thread (faster when other processes hold a core).
    const ours = Math.max(0, ...[...oursAt(engines, info, 1), ...oursAt(engines, info, 2)].map((e) => m[e] ?? 0));
    const theirs = Math.max(0, m.torch1 ?? 0, m.torch2 ?? 0);
    m.bestOursOverBestTorch = ours && theirs ? r4(ours / theirs) : null;
    return m;
  });
  const targets = TARGETS.flatMap(({ model, atLeast }) => {
    const m = medians.find((x) => x.model === model);
    if (!m) return [];
    return [1, 2].map((t) => {
      const ratio = m[`fastest${t}OverTorch${t}`];
      return { model, threads: t, engine: m[`fastest${t}`], ratio, pairedRatio: m[`paired${t}`], atLeast, met: ratio === null ? null : ratio >= atLeast };
    });
  });
  return { medians, targets };
}

const WIDTHS = { mobilenet_v2: 0.35 };

/** The Markdown table, footnotes and target lines (`record` with `medians` and `targets` filled in). */
export function formatSummary(record) {
  const info = record.engines;
  const engines = engineIds(info);
  const f = (x) => (x === null || x === undefined ? '—' : x.toPrecision(3));
  const ratio = (x) => (x === null || x === undefined ? '—' : `${x.toFixed(2)}×`);
  const software = info.webgpu?.software === true;
  const header = ['model', ...engines.map((e) => `${info[e].label}${e === 'webgpu' && software ? '¹' : ''}`), 'ORT/PyTorch 1 thr', 'ORT/PyTorch 2 thr', 'ORT 1 thr / wasm'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const m of record.medians) {
    const name = `${m.model}${WIDTHS[m.model] ? ` (α ${WIDTHS[m.model]})` : ''}`;
    lines.push(`| ${name} | ${engines.map((e) => f(m[e])).join(' | ')} | ${ratio(m.onnx1OverTorch1)} | ${ratio(m.onnx2OverTorch2)} | ${ratio(m.onnx1OverWasm)} |`);
  }
  const s = record.settings;
  const load = record.rounds.flatMap((r) => [r.loadBefore, r.loadAfter]).filter((x) => typeof x === 'number');
  lines.push(
    '',
    `images/s, median of ${s.rounds} interleaved round${s.rounds === 1 ? '' : 's'} (batch ${s.batch}, ${s.size}×${s.size}, ${s.iters} timed pass${s.iters === 1 ? '' : 'es'} each, median pass); ` +
      `1-minute load average ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)} during the rounds on ${record.machine.cpus} CPUs.`,
  );
  if (software) lines.push(`¹ ${info.webgpu.adapter}: ${info.webgpu.note} (${s.webgpuRounds} round${s.webgpuRounds === 1 ? '' : 's'}, ${s.webgpuIters} timed pass${s.webgpuIters === 1 ? '' : 'es'}).`);
  for (const [e, why] of Object.entries(record.skipped ?? {})) lines.push(`${e} skipped: ${why}`);
  if (record.parity?.length) {
    lines.push('', 'Parity against wasm (max |a − b| / max |b|): ' + record.parity.map((p) => `${p.model} ${Object.entries(p).filter(([k]) => k !== 'model').map(([k, v]) => `${k} ${v === null ? '—' : v.toExponential(1)}`).join(', ')}`).join('; '));
  }
  lines.push('', 'Targets (fastest of our engines at t threads / PyTorch at t threads; paired = median of the per-round ratios):');
  for (const t of record.targets) {
    const verdict = t.met === null ? 'not measured' : t.met ? 'met' : 'NOT met';
    lines.push(`- ${t.model}, ${t.threads} thread${t.threads > 1 ? 's' : ''}: ${t.engine ?? '—'} ${ratio(t.ratio)} (paired ${ratio(t.pairedRatio)}; target ≥ ${t.atLeast}×): ${verdict}`);
  }
  lines.push('', 'Best of our engines at ≤ 2 threads / best PyTorch at ≤ 2 threads: ' + record.medians.map((m) => `${m.model} ${ratio(m.bestOursOverBestTorch)}`).join(', '));
  return lines.join('\n');
}
