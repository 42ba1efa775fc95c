// Where a run came from, for summary.json: enough to tell two run folders apart (or prove them alike)
// without the machine that made them — commit, package versions, Node, backend, CPU, and the inputs.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DatasetIndex } from '@neuro-ssl/core';

export interface Provenance {
  git: { commit: string; dirty: boolean } | null;
  packages: Record<string, string>;
  node: string;
  backend: { requested: string; used: string | null };
  cpu: { model: string; cores: number };
  platform: string;
  /** The input images: how many, and a hash of their sorted (id, sha256) list. */
  inputs: { files: number; sha256: string };
}

const PACKAGES = ['@neuro-ssl/core', '@neuro-ssl/stage-extract', '@neuro-ssl/stage-cluster', '@neuro-ssl/stage-train', '@neuro-ssl/stage-ssl'];

const run = promisify(execFile);

/** The commit of the git checkout holding `dir`, and whether its tracked files differ from it; null outside git. */
export async function gitState(dir: string): Promise<Provenance['git']> {
  try {
    const { stdout: commit } = await run('git', ['rev-parse', 'HEAD'], { cwd: dir });
    const { stdout: status } = await run('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir });
    return { commit: commit.trim(), dirty: status.trim().length > 0 };
  } catch {
    return null;
  }
}

function packageVersions(): Record<string, string> {
  const versions: Record<string, string> = {};
  const own = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { name: string; version: string };
  versions[own.name] = own.version;
  for (const name of PACKAGES) {
    try {
      // A package's entry is <root>/dist/index.js: its package.json sits one folder above dist/.
      const entry = fileURLToPath(import.meta.resolve(name));
      const pkg = JSON.parse(readFileSync(path.join(path.dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
      versions[name] = pkg.version;
    } catch {
      versions[name] = 'not installed';
    }
  }
  return versions;
}

export function inputsIdentity(index: DatasetIndex): Provenance['inputs'] {
  const rows = index.images.map((r) => `${r.id}\t${r.sha256}`).sort();
  return { files: rows.length, sha256: createHash('sha256').update(rows.join('\n')).digest('hex') };
}

export async function collectProvenance(options: { codeDir: string; backendRequested: string; backendUsed: string | null; index: DatasetIndex | null }): Promise<Provenance> {
  const cpus = os.cpus();
  return {
    git: await gitState(options.codeDir),
    packages: packageVersions(),
    node: process.version,
    backend: { requested: options.backendRequested, used: options.backendUsed },
    cpu: { model: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length },
    platform: `${process.platform} ${process.arch}`,
    inputs: options.index ? inputsIdentity(options.index) : { files: 0, sha256: '' },
  };
}
