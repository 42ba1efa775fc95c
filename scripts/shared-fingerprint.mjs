#!/usr/bin/env node
// Nx runtime input for the test targets: one line that changes whenever the data and weights shared
// beside the project (../shared, or NEURO_SSL_SHARED_DIR) change — file names, sizes and mtimes, not
// contents, so it takes milliseconds. Nx cannot glob outside the workspace; without this a changed
// dataset would replay a cached pass.
import { createHash } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const shared = process.env.NEURO_SSL_SHARED_DIR ? path.resolve(process.env.NEURO_SSL_SHARED_DIR) : path.resolve(root, '../shared');
const hash = createHash('sha256');
let files = 0;
try {
  const entries = readdirSync(shared, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  for (const file of entries) {
    const s = statSync(file);
    hash.update(`${path.relative(shared, file)}\0${s.size}\0${s.mtimeMs}\n`);
    files++;
  }
  process.stdout.write(`${shared} ${files} files ${hash.digest('hex').slice(0, 16)}\n`);
} catch {
  process.stdout.write(`${shared} absent\n`);
}
