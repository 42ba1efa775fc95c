// Deterministic random initialisation for `weights: none`. TF.js initialisers draw from their own
// unseeded generator, so a model built twice differs; this re-draws every weight from the stage's
// seeded Rng instead (He-normal kernels, BatchNorm identity, zero biases), so the YAML seed fixes it.

import type { LayersModel } from '@tensorflow/tfjs';
import type { Tf } from '../tf/types.js';
import type { Rng } from '../util/rng.js';

export function seededInit(tf: Tf, model: LayersModel, rng: Rng): void {
  for (const layer of model.layers) {
    if (!layer.weights.length) continue;
    const values = layer.weights.map((w) => {
      const role = w.originalName.slice(w.originalName.lastIndexOf('/') + 1);
      const shape = [...w.shape] as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      if (role === 'gamma' || role === 'moving_variance') data.fill(1);
      else if (role.endsWith('kernel')) {
        // conv [kh, kw, in, out] / depthwise [kh, kw, in, mult] / dense [in, out]: fan-in excludes the last axis
        const fanIn = role === 'depthwise_kernel' ? (shape[0] ?? 1) * (shape[1] ?? 1) : size / (shape[shape.length - 1] ?? 1);
        const std = Math.sqrt(2 / Math.max(1, fanIn));
        for (let i = 0; i < size; i++) data[i] = rng.normal() * std;
      }
      return tf.tensor(data, shape, 'float32');
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}
