import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ensureKeyedFolder } from './keyed-folder.js';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'keyed-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const read = async (dir: string): Promise<string | undefined> => fs.readFile(path.join(dir, 'done.txt'), 'utf8').catch(() => undefined);

describe('ensureKeyedFolder', () => {
  it('generates once for concurrent callers, then reuses; removes older keys', async () => {
    await fs.mkdir(path.join(root, '0000000000000000'));
    let runs = 0;
    const generate = async (tmp: string): Promise<void> => {
      runs++;
      await new Promise((r) => setTimeout(r, 50));
      await fs.writeFile(path.join(tmp, 'done.txt'), 'v1');
    };
    const key = 'abcdef0123456789';
    const [a, b] = await Promise.all([
      ensureKeyedFolder({ root, key, read, generate, timeoutMs: 10_000 }),
      ensureKeyedFolder({ root, key, read, generate, timeoutMs: 10_000 }),
    ]);
    expect(runs).toBe(1);
    expect(a).toEqual({ dir: path.join(root, key), value: 'v1' });
    expect(b).toEqual(a);
    expect((await fs.readdir(root)).sort()).toEqual([key]);
    await ensureKeyedFolder({ root, key, read, generate, timeoutMs: 10_000 });
    expect(runs).toBe(1);
  });

  it('a failed generation leaves nothing behind, and a dead owner’s lock is taken over', async () => {
    const key = '1111111111111111';
    await expect(ensureKeyedFolder({ root, key, read, generate: () => Promise.reject(new Error('boom')), timeoutMs: 1000 })).rejects.toThrow('boom');
    expect(await fs.readdir(root)).toEqual([]);
    // pid 2^22+1 cannot exist (above Linux's default pid_max)
    await fs.writeFile(path.join(root, `${key}.lock`), JSON.stringify({ pid: 4194305 }));
    const got = await ensureKeyedFolder({ root, key, read, generate: (tmp) => fs.writeFile(path.join(tmp, 'done.txt'), 'ok'), timeoutMs: 5000 });
    expect(got.value).toBe('ok');
    expect(existsSync(path.join(root, `${key}.lock`))).toBe(false);
  });
});
