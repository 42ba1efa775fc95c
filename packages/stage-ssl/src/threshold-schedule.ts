// The selection rule of each round: a probability threshold moving linearly between two values, or a
// share of the pool (the most confident p%) growing from round to round.

import type { ScheduleConfig } from './ssl-config.js';

export type RoundRule = { kind: 'threshold'; value: number } | { kind: 'percentile'; value: number };

/** One rule per round, in round order; rounding keeps 0.7 + 0.025·k from printing as 0.7250000000000001. */
export function scheduleRules(schedule: ScheduleConfig): RoundRule[] {
  const [start, end] = schedule.type === 'linear-reverse' ? [schedule.to, schedule.from] : [schedule.from, schedule.to];
  const n = schedule.rounds;
  const kind = schedule.type === 'percentile' ? 'percentile' : 'threshold';
  return Array.from({ length: n }, (_, k) => ({ kind, value: round12(n === 1 ? start : start + ((end - start) * k) / (n - 1)) }));
}

const round12 = (v: number): number => Math.round(v * 1e12) / 1e12;

/** A round's selection rule, for the log and figures: "t = 0.725" or "top 30%" (core's describeRule is the checkpoint rule's). */
export function describeRoundRule(rule: RoundRule): string {
  return rule.kind === 'threshold' ? `t = ${rule.value.toFixed(3)}` : `top ${Number(rule.value.toFixed(2))}%`;
}
