// Reads an optional file of a run folder. A run killed early, an older format or a pruned cache all
// leave gaps: the caller gets what is there and why the rest is not, never an exception.

import { promises as fs } from 'node:fs';

export type Loaded<T> = { ok: true; value: T } | { ok: false; reason: string };

const missing = (err: unknown): boolean => (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR';

export async function readTextFile(file: string): Promise<Loaded<string>> {
  try {
    return { ok: true, value: await fs.readFile(file, 'utf8') };
  } catch (err) {
    return { ok: false, reason: missing(err) ? 'not available' : `unreadable: ${(err as Error).message}` };
  }
}

export async function readJsonFile(file: string): Promise<Loaded<unknown>> {
  const text = await readTextFile(file);
  if (!text.ok) return text;
  try {
    return { ok: true, value: JSON.parse(text.value) as unknown };
  } catch (err) {
    return { ok: false, reason: `unreadable: ${(err as Error).message}` };
  }
}

export async function readBinaryFile(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch {
    return null;
  }
}

export async function isFile(file: string): Promise<boolean> {
  const stat = await fs.stat(file).catch(() => null);
  return stat?.isFile() ?? false;
}

export async function listDir(dir: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).sort();
  } catch {
    return [];
  }
}
