#!/usr/bin/env node
// The `runner` command. Thin: parse arguments, wire SIGINT to an AbortSignal, set the exit code.

import { readFileSync } from 'node:fs';
import { USAGE, UsageError, parseArgs } from './cli-args.js';
import { inspectData } from './inspect-data.js';
import { predictCommand } from './predict-command.js';
import { weightsCommand } from './weights-command.js';
import { runExperiment } from './run-experiment.js';

async function main(argv: string[]): Promise<number> {
  let command;
  try {
    command = parseArgs(argv);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`runner: ${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw err;
  }
  switch (command.command) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'version': {
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
      process.stdout.write(`${pkg.version}\n`);
      return 0;
    }
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
    case 'run': {
      const controller = new AbortController();
      let interrupts = 0;
      process.on('SIGINT', () => {
        interrupts++;
        if (interrupts > 1) process.exit(130);
        process.stderr.write('\ninterrupt: stopping at the next safe point (Ctrl-C again to quit at once)\n');
        controller.abort();
      });
      return (await runExperiment({ file: command.file, flags: command.flags, signal: controller.signal })).exitCode;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`runner: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
