// Command-line parsing on commander: per-command help (`runner help predict`, `runner predict --help`),
// `--flag=value` and `--flag value` alike, and "did you mean" for unknown options. Commander because it
// is the most used parser with nested subcommands and suggestions built in, has no dependencies, and
// its v14 supports Node 20 (yargs' help and error texts are harder to keep short; cac has no nested
// subcommands). Parsing is pure: it returns what to do and the text to print; cli.ts does it.

import { readFileSync } from 'node:fs';
import { Command as Program, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { BackendRequest } from '@neuro-ssl/core';
import { suggest } from '@neuro-ssl/core/config';
import type { InferenceRequest } from '@neuro-ssl/core/models';
import { BACKEND_CHOICES, type PredictCommand } from './predict-command.js';
import type { WeightsCommand } from './weights-command.js';
import type { CacheCommand } from './cache-command.js';
import type { DataFetchOptions } from './data-fetch/data-fetch-command.js';

export interface RunFlags {
  /** true = every stage; a set = those stage ids. */
  force: true | Set<string>;
  from?: string;
  only?: string;
  dryRun: boolean;
  verbose: boolean;
  quiet: boolean;
}

/** What the command line sets of `runner data fetch` (the rest of its options are for tests and embedding). */
export type DataFetchArgs = Omit<DataFetchOptions, 'fetchImpl' | 'stream' | 'signal' | 'cwd'>;

export type Command =
  | { command: 'run'; file: string; flags: RunFlags }
  | { command: 'inspect-data'; file: string; out?: string; perClass: number; augment?: 'weak' | 'strong'; views?: number; verbose: boolean }
  | { command: 'weights'; weights: WeightsCommand }
  | { command: 'predict'; predict: PredictCommand }
  | { command: 'report'; runDir: string }
  | { command: 'runs'; runsDir: string; name?: string; json: boolean }
  | { command: 'compare'; targets: string[]; runsDir: string; html?: string; json: boolean }
  | { command: 'cache'; cache: CacheCommand }
  | { command: 'data-fetch'; fetch: DataFetchArgs }
  | { command: 'doctor'; json: boolean }
  | { command: 'export'; model: string; out: string; format: 'onnx' }
  /** Help or the version was asked for: print `text` on stdout, exit 0. */
  | { command: 'print'; text: string };

export class UsageError extends Error {}

/** The subcommands, for "did you mean" when a word that is no YAML file stands where a command goes. */
const COMMANDS = ['run', 'inspect-data', 'weights', 'predict', 'export', 'report', 'runs', 'compare', 'cache', 'data', 'doctor', 'help'];

const isYaml = (s: string): boolean => /\.ya?ml$/i.test(s);

const positiveInt =
  (what: string) =>
  (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected ${what}, got "${value}"`);
    return n;
  };

const EXIT_CODES = `
Exit codes: 0 ok, 1 a stage failed (predict: some images could not be read), 2 invalid config, data or
arguments, 130 interrupted (Ctrl-C or SIGTERM).`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** A fresh program per parse: commander keeps option values on the command objects. */
function buildProgram(found: (c: Command) => void, out: string[], err: string[]): Program {
  const program = new Program('runner')
    .description('neuro-ssl: semi-supervised brain MRI classification from one experiment YAML file')
    .version(version(), '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void out.push(s), writeErr: (s) => void err.push(s) })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', `\nExamples:\n  npx runner experiments/exp02-mobilenet.yaml\n  npx runner help predict\n${EXIT_CODES}`);

  program
    .command('run', { isDefault: true })
    .description('run an experiment: validate it, scan the data, run or reuse each stage, write a run folder and its report.html (the default command: `runner <experiment.yaml>`)')
    .argument('[experiment]', 'the experiment YAML file')
    .option('--dry-run', 'validate, scan the data and print the plan with cache hits/misses; run nothing')
    .option('--force [stage]', 're-run a stage (repeatable), or without a stage every stage, even if cached', collectForce)
    .option('--from <stage>', 're-run this stage and every stage after it')
    .option('--only <stage>', 'run only this stage (its inputs must be cached) and nothing after it')
    .option('-v, --verbose', 'debug lines on the console (run.log always has everything)')
    .option('-q, --quiet', 'only warnings and errors on the console')
    .addHelpText(
      'after',
      `\nExamples:\n  npx runner experiments/exp02-mobilenet.yaml\n  npx runner experiments/exp02-mobilenet.yaml --dry-run\n  npx runner experiments/exp02-mobilenet.yaml --from train\n${EXIT_CODES}`,
    )
    .action((experiment: string | undefined, o: { dryRun?: boolean; force?: string[] | true; from?: string; only?: string; verbose?: boolean; quiet?: boolean }) => {
      let file = experiment;
      let force = o.force;
      // `runner --force exp.yaml`: the optional stage id swallowed the file name.
      if (file === undefined && Array.isArray(force) && force.length && isYaml(force[force.length - 1] as string)) {
        file = force[force.length - 1];
        force = force.length === 1 ? true : force.slice(0, -1);
      }
      if (file === undefined) {
        found({ command: 'print', text: program.helpInformation() });
        return;
      }
      if (o.from && o.only) throw new UsageError('--from and --only cannot be combined');
      const flags: RunFlags = {
        force: force === true ? true : new Set(force ?? []),
        dryRun: Boolean(o.dryRun),
        verbose: Boolean(o.verbose),
        quiet: Boolean(o.quiet),
        ...(o.from !== undefined ? { from: o.from } : {}),
        ...(o.only !== undefined ? { only: o.only } : {}),
      };
      found({ command: 'run', file, flags });
    });

  program
    .command('inspect-data')
    .description('the dataset summary and a sample grid before/after preprocessing, without running any stage; with --augment, what training feeds the network')
    .argument('<experiment>', 'the experiment YAML file')
    .option('--out <dir>', 'output folder (default runs/<name>/inspect-<timestamp>/)')
    .option('--per-class <n>', 'sample images per class in the grid', positiveInt('a positive integer'), 4)
    .addOption(
      new Option('--augment <level>', "also write augment-<level>.png (each sample preprocessed, then augmented views; strong: the experiment's strongAugment) and its .json").choices([
        'strong',
        'weak',
      ]),
    )
    .option('--views <k>', 'augmented views per sample with --augment (default 4)', positiveInt('a positive integer'))
    .option('-v, --verbose', 'debug lines on the console')
    .addHelpText('after', '\nExamples:\n  npx runner inspect-data experiments/exp02-mobilenet.yaml --per-class 6\n  npx runner inspect-data experiments/exp02-mobilenet.yaml --augment strong --views 6')
    .action((file: string, o: { out?: string; perClass: number; augment?: 'weak' | 'strong'; views?: number; verbose?: boolean }) => {
      if (o.views !== undefined && o.augment === undefined) throw new UsageError('--views needs --augment strong or --augment weak');
      found({
        command: 'inspect-data',
        file,
        ...(o.out !== undefined ? { out: o.out } : {}),
        perClass: o.perClass,
        ...(o.augment !== undefined ? { augment: o.augment } : {}),
        ...(o.views !== undefined ? { views: o.views } : {}),
        verbose: Boolean(o.verbose),
      });
    });

  const weights = program
    .command('weights')
    .description('the ImageNet weights cache (NEURO_SSL_WEIGHTS_DIR, default ~/.cache/neuro-ssl/weights)')
    .addHelpText('after', '\nExamples:\n  npx runner weights list\n  npx runner weights import resnet18.safetensors --as resnet18');
  weights
    .command('list')
    .description('backbones, their ImageNet files and whether each is cached')
    .action(() => found({ command: 'weights', weights: { action: 'list' } }));
  weights
    .command('fetch')
    .description("download a backbone's canonical ImageNet weights into the cache")
    .argument('<backbone>')
    .action((backbone: string) => found({ command: 'weights', weights: { action: 'fetch', backbone } }));
  weights
    .command('import')
    .description('copy a weights file (.safetensors) or TF.js model folder into the cache')
    .argument('<file-or-folder>')
    .option('--as <backbone>', 'the backbone it is for (default: guessed from the file name)')
    .action((file: string, o: { as?: string }) => found({ command: 'weights', weights: { action: 'import', file, ...(o.as ? { as: o.as } : {}) } }));

  program
    .command('predict')
    .description('classify images with a trained model, using its preprocessing, temperature and threshold')
    .argument('<images...>', 'image files and folders (walked recursively)')
    // Checked in the action, not as a commander requiredOption: that check runs before the unknown-option
    // one, so `--modle m` would be answered "--model not specified" instead of "did you mean --model".
    .option('--model <path>', 'a Model folder (meta.json + model/) or a run folder holding one (required)')
    .option('--out <file.csv>', 'where the CSV goes (never overwritten); default predictions-<timestamp>.csv here')
    .option('--batch-size <n>', 'images per batch', positiveInt('a positive integer'), 32)
    .addOption(new Option('--backend <name>', 'TensorFlow.js backend').choices([...BACKEND_CHOICES]).default('auto'))
    .addOption(new Option('--inference <engine>', 'forward-pass engine: ONNX Runtime, TF.js, or ONNX Runtime where installed').choices(['auto', 'onnx', 'tfjs']).default('auto'))
    .addHelpText('after', '\nExample:\n  npx runner predict --model runs/exp02-mobilenet/<timestamp>/ssl-model scans/ --out predictions.csv')
    .action((inputs: string[], o: { model?: string; out?: string; batchSize: number; backend: BackendRequest; inference: InferenceRequest }) => {
      if (o.model === undefined) throw new UsageError('predict needs --model <model folder or run folder>');
      found({ command: 'predict', predict: { model: o.model, inputs, ...(o.out !== undefined ? { out: o.out } : {}), batchSize: o.batchSize, backend: o.backend, inference: o.inference } });
    });

  program
    .command('export')
    .description('a trained classifier as model.onnx (calibrated probability out) + meta.json, for ONNX Runtime anywhere')
    .option('--model <path>', 'a Model folder (meta.json + model/) or a run folder holding one (required)')
    .option('--out <dir>', 'an empty or new folder (required)')
    .addOption(new Option('--format <format>', 'the export format').choices(['onnx']).default('onnx'))
    .addHelpText('after', '\nExample:\n  npx runner export --model runs/exp02-mobilenet/<timestamp>/ssl-model --out exported/')
    .action((o: { model?: string; out?: string; format: 'onnx' }) => {
      if (o.model === undefined || o.out === undefined) throw new UsageError('export needs --model <model folder or run folder> and --out <folder>');
      found({ command: 'export', model: o.model, out: o.out, format: o.format });
    });

  program
    .command('report')
    .description('write (again) the report.html of a run folder')
    .argument('<run-folder>')
    .addHelpText('after', '\nExample:\n  npx runner report runs/exp02-mobilenet/2026-12-04T18-12-44Z')
    .action((runDir: string) => found({ command: 'report', runDir }));

  program
    .command('runs')
    .description('list runs (newest first) with their status, date and headline')
    .argument('[name]', 'only the runs of this experiment')
    .option('--runs-dir <dir>', 'the runs folder', 'runs')
    .option('--json', 'print JSON')
    .action((name: string | undefined, o: { runsDir: string; json?: boolean }) => {
      found({ command: 'runs', runsDir: o.runsDir, ...(name !== undefined ? { name } : {}), json: Boolean(o.json) });
    });

  program
    .command('compare')
    .description('headline metrics, config differences and shared cached stages of several runs, side by side')
    .argument('<runs...>', 'run folders, or experiment names (their newest run)')
    .option('--runs-dir <dir>', 'where experiment names are looked up', 'runs')
    .option('--html <file>', 'also write the comparison as a self-contained HTML page (never overwritten)')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  npx runner compare exp02-mobilenet exp04-mobilenet-partial --html compare.html')
    .action((targets: string[], o: { runsDir: string; html?: string; json?: boolean }) => {
      found({ command: 'compare', targets, runsDir: o.runsDir, ...(o.html !== undefined ? { html: o.html } : {}), json: Boolean(o.json) });
    });

  const cache = program
    .command('cache')
    .description('the stage cache: list, prune and verify entries')
    .addHelpText('after', '\nExamples:\n  npx runner cache ls\n  npx runner cache prune --older-than 30d --keep-last 2\n  npx runner cache verify --repair');
  cache
    .command('ls')
    .description('entries with their stage, size, creation and last use')
    .option('--cache-dir <dir>', 'the cache folder', '.neuro-ssl/cache')
    .option('--json', 'print JSON')
    .action((o: { cacheDir: string; json?: boolean }) => found({ command: 'cache', cache: { action: 'ls', cacheDir: o.cacheDir, json: Boolean(o.json) } }));
  cache
    .command('prune')
    .description('delete entries unused for a while, keeping the most recently used ones of each stage')
    .option('--cache-dir <dir>', 'the cache folder', '.neuro-ssl/cache')
    .option('--older-than <age>', 'only entries last used longer ago than this (e.g. 30d, 12h, 90m)', parseAge)
    .option('--keep-last <n>', 'always keep the n most recently used entries of each stage id', positiveInt('a positive integer'))
    .option('--dry-run', 'say what would be deleted, delete nothing')
    .action((o: { cacheDir: string; olderThan?: number; keepLast?: number; dryRun?: boolean }) => {
      if (o.olderThan === undefined && o.keepLast === undefined) throw new UsageError('cache prune needs --older-than <age>, --keep-last <n>, or both');
      found({
        command: 'cache',
        cache: {
          action: 'prune',
          cacheDir: o.cacheDir,
          ...(o.olderThan !== undefined ? { olderThanMs: o.olderThan } : {}),
          ...(o.keepLast !== undefined ? { keepLast: o.keepLast } : {}),
          dryRun: Boolean(o.dryRun),
        },
      });
    });

  cache
    .command('verify')
    .description('re-hash every entry against its manifest; list damaged ones (exit 1), or move them to quarantine/ with --repair')
    .option('--cache-dir <dir>', 'the cache folder', '.neuro-ssl/cache')
    .option('--repair', 'move damaged entries to <cache-dir>/quarantine/ (never deleted); the stages run again when next needed')
    .action((o: { cacheDir: string; repair?: boolean }) => found({ command: 'cache', cache: { action: 'verify', cacheDir: o.cacheDir, repair: Boolean(o.repair) } }));

  const data = program.command('data').description('datasets');
  data
    .command('fetch')
    .description('download a public dataset and lay it out as avec_labels/<Class> + sans_label, with a matching experiment YAML')
    .argument('<dataset>', 'br35h')
    .option('--out <dir>', 'where the dataset goes (must not exist or be empty)', 'data/br35h')
    .option('--labelled-per-class <n>', 'labelled images per class', positiveInt('a positive integer'), 50)
    .option('--unlabelled <n>', 'unlabelled images (default: all the others)', positiveInt('a positive integer'))
    .option('--seed <n>', 'seed of the split', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${v}"`);
      return n;
    }, 42)
    .option('--url <url>', 'download this zip instead of the default')
    .option('--archive <file.zip>', 'use a zip you downloaded yourself (no network)')
    .addHelpText('after', '\nExamples:\n  npx runner data fetch br35h --out data/br35h\n  npx runner data fetch br35h --archive ~/Downloads/Brain-Tumor-Detection-Dataset-main.zip')
    .action((dataset: string, o: { out: string; labelledPerClass: number; unlabelled?: number; seed: number; url?: string; archive?: string }) => {
      found({
        command: 'data-fetch',
        fetch: {
          dataset,
          out: o.out,
          labelledPerClass: o.labelledPerClass,
          seed: o.seed,
          ...(o.unlabelled !== undefined ? { unlabelled: o.unlabelled } : {}),
          ...(o.url !== undefined ? { url: o.url } : {}),
          ...(o.archive !== undefined ? { archive: o.archive } : {}),
        },
      });
    });

  program
    .command('doctor')
    .description('which TensorFlow.js backends are installed, which one auto takes, and the GPU (WebGPU adapter, Vulkan driver)')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => found({ command: 'doctor', json: Boolean(o.json) }));

  return program;
}

