// The clusterers the stage knows, by name.

import type { Clusterer } from './clusterer.js';
import { dbscan } from './dbscan.js';
import { kmeans } from './kmeans.js';

export const clusterers: Readonly<Record<string, Clusterer>> = {
  kmeans: kmeans as Clusterer,
  dbscan: dbscan as Clusterer,
};

export function clustererNames(): string[] {
  return Object.keys(clusterers);
}

export function getClusterer(name: string): Clusterer {
  const c = Object.hasOwn(clusterers, name) ? clusterers[name] : undefined;
  if (!c) throw new Error(`unknown clusterer '${name}' (registered: ${clustererNames().join(', ')})`);
  return c;
}
