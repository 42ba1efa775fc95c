#!/usr/bin/python3
"""scikit-learn reference outputs for the stage-cluster parity tests (test/benchmark tool, never a product dependency).

Usage:
    /usr/bin/python3 reference/sklearn/cluster_reference.py --input FEATURES.safetensors --out DIR \\
        [--components 50] [--eps 0.75] [--min-samples 5] [--seed 42] [--perplexity 30]

FEATURES.safetensors holds "x" F32 [n, d] and "labels" I32 [n] (-1 = unlabelled), e.g. the seeded
Gaussian mixture written by packages/stage-cluster/src/__fixtures__/sklearn-reference.ts. Steps,
each timed (time.perf_counter, seconds):

    pca         PCA(components, svd_solver='full') on x (float64 copy of the float32 values)
    tsne        TSNE(2, init='pca', learning_rate='auto', perplexity, random_state=seed) on the PCA output
    kmeans      KMeans(2, n_init=10, random_state=seed) on the PCA output
    dbscan      DBSCAN(eps, min_samples) on the PCA output (euclidean)
    silhouette  silhouette_score(PCA output, KMeans labels)
    trust       trustworthiness(PCA output, t-SNE output, n_neighbors=5)

"The PCA output" is the projection rounded to float32 (what pca.safetensors holds) and upcast to
float64, so a consumer of pca.safetensors has exactly sklearn's KMeans/DBSCAN/t-SNE input.

Writes into DIR:
    pca.safetensors   "pca" F32 [n, components], "tsne" F32 [n, 2]
    result.json       versions, parameters, explained_variance_ratio, ARI (labelled rows only) and
                      silhouette of KMeans, KMeans and DBSCAN labels, DBSCAN cluster/noise counts and
                      the smallest |pairwise distance - eps| (how close the input is to a tie),
                      trustworthiness of the t-SNE, timings; written last
The safetensors reader/writer is implemented here (numpy only, no `safetensors` package).
"""

import argparse
import hashlib
import json
import os
import platform
import struct
import sys
import time

import numpy as np
import scipy
import sklearn
from sklearn.cluster import DBSCAN, KMeans
from sklearn.decomposition import PCA
from sklearn.manifold import TSNE, trustworthiness
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score

# ---------------------------------------------------------------------------------------------
# safetensors (8-byte LE header length, JSON header, contiguous little-endian data)

