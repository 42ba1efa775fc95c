// Zero mean, unit variance per column (sklearn's StandardScaler, population std); constant columns stay 0.
import { matrix, type Matrix } from './matrix.js';

export function standardize(x: Matrix): Matrix {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  const sq = new Float64Array(cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) mean[j]! += data[i * cols + j]!;
  for (let j = 0; j < cols; j++) mean[j]! /= rows;
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      const d = data[i * cols + j]! - mean[j]!;
      sq[j]! += d * d;
    }
  const out = new Float32Array(rows * cols);
  for (let j = 0; j < cols; j++) {
    const std = Math.sqrt(sq[j]! / rows);
    for (let i = 0; i < rows; i++) out[i * cols + j] = std > 0 ? (data[i * cols + j]! - mean[j]!) / std : 0;
  }
  return matrix(rows, cols, out);
}
