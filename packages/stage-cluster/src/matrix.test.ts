import { describe, expect, it } from 'vitest';
import { matrix } from './matrix.js';

describe('matrix', () => {
  it('checks its size', () => {
    expect(matrix(2, 3).data.length).toBe(6);
    expect(() => matrix(2, 3, new Float32Array(5))).toThrow('matrix data has 5 values, expected 2×3');
  });
});
