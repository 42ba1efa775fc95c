// The code part of a stage's cache key: a hash of the built JavaScript that runs — the plugin's and
// core's — so changing a stage's code without bumping its `version` can never replay a stale result.
// A plugin inside a package with a dist/ folder is hashed as that whole folder (its modules import
// each other); a lone module file (a plugin given by path) as that file.

import { createHash } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const memo = new Map<string, Promise<string>>();

/** sha256 (hex, 32 chars) of the code a plugin module runs, core's included; memoised per process. */
export function pluginCodeHash(moduleFile: string): Promise<string> {
  let hash = memo.get(moduleFile);
  if (!hash) {
    hash = (async () => {
      const h = createHash('sha256');
      for (const root of [await codeRootOf(moduleFile), coreDist()]) h.update(`${await hashJs(root)}\0`);
      return h.digest('hex').slice(0, 32);
    })();
    memo.set(moduleFile, hash);
  }
  return hash;
}

function coreDist(): string {
  return path.dirname(fileURLToPath(import.meta.resolve('@neuro-ssl/core')));
}

/** The dist/ folder of the package holding `file`, when the file is inside it; else the file itself. */
async function codeRootOf(file: string): Promise<string> {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) {
      const dist = path.join(dir, 'dist');
      return file.startsWith(`${dist}${path.sep}`) ? dist : file;
    }
    if (path.dirname(dir) === dir) return file;
  }
}

/** A file's bytes, or every .js/.mjs/.cjs file below a folder (sorted relative names and bytes). */
async function hashJs(target: string): Promise<string> {
  const h = createHash('sha256');
  const stat = await fs.stat(target);
  if (stat.isFile()) return h.update(await fs.readFile(target)).digest('hex');
  const files = (await fs.readdir(target, { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile() && /\.[cm]?js$/.test(e.name))
    .map((e) => path.relative(target, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
  for (const rel of files) {
    const bytes = await fs.readFile(path.join(target, rel));
    h.update(`${rel}\0${bytes.length}\0`).update(bytes);
  }
  return h.digest('hex');
}
