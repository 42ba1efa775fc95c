#!/usr/bin/env python3
"""scikit-learn reference values for packages/core/src/metrics (binary classification metrics).

Usage: /usr/bin/python3 reference/sklearn/metrics_reference.py --input cases.json > result.json

cases.json: {"cases": [{"name": str, "yTrue": [0|1, ...], "scores": [float, ...], "threshold": float}]}
Prints one JSON object: {"versions": {...}, "results": {name: {...}}}. Per case:
  yPred = (scores >= threshold) as int, then confusion_matrix(labels=[0, 1]) as {tn, fp, fn, tp},
  precision / recall / accuracy, fbeta for beta 0.5, 1, 2 (zero_division default 'warn' -> 0),
  roc_auc_score (null + message where sklearn raises), average_precision_score,
  brier_score_loss (null when scores leave [0, 1]), roc_curve with drop_intermediate False and True,
  precision_recall_curve. NaN is written as null (JSON has no NaN).
"""
import argparse
import json
import math
import sys
import warnings

import numpy as np
import sklearn
from sklearn import metrics


def clean(x):
    """numpy -> plain JSON values, NaN -> None."""
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple, np.ndarray)):
        return [clean(v) for v in x]
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        v = float(x)
        return None if math.isnan(v) else v
    return x


def guarded(fn):
    try:
        return fn(), None
    except ValueError as err:
        return None, str(err)


def one_case(case):
    y = np.asarray(case["yTrue"], dtype=np.int64)
    s = np.asarray(case["scores"], dtype=np.float64)
    y_pred = (s >= case["threshold"]).astype(np.int64)
    tn, fp, fn, tp = metrics.confusion_matrix(y, y_pred, labels=[0, 1]).ravel()
    out = {
        "confusion": {"tn": tn, "fp": fp, "fn": fn, "tp": tp},
        "precision": metrics.precision_score(y, y_pred),
        "recall": metrics.recall_score(y, y_pred),
        "accuracy": metrics.accuracy_score(y, y_pred),
        "fbeta": {str(b): metrics.fbeta_score(y, y_pred, beta=b) for b in (0.5, 1.0, 2.0)},
        "f2": metrics.fbeta_score(y, y_pred, beta=2),
        "averagePrecision": metrics.average_precision_score(y, s),
    }
    out["rocAuc"], out["rocAucError"] = guarded(lambda: metrics.roc_auc_score(y, s))
    in_unit = bool(s.min() >= 0 and s.max() <= 1)
    out["brier"] = metrics.brier_score_loss(y, s) if in_unit else None
    for key, drop in (("rocCurve", False), ("rocCurveDropped", True)):
        fpr, tpr, thr = metrics.roc_curve(y, s, drop_intermediate=drop)
        out[key] = {"fpr": fpr, "tpr": tpr, "thresholds": thr}
    p, r, t = metrics.precision_recall_curve(y, s)
    out["prCurve"] = {"precision": p, "recall": r, "thresholds": t}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--input", required=True)
    args = ap.parse_args()
    with open(args.input) as fh:
        cases = json.load(fh)["cases"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zero-division / single-class warnings are expected here
        results = {c["name"]: one_case(c) for c in cases}
    payload = {"versions": {"python": sys.version.split()[0], "sklearn": sklearn.__version__, "numpy": np.__version__}, "results": results}
    json.dump(clean(payload), sys.stdout, allow_nan=False)


if __name__ == "__main__":
    main()
