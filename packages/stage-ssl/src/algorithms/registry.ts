// The algorithms `with.algorithm` may name. Adding one is a file plus a line here — or, from another
// package, createSslStage({ algorithms: [...] }) (ssl-stage.ts) without editing this one.

import { fixmatchAlgorithm } from './fixmatch.js';
import { flexmatchAlgorithm } from './flexmatch.js';
import { pseudoLabelAlgorithm } from './pseudo-label.js';
import type { SslAlgorithm } from './ssl-algorithm.js';

export const DEFAULT_ALGORITHM = 'pseudo-label';

export const BUILTIN_ALGORITHMS: readonly SslAlgorithm[] = Object.freeze([pseudoLabelAlgorithm, fixmatchAlgorithm as SslAlgorithm, flexmatchAlgorithm as SslAlgorithm]);

export type AlgorithmRegistry = ReadonlyMap<string, SslAlgorithm>;

/** The built-ins plus `extra` (a plugin's); a name given twice is an error. */
export function algorithmRegistry(extra: readonly SslAlgorithm[] = []): AlgorithmRegistry {
  const map = new Map<string, SslAlgorithm>();
  for (const a of [...BUILTIN_ALGORITHMS, ...extra]) {
    if (map.has(a.name)) throw new Error(`ssl algorithm '${a.name}' is registered twice`);
    if (!/^[a-z][a-z0-9-]*$/.test(a.name)) throw new Error(`ssl algorithm name '${a.name}': expected lower-case letters, digits and dashes`);
    map.set(a.name, a);
  }
  return map;
}

export function getAlgorithm(registry: AlgorithmRegistry, name: string): SslAlgorithm {
  const a = registry.get(name);
  if (!a) throw new Error(`unknown ssl algorithm '${name}'; registered: ${[...registry.keys()].sort().join(', ')}`);
  return a;
}
