// `runner runs` and `runner compare`: what the CLI wires up.

export { compareCommand, type CompareCommandOptions } from './compare-command.js';
export { runsCommand, type RunsCommandOptions } from './runs-command.js';
export { compareRuns, MISSING, type Comparison, type ConfigDiffRow, type MetricRow, type StageShareRow, type ProvenanceDiffRow, type RunLabel } from './compare.js';
export { loadRun, type LoadedRun } from './load-run.js';
export { listRuns, resolveRunTarget, RunTargetError, type RunEntry } from './run-index.js';
export type { StoredRunSummary, StoredStageSummary } from './run-summary.js';