function collectForce(value: string, previous: string[] | true | undefined): string[] {
  return [...(Array.isArray(previous) ? previous : []), value];
}

const AGE_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** "30d" → milliseconds. */
export function parseAge(value: string): number {
  const m = /^(\d+(?:\.\d+)?)([mhdw])$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`expected an age like 30d, 12h, 90m or 2w, got "${value}"`);
  return Number(m[1]) * (AGE_UNITS[m[2] as string] as number);
}

/** A first word that is neither a command nor a file name is a mistyped command (else `run` would take it for a file). */
function checkCommandWord(word: string | undefined): void {
  if (word === undefined || word.startsWith('-') || COMMANDS.includes(word) || isYaml(word) || word.includes('/') || word.includes('.')) return;
  const near = suggest(word, COMMANDS);
  throw new UsageError(`unknown command '${word}'${near ? ` (did you mean ${near}?)` : ''}; an experiment file ends in .yaml or .yml (see runner --help)`);
}

export function parseArgs(argv: string[]): Command {
  checkCommandWord(argv[0]);
  const out: string[] = [];
  const err: string[] = [];
  let command: Command | undefined;
  const program = buildProgram((c) => (command = c), out, err);
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof UsageError) throw e;
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return { command: 'print', text: out.join('') };
      throw new UsageError(err.join('').replace(/^error: /, '').trim() || e.message);
    }
    throw e;
  }
  // `runner weights` alone: commander prints the group's help.
  return command ?? { command: 'print', text: out.join('') };
}
