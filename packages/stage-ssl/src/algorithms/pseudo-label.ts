// The notebook's method and the default: rounds of pseudo-labels above a threshold schedule, each
// retraining on labelled + pseudo-labelled images (the stage's own loop, ssl-loop.ts; its options
// are the `with:` block's schedule, balance, patience, … rather than a block of their own).

import type { RoundsAlgorithm } from './ssl-algorithm.js';

export const pseudoLabelAlgorithm: RoundsAlgorithm = {
  name: 'pseudo-label',
  kind: 'rounds',
  description: 'Pseudo-label rounds: pool images above a moving confidence threshold join the labelled set, round after round (the notebook’s loop)',
  optionsSchema: null,
};
