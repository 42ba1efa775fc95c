// The reducers a run may name under `reducers:`. Adding one is a file plus a line here.

import { pcaReducer } from './pca.js';
import type { Reducer } from './reducer.js';
import { tsneReducer } from './tsne.js';
import { umapReducer } from './umap.js';

// Each reducer validates its own params; the map erases their types.
export const reducers: Readonly<Record<string, Reducer>> = Object.freeze({
  pca: pcaReducer as unknown as Reducer,
  tsne: tsneReducer as unknown as Reducer,
  umap: umapReducer as unknown as Reducer,
});

export function reducerNames(): string[] {
  return Object.keys(reducers).sort();
}

export function getReducer(name: string): Reducer {
  const reducer = Object.hasOwn(reducers, name) ? reducers[name] : undefined;
  if (!reducer) throw new Error(`unknown reducer '${name}'; registered reducers: ${reducerNames().join(', ')}`);
  return reducer;
}
