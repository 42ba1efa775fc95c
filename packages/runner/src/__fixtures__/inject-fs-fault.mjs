// Fault injection for the fault-tolerance tests, preloaded into the runner with
//   NODE_OPTIONS="--import=<this file>" FAULT_CODE=ENOSPC FAULT_OPS=copyFile FAULT_MATCH=<regex>
// Each listed fs operation whose target path matches FAULT_MATCH fails with FAULT_CODE, as the kernel
// would report it (code, syscall, path, dest). Nothing in the runner knows about it: this is how a full
// disk or a read-only mount looks from Node when neither can be set up for real (no root, no tmpfs).
// A recursive mkdir on a read-only file system fails with ENOENT in Node, as it does here.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const code = process.env.FAULT_CODE;
const match = process.env.FAULT_MATCH ? new RegExp(process.env.FAULT_MATCH) : null;
const ops = new Set((process.env.FAULT_OPS ?? '').split(',').filter(Boolean));
const MESSAGES = { ENOSPC: 'no space left on device', EROFS: 'read-only file system', EACCES: 'permission denied', ENOENT: 'no such file or directory' };

function fault(errCode, syscall, target, dest) {
  const where = dest ? `'${target}' -> '${dest}'` : `'${target}'`;
  const err = new Error(`${errCode}: ${MESSAGES[errCode] ?? 'injected fault'}, ${syscall} ${where}`);
  return Object.assign(err, { code: errCode, syscall, path: String(target), ...(dest ? { dest: String(dest) } : {}) });
}

const hits = (target) => match !== null && match.test(String(target));

if (code && match) {
  const p = fs.promises;
  if (ops.has('copyFile')) {
    const orig = p.copyFile;
    p.copyFile = async (src, dest, mode) => {
      if (hits(dest)) throw fault(code, 'copyfile', src, dest);
      return orig(src, dest, mode);
    };
  }
  if (ops.has('writeFile')) {
    const orig = p.writeFile;
    p.writeFile = async (target, data, options) => {
      if (hits(target)) throw fault(code, 'open', target);
      return orig(target, data, options);
    };
  }
  if (ops.has('mkdir')) {
    const orig = p.mkdir;
    const wrong = (options) => (code === 'EROFS' && options?.recursive ? 'ENOENT' : code);
    p.mkdir = async (target, options) => {
      if (hits(target)) throw fault(wrong(options), 'mkdir', target);
      return orig(target, options);
    };
    const origSync = fs.mkdirSync;
    fs.mkdirSync = (target, options) => {
      if (hits(target)) throw fault(wrong(options), 'mkdir', target);
      return origSync(target, options);
    };
  }
  syncBuiltinESMExports();
}