DTYPES = {"F32": "<f4", "F64": "<f8", "I32": "<i4", "I64": "<i8"}


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    out = {}
    for name, info in header.items():
        if info["dtype"] not in DTYPES:
            raise SystemExit(f"{path}: tensor {name!r} has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        arr = np.frombuffer(blob, dtype=DTYPES[info["dtype"]], count=(end - begin) // np.dtype(DTYPES[info["dtype"]]).itemsize, offset=8 + n + begin)
        out[name] = arr.reshape(info["shape"])
    return out


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, ndarray, dtype)."""
    header, chunks, offset = {}, [], 0
    for name, arr, dtype in tensors:
        data = np.ascontiguousarray(arr, dtype=DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for data in chunks:
            f.write(data)
    os.replace(tmp, path)


# ---------------------------------------------------------------------------------------------


def timed(timings, name, fn):
    t0 = time.perf_counter()
    out = fn()
    timings[name] = round(time.perf_counter() - t0, 4)
    print(f"{name}: {timings[name]} s", file=sys.stderr)
    return out


def eps_margin(z, eps):
    """min over pairs of |d(i, j) - eps| (float64 distances): how far the input is from a DBSCAN tie."""
    best = np.inf
    sq = (z * z).sum(1)
    for start in range(0, len(z), 512):
        block = z[start : start + 512]
        d2 = sq[start : start + 512, None] + sq[None, :] - 2.0 * block @ z.T
        d = np.sqrt(np.maximum(d2, 0.0))
        best = min(best, float(np.abs(d - eps).min()))
    return best


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--components", type=int, default=50)
    ap.add_argument("--eps", type=float, default=0.75)
    ap.add_argument("--min-samples", type=int, default=5)
    ap.add_argument("--perplexity", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    t_start = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    tensors = read_safetensors(args.input)
    if "x" not in tensors or "labels" not in tensors:
        raise SystemExit(f"{args.input} must hold tensors 'x' [n, d] and 'labels' [n]")
    x32 = tensors["x"]
    labels = tensors["labels"].astype(np.int64)
    if x32.ndim != 2 or labels.shape != (x32.shape[0],):
        raise SystemExit(f"{args.input}: x {list(x32.shape)} and labels {list(labels.shape)} do not match")
    x = x32.astype(np.float64)
    n, d = x.shape
    labelled = labels >= 0
    timings = {}

    pca = timed(timings, "pca", lambda: PCA(n_components=args.components, svd_solver="full").fit(x))
    z32 = pca.transform(x).astype(np.float32)
    z = z32.astype(np.float64)

    tsne = TSNE(n_components=2, init="pca", learning_rate="auto", perplexity=args.perplexity, random_state=args.seed)
    emb = timed(timings, "tsne", lambda: tsne.fit_transform(z))
    km = timed(timings, "kmeans", lambda: KMeans(n_clusters=2, n_init=10, random_state=args.seed).fit(z))
    db_labels = timed(timings, "dbscan", lambda: DBSCAN(eps=args.eps, min_samples=args.min_samples, metric="euclidean").fit_predict(z))
    sil = timed(timings, "silhouette", lambda: float(silhouette_score(z, km.labels_)))
    trust = timed(timings, "trustworthiness", lambda: float(trustworthiness(z, emb, n_neighbors=5)))

    write_safetensors(
        os.path.join(args.out, "pca.safetensors"),
        [("pca", z32, "F32"), ("tsne", emb.astype(np.float32), "F32")],
        {"source": "reference/sklearn/cluster_reference.py"},
    )

    clusters, counts = np.unique(db_labels, return_counts=True)
    with open(os.path.abspath(__file__), "rb") as f:
        script_sha = hashlib.sha256(f.read()).hexdigest()
    tsne_params = tsne.get_params()
    result = {
        "generator": "reference/sklearn/cluster_reference.py",
        "scriptSha256": script_sha,
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "input": {"file": os.path.basename(args.input), "rows": n, "cols": d, "labelled": int(labelled.sum())},
        "pca": {
            "components": args.components,
            "svdSolver": "full",
            "explainedVarianceRatio": [float(v) for v in pca.explained_variance_ratio_],
            "explainedVariance": [float(v) for v in pca.explained_variance_],
            "file": "pca.safetensors",
            "tensor": "pca",
        },
        "tsne": {
            "params": {
                "perplexity": args.perplexity,
                "init": "pca",
                "learningRate": "auto",
                "learningRateUsed": float(tsne.learning_rate_),
                "method": tsne_params["method"],
                "angle": tsne_params["angle"],
                "earlyExaggeration": tsne_params["early_exaggeration"],
                "iterations": int(tsne_params.get("max_iter") or tsne_params.get("n_iter") or 1000),
                "iterationsRun": int(tsne.n_iter_),
                "randomState": args.seed,
            },
            "klDivergence": float(tsne.kl_divergence_),
            "trustworthiness": trust,
            "trustworthinessNeighbors": 5,
            "file": "pca.safetensors",
            "tensor": "tsne",
        },
        "kmeans": {
            "params": {"k": 2, "nInit": 10, "randomState": args.seed, "algorithm": km.get_params()["algorithm"]},
            "inertia": float(km.inertia_),
            "ari": float(adjusted_rand_score(labels[labelled], km.labels_[labelled])),
            "nmi": float(normalized_mutual_info_score(labels[labelled], km.labels_[labelled])),
            "silhouette": sil,
            "labels": km.labels_.astype(int).tolist(),
        },
        "dbscan": {
            "params": {"eps": args.eps, "minPts": args.min_samples, "metric": "euclidean"},
            "clusters": int((clusters >= 0).sum()),
            "noise": int((db_labels < 0).sum()),
            "sizes": {str(int(c)): int(k) for c, k in zip(clusters, counts)},
            "epsMargin": eps_margin(z, args.eps),
            "labels": db_labels.astype(int).tolist(),
        },
        "timings": timings,
        "seconds": round(time.perf_counter() - t_start, 3),
    }
    # Written last: its presence means the folder is complete.
    tmp = os.path.join(args.out, "result.json.tmp")
    with open(tmp, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "result.json"))
    print(f"sklearn reference written to {args.out} in {result['seconds']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
