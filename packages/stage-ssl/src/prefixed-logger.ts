// Log lines of one part of a run, marked as such ("fold 2/5: round 3/11 …"); a quiet one sends its
// info lines to the debug log (the many epochs of inner trainings, which only choose).

import type { Logger } from '@neuro-ssl/core';

/** A logger whose lines start with `prefix` (e.g. "fold 2/5: "); `quiet` sends its info lines to debug. */
export function prefixed(logger: Logger, prefix: string, quiet = false): Logger {
  return {
    debug: (m) => logger.debug(prefix + m),
    info: (m) => (quiet ? logger.debug(prefix + m) : logger.info(prefix + m)),
    warn: (m) => logger.warn(prefix + m),
    error: (m) => logger.error(prefix + m),
    child: (scope) => prefixed(logger.child(scope), prefix, quiet),
  };
}
