import { describe, expect, it } from 'vitest';
import { parseArgs, UsageError } from './cli-args.js';

describe('parseArgs', () => {
  it('parses a run with flags, --force with and without a stage', () => {
    const c = parseArgs(['exp.yaml', '--force', 'train', '--dry-run']);
    expect(c).toEqual({ command: 'run', file: 'exp.yaml', flags: { force: new Set(['train']), dryRun: true, verbose: false, quiet: false } });
    const all = parseArgs(['--force', 'exp.yaml']);
    expect(all.command === 'run' && all.flags.force).toBe(true);
    const eq = parseArgs(['exp.yml', '--force=extract', '--from', 'cluster']);
    expect(eq.command === 'run' && [...(eq.flags.force as Set<string>)]).toEqual(['extract']);
    expect(eq.command === 'run' && eq.flags.from).toBe('cluster');
  });
  it('parses inspect-data and help', () => {
    expect(parseArgs(['inspect-data', 'e.yaml', '--out', 'x', '--per-class', '3'])).toEqual({
      command: 'inspect-data',
      file: 'e.yaml',
      out: 'x',
      perClass: 3,
      verbose: false,
    });
    expect(parseArgs([])).toEqual({ command: 'help' });
  });
  it('rejects bad usage with a reason', () => {
    expect(() => parseArgs(['e.yaml', '--only'])).toThrow(/--only expects a stage id/);
    expect(() => parseArgs(['e.yaml', '--from', 'a', '--only', 'b'])).toThrow(UsageError);
    expect(() => parseArgs(['e.yaml', '--frce'])).toThrow(/unknown option --frce/);
    expect(() => parseArgs(['a.yaml', 'b.yaml'])).toThrow(/one experiment file/);
  });
});
