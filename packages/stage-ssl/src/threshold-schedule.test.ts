import { describe, expect, it } from 'vitest';
import { resolveSchedule } from './ssl-config.js';
import { describeRoundRule, scheduleRules } from './threshold-schedule.js';

const values = (s: Parameters<typeof resolveSchedule>[0]): number[] => scheduleRules(resolveSchedule(s)).map((r) => r.value);

describe('threshold schedule', () => {
  it('defaults to the notebook: 11 rounds from 0.70 to 0.95, loosest first', () => {
    const rules = scheduleRules(resolveSchedule({ type: 'linear', rounds: 11 }));
    expect(rules.map((r) => r.kind)).toEqual(Array(11).fill('threshold'));
    expect(rules.map((r) => r.value)).toEqual([0.7, 0.725, 0.75, 0.775, 0.8, 0.825, 0.85, 0.875, 0.9, 0.925, 0.95]);
  });

  it('runs strict → loose with linear-reverse or with from > to', () => {
    expect(values({ type: 'linear-reverse', from: 0.7, to: 0.9, rounds: 3 })).toEqual([0.9, 0.8, 0.7]);
    expect(values({ type: 'linear', from: 0.9, to: 0.7, rounds: 3 })).toEqual([0.9, 0.8, 0.7]);
  });

  it('percentile grows the share of the pool (default 10% → 50%)', () => {
    const rules = scheduleRules(resolveSchedule({ type: 'percentile', rounds: 5 }));
    expect(rules).toEqual([10, 20, 30, 40, 50].map((value) => ({ kind: 'percentile', value })));
    expect(describeRoundRule(rules[1]!)).toBe('top 20%');
  });

  it('a single round uses `from`', () => {
    expect(values({ type: 'linear', from: 0.8, to: 0.95, rounds: 1 })).toEqual([0.8]);
    expect(describeRoundRule({ kind: 'threshold', value: 0.8 })).toBe('t = 0.800');
  });
});
