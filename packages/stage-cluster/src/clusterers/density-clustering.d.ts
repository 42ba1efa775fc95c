// Minimal types for density-clustering 1.3.0 (CommonJS, ships none): only what dbscan.ts uses.
declare module 'density-clustering' {
  export class DBSCAN {
    constructor(dataset?: unknown[], epsilon?: number, minPts?: number, distance?: (p: never, q: never) => number);
    /** Runs and returns the clusters (point indices, in order of discovery). */
    run(dataset: unknown[], epsilon: number, minPts: number, distance?: (p: never, q: never) => number): number[][];
    clusters: number[][];
    /** WRONG in 1.3.0: keeps a point that later joined a cluster as a border point. */
    noise: number[];
    /** Internal; overridden by dbscan.ts (precomputed neighbourhoods, `<=` eps). */
    _regionQuery(pointId: number): number[];
    /** Internal; overridden by dbscan.ts (linear instead of quadratic). */
    _mergeArrays(a: number[], b: number[]): number[];
  }
  const clustering: { DBSCAN: typeof DBSCAN };
  export default clustering;
}
