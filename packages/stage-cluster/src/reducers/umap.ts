// UMAP reducer: umap-js 1.4.0, seeded through its `random` option with the run's Rng (umap-js draws
// every random number — RP-tree forest, NN-descent, init, negative sampling — from that function).

import type { JsonSchema } from '@neuro-ssl/core';
import { UMAP } from 'umap-js';
import { matrix, type Matrix } from '../matrix.js';
import type { Reducer, ReducerContext, ReducerOutput } from './reducer.js';

export interface UmapParams {
  nNeighbors?: number;
  minDist?: number;
  nComponents?: number;
  /** Optimisation epochs; 0 or absent = umap-js's default (500 for n ≤ 2500, then 400 / 300 / 200). */
  nEpochs?: number;
  spread?: number;
}

const DEFAULTS = { nNeighbors: 15, minDist: 0.1, nComponents: 2, nEpochs: 0, spread: 1 };

export const umapSchema: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    nNeighbors: { type: 'integer', minimum: 2, default: DEFAULTS.nNeighbors, description: 'Size of the local neighbourhood; must be < n.' },
    minDist: { type: 'number', minimum: 0, default: DEFAULTS.minDist },
    nComponents: { type: 'integer', minimum: 1, default: DEFAULTS.nComponents },
    nEpochs: { type: 'integer', minimum: 0, default: DEFAULTS.nEpochs, description: "0 = umap-js's default (500 for n ≤ 2500)." },
    spread: { type: 'number', exclusiveMinimum: 0, default: DEFAULTS.spread },
  },
};

export const umapReducer: Reducer<UmapParams> = {
  name: 'umap',
  description: 'UMAP (umap-js 1.4.0), seeded from the run; scales to large n, unlike exact t-SNE.',
  schema: umapSchema,
  async reduce(x: Matrix, params: UmapParams, ctx: ReducerContext): Promise<ReducerOutput> {
    const p = {
      nNeighbors: params.nNeighbors ?? DEFAULTS.nNeighbors,
      minDist: params.minDist ?? DEFAULTS.minDist,
      nComponents: params.nComponents ?? DEFAULTS.nComponents,
      nEpochs: params.nEpochs ?? DEFAULTS.nEpochs,
      spread: params.spread ?? DEFAULTS.spread,
    };
    if (x.rows <= p.nNeighbors) throw new Error(`umap: needs more than nNeighbors=${p.nNeighbors} samples, got ${x.rows}`);
    ctx.signal?.throwIfAborted();
    const started = performance.now();
    const rows: number[][] = [];
    for (let i = 0; i < x.rows; i++) rows.push(Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)));
    const umap = new UMAP({ ...p, random: () => ctx.rng.next() });
    const nEpochs = umap.initializeFit(rows);
    let last = performance.now();
    for (let epoch = 0; epoch < nEpochs; epoch++) {
      umap.step();
      if (performance.now() - last > 100) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        last = performance.now();
      }
      ctx.signal?.throwIfAborted();
    }
    const embedding = umap.getEmbedding();
    const out = new Float32Array(x.rows * p.nComponents);
    embedding.forEach((row, i) => out.set(row, i * p.nComponents));
    ctx.logger.info(`umap: ${x.rows}×${x.cols} → ${p.nComponents}, ${nEpochs} epochs, ${((performance.now() - started) / 1000).toFixed(2)} s`);
    return { embedding: matrix(x.rows, p.nComponents, out), params: { ...p, nEpochs } };
  },
};
