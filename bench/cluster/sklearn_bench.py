#!/usr/bin/python3
"""scikit-learn timings of the stage-cluster steps: the yardstick for bench/cluster/run.mjs.

Usage:
    /usr/bin/python3 bench/cluster/sklearn_bench.py --input FILE.safetensors [--input ...] \\
        [--components 50] [--eps 0.75] [--min-samples 5] [--tsne-max 5000] [--seed 42]

Each input holds "x" F32 [n, d] (written by run.mjs from the seeded Gaussian mixture). Prints one JSON
line per input: {n, d, seconds: {pca, pca_full, tsne, kmeans, dbscan, silhouette}, ...}. Steps, in
the order the stage runs them, each on a float64 copy of the data:

    pca         PCA(components) with sklearn's default svd_solver ('auto': randomized at these sizes)
    pca_full    PCA(components, svd_solver='full') (exact, like ours), for reference
    tsne        TSNE(2, init='pca', learning_rate='auto', perplexity=30) on the PCA output: sklearn's
                default method, Barnes-Hut (O(n log n)); skipped above --tsne-max rows
    kmeans      KMeans(2, n_init=10) on the PCA output
    dbscan      DBSCAN(eps, min_samples) on the PCA output
    silhouette  silhouette_score(PCA output, KMeans labels) (exact, O(n^2))

Standalone: needs only Debian's python3-sklearn, never part of the product.
"""

import argparse
import json
import os
import platform
import struct
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE
from sklearn.metrics import silhouette_score


def read_x(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    info = json.loads(blob[8 : 8 + n].decode("utf-8"))["x"]
    if info["dtype"] != "F32":
        raise SystemExit(f"{path}: x must be F32")
    begin, end = info["data_offsets"]
    return np.frombuffer(blob, dtype="<f4", count=(end - begin) // 4, offset=8 + n + begin).reshape(info["shape"]).astype(np.float64)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", action="append", required=True)
    ap.add_argument("--components", type=int, default=50)
    ap.add_argument("--eps", type=float, default=0.75)
    ap.add_argument("--min-samples", type=int, default=5)
    ap.add_argument("--tsne-max", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    for path in args.input:
        x = read_x(path)
        n, d = x.shape
        seconds, notes = {}, {}

        def timed(name, fn):
            t0 = time.perf_counter()
            out = fn()
            seconds[name] = round(time.perf_counter() - t0, 4)
            print(f"sklearn n={n} {name}: {seconds[name]} s", file=sys.stderr)
            return out

        pca = PCA(n_components=args.components, random_state=args.seed)
        z = timed("pca", lambda: pca.fit_transform(x))
        notes["pcaSolver"] = pca._fit_svd_solver
        timed("pca_full", lambda: PCA(n_components=args.components, svd_solver="full").fit_transform(x))
        if n <= args.tsne_max:
            tsne = TSNE(n_components=2, init="pca", learning_rate="auto", perplexity=30.0, random_state=args.seed)
            timed("tsne", lambda: tsne.fit_transform(z))
            notes["tsneMethod"] = tsne.get_params()["method"]
        else:
            notes["tsne"] = f"skipped: n = {n} > --tsne-max {args.tsne_max}"
        km = timed("kmeans", lambda: KMeans(n_clusters=2, n_init=10, random_state=args.seed).fit(z))
        timed("dbscan", lambda: DBSCAN(eps=args.eps, min_samples=args.min_samples).fit_predict(z))
        timed("silhouette", lambda: silhouette_score(z, km.labels_))
        print(
            json.dumps(
                {
                    "n": n,
                    "d": d,
                    "seconds": seconds,
                    "notes": notes,
                    "sklearn": sklearn.__version__,
                    "numpy": np.__version__,
                    "python": platform.python_version(),
                    "ompThreads": os.environ.get("OMP_NUM_THREADS"),
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    main()
