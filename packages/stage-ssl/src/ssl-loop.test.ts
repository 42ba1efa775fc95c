import { describe, expect, it } from 'vitest';
import { silentLogger } from '@neuro-ssl/core';
import { DEFAULT_CHECKPOINT_RULE, type TrainItem } from '@neuro-ssl/core/learn';
import { runSslLoop, type Learner, type LoopOptions, type LoopState, type TrainedRound } from './ssl-loop.js';
import { scheduleRules } from './threshold-schedule.js';

// Validation: 4 positives then 4 negatives. Logit sets of known quality:
const BASELINE = [2, 1, -0.5, -1, 0.5, -2, -1.5, 0.2]; // two positives ranked below negatives
const BETTER = [3, 2, 1, 0.5, -1, -2, -1.5, -0.5]; // perfect ranking
const WORSE = [-0.5, -1, 0.1, 0.2, 0.5, 1, 0.3, -0.1]; // mostly inverted, not confident
const CONFIDENTLY_WRONG = [-8, -8, -8, -8, 8, 8, 8, 8];
const POOL = [4, -4, 0, 2.8, -2.8, 0.3]; // p ≈ 0.982, 0.018, 0.5, 0.943, 0.057, 0.574

interface Storage {
  weights: string;
  state: LoopState | null;
}

/** Weights are a name; training round r installs `round-r`. Logits are scripted per round. */
class FakeLearner implements Learner {
  current = 'baseline';
  trained: { round: number; items: TrainItem[]; labelled: number; learningRate: number }[] = [];
  rollbacks = 0;
  constructor(
    private readonly script: Record<number, number[]>,
    readonly storage: Storage = { weights: 'baseline', state: null },
    private readonly failAt = Number.POSITIVE_INFINITY,
    private readonly pool: number[] = POOL,
  ) {}
  async validationLogits(): Promise<Float32Array> {
    return Float32Array.from(BASELINE);
  }
  async poolLogits(): Promise<Float32Array> {
    return Float32Array.from(this.pool);
  }
  async train(round: number, items: TrainItem[], labelled: number, learningRate: number): Promise<TrainedRound> {
    if (round >= this.failAt) throw new Error('crash');
    this.trained.push({ round, items, labelled, learningRate });
    this.current = `round-${round}`;
    return { validationLogits: Float32Array.from(this.script[round]!), history: [], bestEpoch: 1 };
  }
  async rollback(): Promise<void> {
    this.rollbacks++;
    this.current = this.storage.weights;
  }
  async persist(state: LoopState): Promise<void> {
    this.storage.weights = this.current;
    this.storage.state = structuredClone(state);
  }
  async resume(key: string): Promise<LoopState | null> {
    if (this.storage.state?.resumeKey !== key) return null;
    this.current = this.storage.weights;
    return structuredClone(this.storage.state);
  }
}

const labelled: TrainItem[] = [
  { id: 'l0', path: '/l0', target: 1 },
  { id: 'l1', path: '/l1', target: 0 },
];

function options(over: Partial<LoopOptions> = {}, lines: string[] = []): LoopOptions {
  return {
    resumeKey: 'k',
    rules: scheduleRules({ type: 'linear', from: 0.9, to: 0.95, rounds: 3 }),
    labelled,
    pool: POOL.map((_, i) => ({ id: `u${i}`, path: `/u${i}` })),
    validationLabels: [1, 1, 1, 1, 0, 0, 0, 0],
    calibratedSelection: true,
    selection: { balance: 'none', prior: 0.5 },
    softLabels: false,
    patience: 3,
    maxEce: 0.6,
    checkpoint: DEFAULT_CHECKPOINT_RULE,
    calibration: { threshold: { rule: 'fixed', value: 0.5 }, beta: 2, eceBins: 15, temperature: false },
    posWeight: 1,
    learningRate: 5e-5,
    restart: 'cold',
    classNames: ['Normal', 'Cancer'],
    logger: { ...silentLogger, info: (m: string) => void lines.push(m) },
    ...over,
  };
}

