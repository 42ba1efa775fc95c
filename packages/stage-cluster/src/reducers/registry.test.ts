import { describe, expect, it } from 'vitest';
import { getReducer, reducerNames, reducers } from './registry.js';

describe('reducer registry', () => {
  it('lists pca, tsne and umap, each with its name and a schema with defaults', () => {
    expect(reducerNames()).toEqual(['pca', 'tsne', 'umap']);
    for (const name of reducerNames()) {
      const reducer = getReducer(name);
      expect(reducer.name).toBe(name);
      expect(reducers[name]).toBe(reducer);
      expect(reducer.schema).toHaveProperty('properties');
    }
  });

  it('unknown names fail with the registered names', () => {
    expect(() => getReducer('isomap')).toThrow(/unknown reducer 'isomap'.*pca, tsne, umap/);
    expect(() => getReducer('toString')).toThrow(/unknown reducer/);
  });
});
