// Did self-training beat the supervised baseline? Both models are scored on the same validation images
// (each with its own temperature and threshold), and each difference gets a 95% paired bootstrap
// interval: one resample of the images serves both models, so what they share cancels out.

import type { MetricRecord, Rng } from '@neuro-ssl/core';
import { evaluateBinary, metrics, type BinaryEvaluation } from '@neuro-ssl/core/learn';
import type { LoopState, RoundRecord, Scored } from './ssl-loop.js';

export const VERDICT_METRICS = ['fBeta', 'prAuc', 'rocAuc', 'nll', 'brier', 'ece'] as const;
export type VerdictMetric = (typeof VERDICT_METRICS)[number];

/** Lower is better for these: a negative Δ is a gain. */
export const LOWER_IS_BETTER: ReadonlySet<VerdictMetric> = new Set(['nll', 'brier', 'ece']);

/** "F2", "PR-AUC", "ROC-AUC", "NLL", "Brier", "ECE". */
export function metricName(m: VerdictMetric, beta: number): string {
  return { fBeta: `F${beta}`, prAuc: 'PR-AUC', rocAuc: 'ROC-AUC', nll: 'NLL', brier: 'Brier', ece: 'ECE' }[m];
}

export interface Delta {
  baseline: number | null;
  ssl: number | null;
  /** ssl − baseline on all validation images. */
  delta: number | null;
  low: number | null;
  high: number | null;
}

export interface Verdict {
  /** Some round improved validation under the checkpoint rule and was kept. */
  beat: boolean;
  /** The round the compared model comes from (the kept one, or the best tried when none was kept); 0: none ran. */
  round: number;
  kept: boolean;
  deltas: Record<VerdictMetric, Delta>;
  validationImages: number;
  resamples: number;
  sentence: string;
}

export interface VerdictInput {
  labels: readonly number[];
  baseline: Scored;
  /** The model compared with the baseline and where it comes from. */
  candidate: { round: number; kept: boolean; score: Scored } | null;
  beta: number;
  eceBins: number;
  resamples: number;
  rng: Rng;
}

const evaluate = (labels: ArrayLike<number>, logits: ArrayLike<number>, s: Scored, beta: number, eceBins: number): BinaryEvaluation =>
  evaluateBinary(labels, logits, { threshold: s.threshold, temperature: s.temperature, beta, eceBins });

export function sslVerdict(input: VerdictInput): Verdict {
  const { labels, baseline, candidate, beta, eceBins } = input;
  const n = labels.length;
  const name = (m: VerdictMetric): string => metricName(m, beta);
  const deltas = {} as Record<VerdictMetric, Delta>;
  for (const m of VERDICT_METRICS) {
    const base = baseline.evaluation[m];
    if (!candidate) {
      deltas[m] = { baseline: base, ssl: null, delta: null, low: null, high: null };
      continue;
    }
    const other = candidate.score;
    const value = other.evaluation[m];
    const diff = (idx: Uint32Array): number | null => {
      const y = metrics.take(labels, idx);
      const a = evaluate(y, metrics.take(other.logits, idx), other, beta, eceBins)[m];
      const b = evaluate(y, metrics.take(baseline.logits, idx), baseline, beta, eceBins)[m];
      return a === null || b === null ? null : a - b;
    };
    // The same fork for every metric: the intervals come from the same resamples.
    let interval: { low: number; high: number } | null = null;
    try {
      interval = metrics.bootstrapMetric(n, diff, { resamples: input.resamples, rng: input.rng.fork('verdict-bootstrap') });
    } catch {
      interval = null; // undefined on every resample (one class only)
    }
    deltas[m] = { baseline: base, ssl: value, delta: base === null || value === null ? null : value - base, low: interval?.low ?? null, high: interval?.high ?? null };
  }
  const beat = candidate !== null && candidate.kept;
  const part = (m: VerdictMetric): string => {
    const d = deltas[m];
    return `Δ${name(m)} ${signed(d.delta)}${d.low === null ? '' : ` [${signed(d.low)}, ${signed(d.high)}]`}`;
  };
  const all = VERDICT_METRICS.map(part).join(', ');
  const over = `(95% paired bootstrap over ${n} validation images)`;
  let sentence: string;
  if (!candidate) sentence = `SSL did not beat the supervised baseline: no round was trained.`;
  else if (beat) {
    const f = deltas.fBeta;
    const noise = f.low !== null && f.low <= 0 ? `; the ${name('fBeta')} interval includes 0, so the gain may be noise` : '';
    sentence = `SSL beat the supervised baseline on validation (round ${candidate.round} kept): ${all} ${over}${noise}.`;
  } else {
    sentence = `SSL did not beat the supervised baseline: no round improved validation under the checkpoint rule, so the final model is the baseline; the best round (${candidate.round}) scored ${all} ${over}.`;
  }
  return { beat, round: candidate?.round ?? 0, kept: candidate?.kept ?? false, deltas, validationImages: n, resamples: input.resamples, sentence };
}

/** "+0.041", "−0.020" (a real minus sign), "n/a". */
export function signed(v: number | null): string {
  if (v === null || Number.isNaN(v)) return 'n/a';
  const r = Math.abs(v) < 0.0005 ? 0 : v;
  return `${r < 0 ? '−' : '+'}${Math.abs(r).toFixed(3)}`;
}

/** The model to compare: the kept best round, else the best round tried (by F-beta, then PR-AUC), else none. */
export function verdictCandidate(state: Pick<LoopState, 'best' | 'rounds'>): VerdictInput['candidate'] {
  if (state.best.round > 0) return { round: state.best.round, kept: true, score: state.best.score };
  if (state.rounds.length === 0) return null;
  const key = (r: RoundRecord): [number, number] => [r.score.evaluation.fBeta, r.score.evaluation.prAuc ?? -1];
  const best = state.rounds.reduce((a, b) => {
    const [fa, pa] = key(a);
    const [fb, pb] = key(b);
    return fb > fa || (fb === fa && pb > pa) ? b : a;
  });
  return { round: best.round, kept: false, score: best.score };
}

/** A verdict's deltas as Metrics values: baseline_<m>, delta_<m>, delta_<m>_low, delta_<m>_high (unknowns left out). */
export function deltaValues(deltas: Record<VerdictMetric, Delta>): Record<string, number> {
  const values: Record<string, number> = {};
  for (const m of VERDICT_METRICS) {
    const d = deltas[m];
    for (const [k, v] of [[`baseline_${m}`, d.baseline], [`delta_${m}`, d.delta], [`delta_${m}_low`, d.low], [`delta_${m}_high`, d.high]] as const) if (v !== null) values[k] = v;
  }
  return values;
}

/** The deltas for a metrics.jsonl line: every column present, unknowns as null. */
export function deltaFields(deltas: Record<VerdictMetric, Delta>): MetricRecord {
  const record: MetricRecord = {};
  for (const m of VERDICT_METRICS) {
    const d = deltas[m];
    record[`delta_${m}`] = d.delta;
    record[`delta_${m}_low`] = d.low;
    record[`delta_${m}_high`] = d.high;
  }
  return record;
}
