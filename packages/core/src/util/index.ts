// @neuro-ssl/core/util — atomic file writes, stable JSON, once-per-key folders shared by processes,
// child processes.
export { writeFileAtomic, writeFileExclusive, writeJsonAtomic } from './atomic.js';
export { stableStringify } from './stable-json.js';
export { ensureKeyedFolder, isProcessAlive, type KeyedFolderOptions } from './keyed-folder.js';
export { lastLines, runProcess, type ProcessResult } from './run-process.js';
