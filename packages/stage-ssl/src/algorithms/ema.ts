// An exponential moving average of the model's weights, used to evaluate and to keep (as USB does):
// the averaged weights are smoother than the last step's. The decay warms up as
// min(decay, (1 + t)/(10 + t)) at step t (TensorFlow's ExponentialMovingAverage with num_updates):
// our trainings run hundreds of steps, not a million, and with a flat 0.999 the average would stay
// mostly the weights training started from.

import type { LayersModel, Tf } from '@neuro-ssl/core';

export class WeightEma {
  private shadow: Float32Array[];
  private steps = 0;

  constructor(
    private readonly tf: Tf,
    private readonly model: LayersModel,
    readonly decay: number,
  ) {
    if (!(decay >= 0 && decay < 1)) throw new Error(`ema: decay must be in [0, 1), got ${decay}`);
    this.shadow = readWeights(model);
  }

  /** The decay the next update uses. */
  get currentDecay(): number {
    return Math.min(this.decay, (1 + this.steps) / (10 + this.steps));
  }

  /** After an optimizer step: shadow ← d·shadow + (1 − d)·weights (non-trainable weights, e.g. BatchNorm statistics, are copied). */
  update(): void {
    const d = this.currentDecay;
    const trainable = new Set(this.model.trainableWeights.map((w) => w.originalName));
    this.model.weights.forEach((w, i) => {
      const now = w.read().dataSync() as Float32Array;
      const s = this.shadow[i]!;
      if (!trainable.has(w.originalName)) s.set(now);
      else for (let k = 0; k < s.length; k++) s[k] = d * s[k]! + (1 - d) * now[k]!;
    });
    this.steps++;
  }

  /** A copy of the averaged weights. */
  snapshot(): Float32Array[] {
    return this.shadow.map((s) => Float32Array.from(s));
  }

  /** Runs `fn` with the averaged weights in the model, then puts the training weights back. */
  async withAverage<T>(fn: () => Promise<T>): Promise<T> {
    const training = readWeights(this.model);
    writeWeights(this.tf, this.model, this.shadow);
    try {
      return await fn();
    } finally {
      writeWeights(this.tf, this.model, training);
    }
  }
}

export function readWeights(model: LayersModel): Float32Array[] {
  return model.weights.map((w) => Float32Array.from(w.read().dataSync() as Float32Array));
}

export function writeWeights(tf: Tf, model: LayersModel, values: readonly Float32Array[]): void {
  const tensors = model.weights.map((w, i) => tf.tensor(values[i]!, w.shape as number[]));
  model.setWeights(tensors);
  tensors.forEach((t) => t.dispose());
}
