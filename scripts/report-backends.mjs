// postinstall: tell the user which TensorFlow.js backends this install can use, and why the native
// ones may be missing (their install script downloads libtensorflow, which fails offline).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.cwd(), 'noop.js'));
const found = (name) => {
  try {
    const pkg = require.resolve(`${name}/package.json`);
    // tfjs-node's binding is built or downloaded by its install script; without it the package cannot load.
    return !name.includes('tfjs-node') || existsSync(path.join(path.dirname(pkg), 'lib'));
  } catch {
    return false;
  }
};
const backends = [
  ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
  ['tensorflow', '@tensorflow/tfjs-node'],
  // webgpu: installed means usable only with a Vulkan driver and a GPU; `runner doctor` checks the adapter.
  ['webgpu', '@tensorflow/tfjs-backend-webgpu'],
  ['wasm', '@tensorflow/tfjs-backend-wasm'],
  ['cpu', '@tensorflow/tfjs'],
];
const present = backends.filter(([, pkg]) => found(pkg)).map(([name]) => name);
const missingNative = backends.slice(0, 2).filter(([name]) => !present.includes(name)).map(([, pkg]) => pkg);
const cpuSide = present.filter((name) => name !== 'webgpu');
const gpuNote = present.includes('webgpu') ? ', or webgpu before it when a hardware GPU adapter is found (npx runner doctor)' : '';
let line = `neuro-ssl: TensorFlow.js backends installed: ${present.join(', ')} (runtime.backend: auto picks ${cpuSide[0] ?? 'none'}${gpuNote}).`;
if (missingNative.length) {
  line += `\nneuro-ssl: optional ${missingNative.join(' and ')} not installed — their install script downloads libtensorflow,` +
    ' which needs network access (and CUDA for -gpu). Everything works without them, slower; see README "TensorFlow backends".';
}
console.log(line);