describe('self-training loop', () => {
  it('trains each round on the labelled split plus that round’s pseudo-labels only, with the schedule’s thresholds', async () => {
    const learner = new FakeLearner({ 1: BETTER, 2: BETTER, 3: BETTER });
    const state = await runSslLoop(learner, options({ rules: scheduleRules({ type: 'linear', from: 0.55, to: 0.95, rounds: 3 }) }));
    expect(state.rounds.map((r) => r.cutoff)).toEqual([0.55, 0.75, 0.95]);
    // t = 0.55: all but the 0.5 image; 0.75: the four confident ones; 0.95: 0.982 and 0.018
    const pseudoIds = learner.trained.map((t) => t.items.slice(t.labelled).map((i) => i.id));
    expect(pseudoIds).toEqual([['u0', 'u1', 'u3', 'u4', 'u5'], ['u0', 'u1', 'u3', 'u4'], ['u0', 'u1']]);
    expect(learner.trained.every((t) => t.labelled === 2 && t.items.slice(0, 2).every((x, i) => x === labelled[i]))).toBe(true);
    expect(learner.trained[2]!.items.slice(2).map((i) => i.target)).toEqual([1, 0]);
    // round 1 beat the baseline; rounds 2 and 3 only tied it: not improvements, rolled back to round 1
    expect(state.rounds.map((r) => [r.improved, r.rolledBack])).toEqual([
      [true, false],
      [false, true],
      [false, true],
    ]);
    expect(state.best.round).toBe(1);
    expect(learner.current).toBe('round-1');
    expect(state.stop?.reason).toBe('schedule-done');
  });

  it('rolls a worse round back to the best weights and stops after `patience` rounds without improvement', async () => {
    const lines: string[] = [];
    const learner = new FakeLearner({ 1: BETTER, 2: WORSE, 3: WORSE, 4: WORSE });
    const state = await runSslLoop(learner, options({ rules: scheduleRules({ type: 'linear', from: 0.9, to: 0.9, rounds: 5 }), patience: 2 }, lines));
    expect(state.rounds).toHaveLength(3);
    expect(state.rounds.map((r) => r.rolledBack)).toEqual([false, true, true]);
    expect(learner.rollbacks).toBe(2);
    expect(learner.current).toBe('round-1');
    expect(learner.storage.weights).toBe('round-1');
    expect(state.stop).toEqual({ reason: 'patience', message: 'round 3: 2 round(s) in a row without improvement (patience 2)' });
    expect(lines.at(-1)).toBe('stop: round 3: 2 round(s) in a row without improvement (patience 2)');
    expect(lines.filter((l) => l.includes('rolled back to round 1'))).toHaveLength(2);
  });

  it('stops when validation ECE before temperature scaling reaches maxEce, rolling that round back', async () => {
    const lines: string[] = [];
    const learner = new FakeLearner({ 1: CONFIDENTLY_WRONG });
    const state = await runSslLoop(learner, options({}, lines));
    expect(state.rounds).toHaveLength(1);
    expect(state.rounds[0]!.score.rawEce).toBeGreaterThan(0.9);
    expect(state.rounds[0]!.rolledBack).toBe(true);
    expect(learner.current).toBe('baseline');
    expect(state.stop?.reason).toBe('max-ece');
    expect(lines.at(-1)).toMatch(/^stop: round 1: validation ECE (0\.9\d\d|1\.000) before temperature scaling ≥ maxEce 0\.6; the round is rolled back$/);
  });

  it('stops when no image passes the threshold, before training', async () => {
    const lines: string[] = [];
    const learner = new FakeLearner({}, undefined, Number.POSITIVE_INFINITY, [0.1, -0.2, 0.3]);
    const state = await runSslLoop(learner, options({ pool: [0, 1, 2].map((i) => ({ id: `u${i}`, path: `/u${i}` })) }, lines));
    expect(learner.trained).toEqual([]);
    expect(state.rounds).toEqual([]);
    expect(state.stop?.reason).toBe('no-pseudo-labels');
    expect(lines.at(-1)).toBe('stop: round 1: no unlabelled image passes t = 0.900 (3 in the pool)');
    // balancing away every pseudo-label says so
    const balanced = await runSslLoop(new FakeLearner({}, undefined, Number.POSITIVE_INFINITY, [4, 5]), options({ selection: { balance: 'rarer', prior: 0.5 }, pool: [0, 1].map((i) => ({ id: `u${i}`, path: `/u${i}` })) }));
    expect(balanced.stop?.message).toBe('round 1: balance rarer leaves no pseudo-label (2 Cancer, 0 Normal passed t = 0.900)');
  });

  it('restart: continue divides the learning rate by 10 each round; cold keeps it', async () => {
    const cont = new FakeLearner({ 1: BETTER, 2: BETTER, 3: BETTER });
    await runSslLoop(cont, options({ restart: 'continue' }));
    expect(cont.trained.map((t) => t.learningRate)).toEqual([5e-5, 5e-6, 5e-7]);
    const cold = new FakeLearner({ 1: BETTER, 2: BETTER, 3: BETTER });
    await runSslLoop(cold, options());
    expect(cold.trained.map((t) => t.learningRate)).toEqual([5e-5, 5e-5, 5e-5]);
  });

  it('selects on sigmoid(logit / T) with the best model’s temperature, or on sigmoid(logit)', async () => {
    const calibration = { threshold: { rule: 'fixed' as const, value: 0.5 }, beta: 2, eceBins: 15, temperature: true };
    const calibrated = await runSslLoop(new FakeLearner({ 1: BETTER, 2: BETTER, 3: BETTER }), options({ calibration }));
    const t = calibrated.baseline.temperature;
    expect(t).not.toBeCloseTo(1, 2);
    expect(calibrated.rounds[0]!.poolProbabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-4 / t)), 12);
    const plain = await runSslLoop(new FakeLearner({ 1: BETTER, 2: BETTER, 3: BETTER }), options({ calibration, calibratedSelection: false }));
    expect(plain.rounds[0]!.poolProbabilities[0]).toBeCloseTo(1 / (1 + Math.exp(-4)), 12);
  });

  it('soft labels train on the probability', async () => {
    const learner = new FakeLearner({ 1: BETTER, 2: BETTER, 3: BETTER });
    await runSslLoop(learner, options({ softLabels: true }));
    const targets = learner.trained[0]!.items.slice(2).map((i) => i.target);
    [4, -4, 2.8, -2.8].forEach((logit, i) => expect(targets[i]).toBeCloseTo(1 / (1 + Math.exp(-logit)), 7)); // float32 logits
  });

  it('resumes after the last finished round with the same outcome as a straight run', async () => {
    const script = { 1: BETTER, 2: WORSE, 3: BETTER };
    const straight = await runSslLoop(new FakeLearner(script), options());
    const storage: Storage = { weights: 'baseline', state: null };
    await expect(runSslLoop(new FakeLearner(script, storage, 3), options())).rejects.toThrow('crash');
    expect(storage.state?.rounds).toHaveLength(2);
    const lines: string[] = [];
    const resumed = new FakeLearner(script, storage);
    const state = await runSslLoop(resumed, options({}, lines));
    expect(lines[0]).toBe('resuming after round 2 (best: round 1)');
    expect(resumed.trained.map((t) => t.round)).toEqual([3]);
    expect(state).toEqual(straight);
    // another configuration never resumes this state
    const other = new FakeLearner(script, storage);
    await runSslLoop(other, options({ resumeKey: 'other' }));
    expect(other.trained.map((t) => t.round)).toEqual([1, 2, 3]);
  });
});
