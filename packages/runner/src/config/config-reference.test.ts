import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from './config-reference.js';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';

describe('README experiment YAML reference', () => {
  it('matches the core schema', () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const start = readme.indexOf(START);
    const end = readme.indexOf(END);
    expect(start >= 0 && end > start, `README.md needs the ${START} / ${END} markers`).toBe(true);
    const current = readme.slice(start + START.length, end).trim();
    expect(current, 'the README config reference is out of date: run npm run docs:config').toBe(renderConfigReference().trim());
  });

  it('documents every field with its default and allowed values', () => {
    const table = renderConfigReference();
    expect(table).toContain('| `runtime.backend` | string | `"auto"` | `auto`, `tensorflow-gpu`, `tensorflow`, `webgpu`, `wasm`, `cpu` |');
    expect(table).toContain('| `data.preprocess.normalise` | — | — | — | Deprecated spelling of `data.preprocess.normalize`: still read, with a warning. |');
    expect(table).toContain('| `data.preprocess.imageSize` | integer | `224` | 32 – 1024 |');
    expect(table).toContain('| `data.root` | string | **required** |');
    expect(table).toContain('| `stages[].use` | string | **required** |');
    expect(table).not.toMatch(/\| `[^`]+` \| [^|]+ \| [^|]+ \| [^|]+ \| {2}\|$/m); // no empty description
  });
});
