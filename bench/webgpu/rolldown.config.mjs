// Bundles bench/webgpu/run.mjs (→ run.mjs) and bench/train/run.mjs (→ train.mjs, the training bench's
// webgpu column) for a machine without npm (bench/webgpu/pack.sh): TF.js and core
// inlined (the packages' node "main" entries, as Node resolves them), Dawn's native `webgpu` left
// external (pack.sh carries it beside the bundle in node_modules/). core's modules have no side
// effects, so the parts of its index the bench does not use (sharp, vega…) drop out.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export default {
  input: { run: path.join(root, 'bench/webgpu/run.mjs'), train: path.join(root, 'bench/train/run.mjs') },
  platform: 'node',
  external: ['webgpu'],
  resolve: { mainFields: ['main'] },
  treeshake: { moduleSideEffects: (id) => !id.includes('/packages/core/dist/') },
  output: {
    // CommonJS code inlined into ES modules still reads __dirname (tfjs-backend-wasm's Emscripten loader).
    banner:
      "import { fileURLToPath as __bundleFileURLToPath } from 'node:url'; import { dirname as __bundleDirname } from 'node:path'; " +
      'const __filename = __bundleFileURLToPath(import.meta.url); const __dirname = __bundleDirname(__filename);',
    dir: path.join(root, '.gpu-bench/bench'),
    format: 'esm',
    entryFileNames: '[name].mjs',
    chunkFileNames: '[name]-[hash].mjs',
  },
};
