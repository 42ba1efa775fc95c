import { describe, expect, it } from 'vitest';
import { parseAge, parseArgs, UsageError } from './cli-args.js';

describe('parseArgs', () => {
  it('parses a run with flags, --force with and without a stage', () => {
    const c = parseArgs(['exp.yaml', '--force', 'train', '--dry-run']);
    expect(c).toEqual({ command: 'run', file: 'exp.yaml', flags: { force: new Set(['train']), dryRun: true, verbose: false, quiet: false } });
    const all = parseArgs(['--force', 'exp.yaml']);
    expect(all).toMatchObject({ command: 'run', file: 'exp.yaml', flags: { force: true } });
    const eq = parseArgs(['exp.yml', '--force=extract', '--from', 'cluster']);
    expect(eq.command === 'run' && [...(eq.flags.force as Set<string>)]).toEqual(['extract']);
    expect(eq.command === 'run' && eq.flags.from).toBe('cluster');
    const twice = parseArgs(['e.yaml', '--force', 'a', '--force=b', '--only=c']);
    expect(twice).toMatchObject({ command: 'run', flags: { force: new Set(['a', 'b']), only: 'c' } });
    expect(parseArgs(['run', 'e.yaml', '-q'])).toMatchObject({ command: 'run', file: 'e.yaml', flags: { quiet: true } });
  });

  it('parses inspect-data, and prints help for the program and for each command', () => {
    expect(parseArgs(['inspect-data', 'e.yaml', '--out', 'x', '--per-class', '3'])).toEqual({
      command: 'inspect-data',
      file: 'e.yaml',
      out: 'x',
      perClass: 3,
      verbose: false,
    });
    expect(parseArgs(['inspect-data', 'e.yaml', '--augment', 'strong', '--views=6'])).toEqual({
      command: 'inspect-data',
      file: 'e.yaml',
      perClass: 4,
      augment: 'strong',
      views: 6,
      verbose: false,
    });
    expect(parseArgs(['inspect-data', 'e.yaml', '--augment=weak'])).toMatchObject({ augment: 'weak' });
    const inspectHelp = parseArgs(['help', 'inspect-data']);
    expect(inspectHelp.command === 'print' && inspectHelp.text).toMatch(/--augment <level>[\s\S]*choices:\s+"strong", "weak"/);
    expect(inspectHelp.command === 'print' && inspectHelp.text).toContain('npx runner inspect-data experiments/exp02-mobilenet.yaml --augment strong --views 6');
    for (const argv of [[], ['--help'], ['help']]) {
      const help = parseArgs(argv);
      expect(help.command).toBe('print');
      expect(help.command === 'print' && help.text).toMatch(/Usage: runner/);
      expect(help.command === 'print' && help.text).toMatch(/predict/);
    }
    for (const argv of [['help', 'predict'], ['predict', '--help']]) {
      const help = parseArgs(argv);
      expect(help.command === 'print' && help.text).toMatch(/Usage: runner predict/);
      expect(help.command === 'print' && help.text).toMatch(/Example:\n {2}npx runner predict --model/);
    }
    expect(parseArgs(['--version'])).toEqual({ command: 'print', text: expect.stringMatching(/^\d+\.\d+\.\d+/) as unknown as string });
  });

  it('rejects bad usage with a reason that names the flag, and suggests near misses', () => {
    expect(() => parseArgs(['e.yaml', '--only'])).toThrow(/option '--only <stage>' argument missing/);
    expect(() => parseArgs(['inspect-data', 'e.yaml', '--out'])).toThrow(/option '--out <dir>' argument missing/);
    expect(() => parseArgs(['e.yaml', '--from', 'a', '--only', 'b'])).toThrow(UsageError);
    expect(() => parseArgs(['e.yaml', '--frce'])).toThrow(/unknown option '--frce'\n\(Did you mean --force\?\)/);
    expect(() => parseArgs(['predict', '--modle', 'm', 'a.jpg'])).toThrow(/Did you mean --model\?/);
    expect(() => parseArgs(['a.yaml', 'b.yaml'])).toThrow(/too many arguments/);
    expect(() => parseArgs(['predcit', '--model', 'm'])).toThrow(/unknown command 'predcit' \(did you mean predict\?\)/);
    expect(() => parseArgs(['compare', 'a'])).not.toThrow();
    expect(() => parseArgs(['cache', 'prune'])).toThrow(/needs --older-than/);
    expect(() => parseArgs(['inspect-data', 'e.yaml', '--per-class', '0'])).toThrow(/expected a positive integer, got "0"/);
    expect(() => parseArgs(['inspect-data', 'e.yaml', '--augment', 'strog'])).toThrow(/argument 'strog' is invalid. Allowed choices are strong, weak/);
    expect(() => parseArgs(['inspect-data', 'e.yaml', '--views', '3'])).toThrow('--views needs --augment strong or --augment weak');
    expect(() => parseArgs(['inspect-data', 'e.yaml', '--augment', 'strong', '--views', '0'])).toThrow(/expected a positive integer, got "0"/);
  });

  it('parses the run-folder, cache and data commands', () => {
    expect(parseArgs(['report', 'runs/x/1'])).toEqual({ command: 'report', runDir: 'runs/x/1' });
    expect(parseArgs(['runs'])).toEqual({ command: 'runs', runsDir: 'runs', json: false });
    expect(parseArgs(['runs', 'exp02', '--runs-dir=r', '--json'])).toEqual({ command: 'runs', runsDir: 'r', name: 'exp02', json: true });
    expect(parseArgs(['compare', 'a', 'b', '--html', 'c.html'])).toEqual({ command: 'compare', targets: ['a', 'b'], runsDir: 'runs', html: 'c.html', json: false });
    expect(parseArgs(['cache', 'ls'])).toEqual({ command: 'cache', cache: { action: 'ls', cacheDir: '.neuro-ssl/cache', json: false } });
    expect(parseArgs(['cache', 'verify'])).toEqual({ command: 'cache', cache: { action: 'verify', cacheDir: '.neuro-ssl/cache', repair: false } });
    expect(parseArgs(['cache', 'verify', '--repair', '--cache-dir=c'])).toEqual({ command: 'cache', cache: { action: 'verify', cacheDir: 'c', repair: true } });
    expect(parseArgs(['cache', 'prune', '--older-than', '30d', '--keep-last=2', '--cache-dir', 'c'])).toEqual({
      command: 'cache',
      cache: { action: 'prune', cacheDir: 'c', olderThanMs: 30 * 86_400_000, keepLast: 2, dryRun: false },
    });
    expect(parseArgs(['data', 'fetch', 'br35h', '--out', 'd', '--labelled-per-class', '10', '--seed=7'])).toEqual({
      command: 'data-fetch',
      fetch: { dataset: 'br35h', out: 'd', labelledPerClass: 10, seed: 7 },
    });
  });

  it('reads ages', () => {
    expect(parseAge('90m')).toBe(90 * 60_000);
    expect(parseAge('1.5h')).toBe(1.5 * 3_600_000);
    expect(() => parseAge('30 days')).toThrow(/expected an age like 30d/);
  });
});
