// Logger: human lines on stderr, the same lines (with timestamps) in the run's run.log.

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** A logger whose lines carry a `[scope]` prefix. */
  child(scope: string): Logger;
}

export type LogSink = (level: LogLevel, line: string) => void;

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

export interface LoggerOptions {
  /** Lowest level shown on the console sink (files always get everything from debug up). */
  level?: LogLevel;
  sinks: LogSink[];
  scope?: string;
}

export function createLogger(options: LoggerOptions): Logger {
  const min = ORDER[options.level ?? 'info'];
  const prefix = options.scope ? `[${options.scope}] ` : '';
  const emit = (level: LogLevel, message: string): void => {
    if (ORDER[level] < min) return;
    for (const sink of options.sinks) sink(level, `${prefix}${message}`);
  };
  return {
    debug: (m) => emit('debug', m),
    info: (m) => emit('info', m),
    warn: (m) => emit('warn', m),
    error: (m) => emit('error', m),
    child: (scope) => createLogger({ ...options, scope: options.scope ? `${options.scope}:${scope}` : scope }),
  };
}

/** Console sink: warnings and errors are labelled so they stand out in CI logs. */
export function consoleSink(stream: NodeJS.WritableStream = process.stderr): LogSink {
  return (level, line) => {
    const tag = level === 'warn' ? 'WARN ' : level === 'error' ? 'ERROR ' : '';
    stream.write(`${tag}${line}\n`);
  };
}

/** A sink that passes on only lines at `level` or above (e.g. a quieter console beside a full run.log). */
export function filterSink(level: LogLevel, sink: LogSink): LogSink {
  const min = ORDER[level];
  return (l, line) => {
    if (ORDER[l] >= min) sink(l, line);
  };
}

/** A logger that drops everything (library calls made outside a run). */
export const silentLogger: Logger = createLogger({ sinks: [] });
