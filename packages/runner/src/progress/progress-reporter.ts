// Progress output. On a terminal: one bar line, redrawn in place at most every `redrawMs`. Elsewhere
// (CI, pipes): a plain line every `intervalMs` and at the end. In both modes the plain lines also go to
// `log` (the runner points it at run.log), so the log file never holds carriage returns or escapes.

import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { LogLevel, LogSink, Progress, ProgressFactory, ProgressOptions } from '@neuro-ssl/core';

/** The part of a NodeJS.WriteStream that progress output uses. */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** Terminal width; bar lines are cut to fit. */
  columns?: number;
}

export interface ProgressFactoryOptions {
  /** Where bars / plain lines are written (default process.stderr). */
  stream?: ProgressStream;
  /** Draw a redrawn bar (default: stream.isTTY). */
  isTTY?: boolean;
  /** Receives every plain line (periodic and final), e.g. for run.log. */
  log?: (line: string) => void;
  /** Period of plain lines (default 10 s). */
  intervalMs?: number;
  /** Minimum time between two redraws of a terminal bar (default 100 ms). */
  redrawMs?: number;
  /** Clock in ms (default Date.now); tests inject their own. */
  now?: () => number;
}

export interface ProgressReporter extends ProgressFactory {
  /**
   * Wraps a console sink that writes to the same terminal, so that a log line printed while a bar is
   * shown clears the bar first and redraws it underneath, instead of being glued to it.
   */
  wrapSink(sink: LogSink): LogSink;
}

const BAR_WIDTH = 20;
const CLEAR_LINE = '\x1b[K';

/** 41 → "0:41", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

interface Snapshot {
  label: string;
  unit: string;
  count: number;
  total: number | undefined;
  elapsedMs: number;
  status: string;
}

function rateOf(s: Snapshot): number {
  return s.elapsedMs > 0 ? (s.count * 1000) / s.elapsedMs : 0;
}

/** "120/1506 8.0% 34.2 img/s ETA 0:41" (or "120 img 34.2 img/s 0:03" without a total). */
function counters(s: Snapshot): string {
  const rate = rateOf(s);
  const rateText = `${rate.toFixed(1)} ${s.unit}/s`;
  if (s.total === undefined) return `${s.count} ${s.unit} ${rateText} ${formatDuration(s.elapsedMs / 1000)}`;
  const pct = s.total > 0 ? (100 * s.count) / s.total : 100;
  const eta = rate > 0 ? formatDuration(Math.max(0, s.total - s.count) / rate) : '?';
  return `${s.count}/${s.total} ${pct.toFixed(1)}% ${rateText} ETA ${eta}`;
}

function withStatus(line: string, status: string): string {
  return status ? `${line} ${status}` : line;
}

export function formatBarLine(s: Snapshot): string {
  if (s.total === undefined) return withStatus(`${s.label} ${counters(s)}`, s.status);
  const frac = s.total > 0 ? Math.min(1, Math.max(0, s.count / s.total)) : 1;
  const filled = Math.round(frac * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  return withStatus(`${s.label} ${bar} ${counters(s)}`, s.status);
}

export function formatPlainLine(s: Snapshot): string {
  return withStatus(`${s.label} ${counters(s)}`, s.status);
}

export function formatDoneLine(s: Snapshot): string {
  const count = s.total === undefined ? `${s.count}` : `${s.count}/${s.total}`;
  const line = `${s.label} done: ${count} ${s.unit} in ${formatDuration(s.elapsedMs / 1000)} (${rateOf(s).toFixed(1)} ${s.unit}/s)`;
  return withStatus(line, s.status);
}

export function createProgressFactory(options: ProgressFactoryOptions = {}): ProgressReporter {
  const stream: ProgressStream = options.stream ?? process.stderr;
  const tty = options.isTTY ?? Boolean(stream.isTTY);
  const log = options.log;
  const intervalMs = options.intervalMs ?? 10_000;
  const redrawMs = options.redrawMs ?? 100;
  const now = options.now ?? Date.now;

  /** The bar currently drawn on the terminal's last line (TTY mode), and its text. */
  let drawn: { owner: object; text: string } | undefined;

  const fit = (line: string): string => {
    const width = stream.columns;
    return width && width > 1 && line.length > width - 1 ? line.slice(0, width - 1) : line;
  };
  const draw = (owner: object, line: string): void => {
    const text = fit(line);
    stream.write(`\r${text}${CLEAR_LINE}`);
    drawn = { owner, text };
  };
  const clear = (): void => {
    if (drawn) stream.write(`\r${CLEAR_LINE}`);
  };

  const factory = (opts: ProgressOptions): Progress => {
    const owner = {};
    const started = now();
    let count = 0;
    let status = '';
    let finished = false;
    let lastDraw = -Infinity;
    let lastPlain = started;
    const snapshot = (): Snapshot => ({
      label: opts.label,
      unit: opts.unit ?? 'it',
      count,
      total: opts.total,
      elapsedMs: now() - started,
      status,
    });
    const emitPlain = (line: string): void => {
      if (!tty) stream.write(`${line}\n`);
      log?.(line);
    };
    const update = (): void => {
      const t = now();
      if (tty && t - lastDraw >= redrawMs) {
        lastDraw = t;
        draw(owner, formatBarLine(snapshot()));
      }
      if (t - lastPlain >= intervalMs) {
        lastPlain = t;
        emitPlain(formatPlainLine(snapshot()));
      }
    };
    return {
      tick(n = 1) {
        if (finished) return;
        count += n;
        update();
      },
      status(text: string) {
        if (finished) return;
        status = text;
        update();
      },
      done() {
        if (finished) return;
        finished = true;
        const line = formatDoneLine(snapshot());
        if (tty) {
          if (drawn && drawn.owner !== owner) stream.write('\n'); // keep another bar's line
          stream.write(`\r${fit(line)}${CLEAR_LINE}\n`);
          drawn = undefined;
        }
        emitPlain(line);
      },
    };
  };

  const wrapSink = (sink: LogSink): LogSink => {
    if (!tty) return sink;
    return (level: LogLevel, line: string) => {
      const bar = drawn;
      clear();
      sink(level, line);
      if (bar) {
        stream.write(`${bar.text}${CLEAR_LINE}`);
        drawn = bar;
      }
    };
  };

  return Object.assign(factory, { wrapSink });
}

export interface RunLogSink {
  sink: LogSink;
  close(): Promise<void>;
}

/**
 * Appends `2026-01-02T03:04:05.678Z INFO  message` lines to `file` (created with its folder if needed).
 * Writes are synchronous so nothing is lost if the process dies; lines after close() are dropped.
 */
export function createRunLogSink(file: string, options: { now?: () => number } = {}): RunLogSink {
  const now = options.now ?? Date.now;
  mkdirSync(path.dirname(file), { recursive: true });
  let fd: number | undefined = openSync(file, 'a');
  const sink: LogSink = (level, line) => {
    if (fd === undefined) return;
    const stamp = `${new Date(now()).toISOString()} ${level.toUpperCase().padEnd(5)} `;
    const text = line
      .split(/\r?\n/)
      .map((l) => stamp + l)
      .join('\n');
    writeSync(fd, `${text}\n`);
  };
  return {
    sink,
    close() {
      if (fd !== undefined) {
        closeSync(fd);
        fd = undefined;
      }
      return Promise.resolve();
    },
  };
}
