import { describe, expect, it } from 'vitest';
import { createLogger, filterSink, type LogLevel } from './logger.js';

describe('filterSink', () => {
  it('passes only lines at or above its level, while other sinks get everything', () => {
    const quiet: string[] = [];
    const full: string[] = [];
    const logger = createLogger({ level: 'debug', sinks: [filterSink('warn', (l: LogLevel, line) => quiet.push(`${l} ${line}`)), (l, line) => full.push(`${l} ${line}`)] });
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.child('stage').error('e');
    expect(quiet).toEqual(['warn w', 'error [stage] e']);
    expect(full).toEqual(['debug d', 'info i', 'warn w', 'error [stage] e']);
  });
});
