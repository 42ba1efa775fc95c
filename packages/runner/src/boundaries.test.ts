// The architecture's boundaries fail lint (eslint.config.js), so they hold without anyone remembering
// them: each case lints a line as if it stood in a real file of that package.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const eslint = new ESLint({ cwd: root });

async function importErrors(file: string, specifier: string): Promise<string[]> {
  const code = `import * as m from '${specifier}';\nexport const n = Object.keys(m).length;\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('package boundaries (lint)', () => {
  it('a stage importing another stage fails', async () => {
    expect(await importErrors('packages/stage-train/src/x.ts', '@neuro-ssl/stage-extract')).toEqual([
      expect.stringMatching(/stages never import each other/),
    ]);
    expect(await importErrors('packages/stage-ssl/src/deep/x.ts', '../../../stage-train/src/train-config.js')).toEqual([
      expect.stringMatching(/import another package by its name/),
    ]);
  });

  it('a stage or core importing the runner fails', async () => {
    expect(await importErrors('packages/stage-cluster/src/x.ts', '@neuro-ssl/runner')).toEqual([expect.stringMatching(/only the runner wires stages/)]);
    expect(await importErrors('packages/core/src/data/x.ts', '@neuro-ssl/runner')).toEqual([expect.stringMatching(/only the runner wires stages/)]);
    expect(await importErrors('packages/core/src/data/x.ts', '@neuro-ssl/stage-ssl')).toEqual([expect.stringMatching(/core knows no stage/)]);
  });

  it("anything importing core's internals past its entry points fails; the entry points pass", async () => {
    for (const file of ['packages/runner/src/x.ts', 'packages/stage-extract/src/x.ts']) {
      for (const deep of ['@neuro-ssl/core/dist/data/dhash.js', '@neuro-ssl/core/src/data/dhash.js']) {
        expect(await importErrors(file, deep)).toContainEqual(expect.stringMatching(/through its entry points only/));
      }
      for (const ok of ['@neuro-ssl/core', '@neuro-ssl/core/data', '@neuro-ssl/core/learn', '@neuro-ssl/core/util']) expect(await importErrors(file, ok), ok).toEqual([]);
    }
    // The runner wires stages: it may import them.
    expect(await importErrors('packages/runner/src/x.ts', '@neuro-ssl/stage-train')).toEqual([]);
  });
});
