// The `runner` command. Thin: parse arguments, wire SIGINT/SIGTERM to an AbortSignal, set the exit code.

import { UsageError, parseArgs, type Command } from './cli-args.js';
import { cacheCommand } from './cache-command.js';
import { compareCommand } from './compare/compare-command.js';
import { runsCommand } from './compare/runs-command.js';
import { dataFetchCommand } from './data-fetch/data-fetch-command.js';
import { doctorCommand } from './doctor-command.js';
import { exportCommand } from './export-command.js';
import { inspectData } from './inspect-data.js';
import { predictCommand } from './predict-command.js';
import { reportCommand } from './report/report-command.js';
import { weightsCommand } from './weights-command.js';
import { runExperiment } from './run-experiment.js';
import { EnvironmentError, describeReason, errorPath, isEnvironmentFailure } from './io-errors.js';

/** Aborted on the first SIGINT (Ctrl-C) or SIGTERM (a container stop); a second one quits at once. */
function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (name: string): void => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write(`\n${name}: stopping at the next safe point (Ctrl-C again to quit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', () => onSignal('interrupt'));
  process.on('SIGTERM', () => onSignal('terminate'));
  return controller.signal;
}

async function execute(command: Command): Promise<number> {
  switch (command.command) {
    case 'print':
      process.stdout.write(command.text.endsWith('\n') ? command.text : `${command.text}\n`);
      return 0;
    case 'weights':
      try {
        return await weightsCommand(command.weights);
      } catch (err) {
        process.stderr.write(`runner weights: ${(err as Error).message}\n`);
        return 2;
      }
    case 'predict':
      return (await predictCommand(command.predict)).exitCode;
    case 'inspect-data':
      return (await inspectData(command)).exitCode;
    case 'report':
      return reportCommand({ runDir: command.runDir });
    case 'runs':
      return runsCommand({ runsDir: command.runsDir, json: command.json, ...(command.name !== undefined ? { name: command.name } : {}) });
    case 'compare':
      return compareCommand({ targets: command.targets, runsDir: command.runsDir, json: command.json, ...(command.html !== undefined ? { html: command.html } : {}) });
    case 'cache':
      return cacheCommand(command.cache);
    case 'data-fetch':
      return dataFetchCommand({ ...command.fetch, signal: interruptSignal() });
    case 'export':
      return exportCommand({ model: command.model, out: command.out, format: command.format });
    case 'doctor':
      return doctorCommand({ json: command.json });
    case 'run':
      return (await runExperiment({ file: command.file, flags: command.flags, signal: interruptSignal() })).exitCode;
  }
}

async function main(argv: string[]): Promise<number> {
  let command: Command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`runner: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  return execute(command);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A full disk, a read-only or forbidden folder: one line naming the path, exit 2 (the environment, not a bug).
    if (isEnvironmentFailure(err)) {
      const where = errorPath(err);
      process.stderr.write(`runner: ${err instanceof EnvironmentError ? err.message : `${describeReason(err)}${where ? `: ${where}` : ''}`}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`runner: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
