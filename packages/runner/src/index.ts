// @neuro-ssl/runner: wiring only. The CLI is cli.ts; these are for programmatic use and tests.
export { runExperiment, type RunOptions, type RunResult, type StageOutcome, type StageStatus } from './run-experiment.js';
export { inspectData, type InspectOptions } from './inspect-data.js';
export { buildPlan, type PlannedStage, type InputBinding, type InputSource } from './plan.js';
export { resolvePlugin, specifierFor, PluginResolveError } from './resolve-plugin.js';
export { parseArgs, UsageError, type Command, type RunFlags } from './cli-args.js';
export { createRunFolder, type RunFolder } from './run-folder.js';
