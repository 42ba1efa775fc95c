// @neuro-ssl/core/util — atomic file writes, stable JSON, advisory lock files and once-per-key folders
// shared by processes, child processes.
export { writeFileAtomic, writeFileExclusive, writeJsonAtomic } from './atomic.js';
export { stableStringify } from './stable-json.js';
export { ensureKeyedFolder, type KeyedFolderOptions } from './keyed-folder.js';
export { acquireLock, describeLockOwner, isLockStale, isProcessAlive, readLockOwner, tryLock, type AcquireOptions, type HeldLock, type LockOptions, type LockOwner } from './lock.js';
export { lastLines, runProcess, type ProcessResult } from './run-process.js';
