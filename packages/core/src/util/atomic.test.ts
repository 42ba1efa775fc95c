import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeFileAtomic, writeFileExclusive } from './atomic.js';

describe('atomic writes', () => {
  it('writeFileAtomic replaces; writeFileExclusive never does; neither leaves a temp file', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'atomic-'));
    const file = path.join(dir, 'sub', 'out.csv');
    expect(await writeFileExclusive(file, 'first')).toBe(true);
    expect(await writeFileExclusive(file, 'second')).toBe(false);
    expect(await fs.readFile(file, 'utf8')).toBe('first');
    await writeFileAtomic(file, 'third');
    expect(await fs.readFile(file, 'utf8')).toBe('third');
    expect(await fs.readdir(path.dirname(file))).toEqual(['out.csv']);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
