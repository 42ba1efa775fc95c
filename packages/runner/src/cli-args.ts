// Command-line parsing. Hand-written because `--force` takes an optional stage id, which
// node:util parseArgs cannot express.

import type { BackendRequest } from '@neuro-ssl/core';
import { BACKEND_CHOICES, type PredictCommand } from './predict-command.js';
import type { WeightsCommand } from './weights-command.js';

export interface RunFlags {
  /** true = every stage; a set = those stage ids. */
  force: true | Set<string>;
  from?: string;
  only?: string;
  dryRun: boolean;
  verbose: boolean;
  quiet: boolean;
}

export type Command =
  | { command: 'run'; file: string; flags: RunFlags }
  | { command: 'inspect-data'; file: string; out?: string; perClass: number; verbose: boolean }
  | { command: 'weights'; weights: WeightsCommand }
  | { command: 'predict'; predict: PredictCommand }
  | { command: 'help' }
  | { command: 'version' };

export class UsageError extends Error {}

export const USAGE = `Usage:
  runner <experiment.yaml> [--dry-run] [--force [stage]] [--from <stage>] [--only <stage>] [--verbose|--quiet]
  runner inspect-data <experiment.yaml> [--out <dir>] [--per-class <n>]
  runner weights list | fetch <backbone> | import <file-or-folder> [--as <backbone>]
  runner predict --model <path> <image-or-folder>... [--out <file.csv>] [--batch-size <n>] [--backend <name>]
  runner --help | --version

Run flags:
  --dry-run          validate, scan the data and print the plan with cache hits/misses; run nothing
  --force [stage]    re-run a stage (or, without a stage, every stage) even if its outputs are cached
  --from <stage>     re-run this stage and every stage after it
  --only <stage>     run only this stage (its inputs must be cached) and nothing after it
  --verbose, --quiet more or fewer log lines on the console (run.log always has everything)

Predict flags:
  --model <path>     a Model artifact folder (meta.json + model/) or a run folder holding one
  --out <file.csv>   where the CSV goes (never overwritten); default predictions-<timestamp>.csv here
  --batch-size <n>   images per batch (default 32)
  --backend <name>   ${BACKEND_CHOICES.join(', ')} (default auto)

Exit codes: 0 ok, 1 a stage failed (predict: some images could not be read), 2 invalid config, data or
arguments, 130 interrupted.`;

const isYaml = (s: string): boolean => /\.ya?ml$/i.test(s);

export function parseArgs(argv: string[]): Command {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return { command: 'help' };
  if (argv.includes('--version')) return { command: 'version' };
  const args = [...argv];
  if (args[0] === 'weights') return { command: 'weights', weights: parseWeights(args.slice(1)) };
  if (args[0] === 'predict') return { command: 'predict', predict: parsePredict(args.slice(1)) };
  if (args[0] === 'inspect-data') {
    args.shift();
    let file: string | undefined;
    let out: string | undefined;
    let perClass = 4;
    let verbose = false;
    while (args.length) {
      const a = args.shift() as string;
      if (a === '--out') out = takeValue(a, args);
      else if (a === '--per-class') {
        perClass = Number(takeValue(a, args));
        if (!Number.isInteger(perClass) || perClass < 1) throw new UsageError('--per-class expects a positive integer');
      } else if (a === '--verbose') verbose = true;
      else if (a.startsWith('-')) throw new UsageError(`unknown option ${a} for inspect-data`);
      else if (file) throw new UsageError(`unexpected argument ${a}`);
      else file = a;
    }
    if (!file) throw new UsageError('inspect-data needs an experiment YAML file');
    return { command: 'inspect-data', file, ...(out !== undefined ? { out } : {}), perClass, verbose };
  }
  const flags: RunFlags = { force: new Set(), dryRun: false, verbose: false, quiet: false };
  let file: string | undefined;
  while (args.length) {
    const a = args.shift() as string;
    if (a === '--dry-run') flags.dryRun = true;
    else if (a === '--verbose' || a === '-v') flags.verbose = true;
    else if (a === '--quiet' || a === '-q') flags.quiet = true;
    else if (a === '--from') flags.from = takeValue(a, args);
    else if (a === '--only') flags.only = takeValue(a, args);
    else if (a === '--force' || a.startsWith('--force=')) {
      const inline = a.startsWith('--force=') ? a.slice('--force='.length) : undefined;
      const next = args[0];
      const value = inline ?? (next !== undefined && !next.startsWith('-') && !isYaml(next) ? args.shift() : undefined);
      if (value === undefined) flags.force = true;
      else if (flags.force !== true) flags.force.add(value);
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else if (file) throw new UsageError(`unexpected argument ${a} (one experiment file per run)`);
    else file = a;
  }
  if (!file) throw new UsageError('missing the experiment YAML file');
  if (flags.from && flags.only) throw new UsageError('--from and --only cannot be combined');
  return { command: 'run', file, flags };
}

function takeValue(flag: string, args: string[]): string {
  const v = args.shift();
  if (v === undefined || v.startsWith('-')) throw new UsageError(`${flag} expects a stage id`);
  return v;
}

function parseWeights(args: string[]): WeightsCommand {
  const [action, ...rest] = args;
  if (action === 'list' && rest.length === 0) return { action: 'list' };
  if (action === 'fetch' && rest.length === 1) return { action: 'fetch', backbone: rest[0] as string };
  if (action === 'import') {
    const asAt = rest.indexOf('--as');
    const as = asAt >= 0 ? rest[asAt + 1] : undefined;
    if (asAt >= 0 && (as === undefined || as.startsWith('-'))) throw new UsageError('--as expects a backbone name');
    const files = rest.filter((_, i) => asAt < 0 || (i !== asAt && i !== asAt + 1));
    if (files.length !== 1) throw new UsageError('weights import expects one file or folder');
    return { action: 'import', file: files[0] as string, ...(as ? { as } : {}) };
  }
  throw new UsageError('usage: runner weights list | fetch <backbone> | import <file-or-folder> [--as <backbone>]');
}

function parsePredict(args: string[]): PredictCommand {
  let model: string | undefined;
  let out: string | undefined;
  let batchSize = 32;
  let backend: BackendRequest = 'auto';
  const inputs: string[] = [];
  const value = (flag: string, what: string): string => {
    const v = args.shift();
    if (v === undefined || v.startsWith('-')) throw new UsageError(`${flag} expects ${what}`);
    return v;
  };
  while (args.length) {
    const arg = args.shift() as string;
    // --flag=value is the same as --flag value
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      args.unshift(arg.slice(0, eq), arg.slice(eq + 1));
      continue;
    }
    if (arg === '--') inputs.push(...args.splice(0));
    else if (arg === '--model') model = value(arg, 'a model folder');
    else if (arg === '--out') out = value(arg, 'a CSV file name');
    else if (arg === '--batch-size') {
      batchSize = Number(value(arg, 'a positive integer'));
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new UsageError('--batch-size expects a positive integer');
    } else if (arg === '--backend') {
      const name = value(arg, `one of ${BACKEND_CHOICES.join(', ')}`);
      const choice = BACKEND_CHOICES.find((b) => b === name);
      if (!choice) throw new UsageError(`--backend expects one of ${BACKEND_CHOICES.join(', ')}, got ${name}`);
      backend = choice;
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} for predict`);
    else inputs.push(arg);
  }
  if (!model) throw new UsageError('predict needs --model <model folder or run folder>');
  if (!inputs.length) throw new UsageError('predict needs at least one image or folder');
  return { model, inputs, ...(out !== undefined ? { out } : {}), batchSize, backend };
}
