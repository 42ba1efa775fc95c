import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '@neuro-ssl/core';
import { createProgressFactory, createRunLogSink, formatDuration } from './progress-reporter.js';

function fakeStream(isTTY: boolean, columns?: number) {
  const chunks: string[] = [];
  return { chunks, stream: { isTTY, columns, write: (s: string) => chunks.push(s) } };
}

function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('createProgressFactory on a terminal', () => {
  it('redraws one bar line, throttled, and ends with a done line', () => {
    const { chunks, stream } = fakeStream(true);
    const clock = fakeClock();
    const logged: string[] = [];
    const factory = createProgressFactory({ stream, now: clock.now, log: (l) => logged.push(l), redrawMs: 100 });
    const bar = factory({ label: 'extract', total: 1506, unit: 'img' });

    clock.advance(3500);
    bar.tick(120);
    expect(chunks).toEqual(['\rextract [##------------------] 120/1506 8.0% 34.3 img/s ETA 0:40\x1b[K']);

    clock.advance(50);
    bar.tick(); // within 100 ms of the last redraw: not drawn
    expect(chunks).toHaveLength(1);

    clock.advance(60);
    bar.status('loss 0.412');
    expect(chunks).toHaveLength(2);
    expect(chunks[1]!.startsWith('\rextract [##------------------] 121/1506 8.0% ')).toBe(true);
    expect(chunks[1]!.endsWith(' loss 0.412\x1b[K')).toBe(true);
    expect(logged).toEqual([]); // less than intervalMs so far

    clock.advance(40_000);
    bar.tick(1385);
    bar.done();
    bar.done(); // idempotent
    bar.tick(); // ignored after done
    expect(chunks.at(-1)).toBe('\rextract done: 1506/1506 img in 0:44 (34.5 img/s) loss 0.412\x1b[K\n');
    expect(chunks.join('')).not.toContain('\n\r');
    // run.log gets the plain lines: one periodic, one final; no escapes
    expect(logged).toEqual([
      'extract 1506/1506 100.0% 34.5 img/s ETA 0:00 loss 0.412',
      'extract done: 1506/1506 img in 0:44 (34.5 img/s) loss 0.412',
    ]);
  });

  it('cuts the bar to the terminal width', () => {
    const { chunks, stream } = fakeStream(true, 30);
    const clock = fakeClock();
    const bar = createProgressFactory({ stream, now: clock.now })({ label: 'features', total: 10 });
    clock.advance(1000);
    bar.tick();
    expect(chunks[0]).toBe('\rfeatures [##-----------------\x1b[K');
  });

  it('lets log lines through without gluing them to the bar', () => {
    const { chunks, stream } = fakeStream(true);
    const clock = fakeClock();
    const factory = createProgressFactory({ stream, now: clock.now });
    const logger = createLogger({ sinks: [factory.wrapSink((_level, line) => stream.write(`${line}\n`))] });
    const bar = factory({ label: 'train', total: 4, unit: 'batch' });
    clock.advance(1000);
    bar.tick();
    logger.info('epoch 1: loss 0.5');
    expect(chunks.slice(1)).toEqual(['\r\x1b[K', 'epoch 1: loss 0.5\n', 'train [#####---------------] 1/4 25.0% 1.0 batch/s ETA 0:03\x1b[K']);
  });
});

describe('createProgressFactory without a terminal', () => {
  it('prints a plain line every intervalMs and at done', () => {
    const { chunks, stream } = fakeStream(false);
    const clock = fakeClock();
    const logged: string[] = [];
    const factory = createProgressFactory({ stream, now: clock.now, log: (l) => logged.push(l), intervalMs: 10_000 });
    const p = factory({ label: 'scan', total: 1000, unit: 'img' });
    for (let i = 0; i < 25; i++) {
      clock.advance(1000);
      p.tick(20);
    }
    p.status('12 bad files');
    p.done();
    expect(chunks).toEqual([
      'scan 200/1000 20.0% 20.0 img/s ETA 0:40\n',
      'scan 400/1000 40.0% 20.0 img/s ETA 0:30\n',
      'scan done: 500/1000 img in 0:25 (20.0 img/s) 12 bad files\n',
    ]);
    expect(logged).toEqual(chunks.map((c) => c.trimEnd()));
  });

  it('counts without a total', () => {
    const { chunks, stream } = fakeStream(false);
    const clock = fakeClock();
    const p = createProgressFactory({ stream, now: clock.now, intervalMs: 5000 })({ label: 'decode' });
    clock.advance(5000);
    p.tick(50);
    p.done();
    expect(chunks).toEqual(['decode 50 it 10.0 it/s 0:05\n', 'decode done: 50 it in 0:05 (10.0 it/s)\n']);
  });
});

describe('formatDuration', () => {
  it('formats m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(41)).toBe('0:41');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('?');
  });
});

describe('createRunLogSink', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('appends timestamped lines, creating the folder', async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'neuro-ssl-log-'));
    const file = path.join(dir, 'run', 'run.log');
    const { sink, close } = createRunLogSink(file, { now: () => Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
    const logger = createLogger({ level: 'debug', sinks: [sink] }).child('extract');
    logger.debug('cache miss');
    logger.warn('2 bad files:\na.png\nb.png');
    await close();
    sink('info', 'after close is dropped');
    const again = createRunLogSink(file, { now: () => Date.UTC(2026, 0, 2, 3, 4, 6) });
    again.sink('error', 'second writer appends');
    await again.close();
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '2026-01-02T03:04:05.678Z DEBUG [extract] cache miss',
        '2026-01-02T03:04:05.678Z WARN  [extract] 2 bad files:',
        '2026-01-02T03:04:05.678Z WARN  a.png',
        '2026-01-02T03:04:05.678Z WARN  b.png',
        '2026-01-02T03:04:06.000Z ERROR second writer appends',
        '',
      ].join('\n'),
    );
  });
});
