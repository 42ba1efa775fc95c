// Binary classification metrics for the training stages (positive class = label 1 = tumour).
export * from './confusion.js';
export * from './f-beta.js';
export * from './roc-auc.js';
export * from './average-precision.js';
export * from './calibration.js';
export * from './temperature.js';
export * from './threshold.js';
export * from './bootstrap.js';
export { binaryClfCurve, type ClfCurve } from './clf-curve.js';
