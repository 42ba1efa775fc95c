#!/usr/bin/python3
"""PyTorch CPU inference throughput of the extract backbones: the yardstick for the TF.js side.

Usage:
    /usr/bin/python3 bench/extract/torch_bench.py --models resnet18,resnet34,efficientnet_b0,mobilenet_v2 \\
        --batch 16 --size 224 --iters 5 [--warmup 1] [--threads N]

Prints one JSON line per model: {model, images_per_s, threads, torch_version, ...}. Random weights
(weights=None: speed does not depend on the values), random input, eval(), no_grad(), feature
extractor (classifier replaced by Identity), warm-up iterations first. mobilenet_v2 is
torchvision's mobilenet_v2(width_mult=0.35). Standalone: needs only Debian's python3-torch and
python3-torchvision, never part of the product.
"""

import argparse
import json
import platform
import statistics
import sys
import time

import torch
import torchvision

BUILDERS = {
    "resnet18": lambda: torchvision.models.resnet18(weights=None),
    "resnet34": lambda: torchvision.models.resnet34(weights=None),
    "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(weights=None),
    "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None, width_mult=0.35),
}


def feature_extractor(name):
    model = BUILDERS[name]()
    if hasattr(model, "fc"):
        model.fc = torch.nn.Identity()
    else:
        model.classifier = torch.nn.Identity()
    return model.eval()


def bench(name, batch, size, iters, warmup):
    torch.manual_seed(0)
    model = feature_extractor(name)
    x = torch.randn(batch, 3, size, size)
    with torch.no_grad():
        for _ in range(warmup):
            out = model(x)
        times = []
        for _ in range(iters):
            t0 = time.perf_counter()
            out = model(x)
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {
        "model": name + ("_0.35" if name == "mobilenet_v2" else ""),
        "images_per_s": round(batch / median, 2),
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "torchvision_version": torchvision.__version__,
        "batch": batch,
        "size": size,
        "iters": iters,
        "warmup": warmup,
        "feature_dim": int(out.shape[1]),
        "median_batch_s": round(median, 4),
        "best_batch_s": round(min(times), 4),
        "python": platform.python_version(),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(BUILDERS))
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch.set_num_threads (0: torch's default)")
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in BUILDERS]
    if unknown or not models:
        raise SystemExit(f"unknown models {unknown}; choose from {','.join(BUILDERS)}")
    if args.batch < 1 or args.size < 32 or args.iters < 1 or args.warmup < 0:
        raise SystemExit("--batch >= 1, --size >= 32, --iters >= 1, --warmup >= 0")
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    for name in models:
        print(json.dumps(bench(name, args.batch, args.size, args.iters, args.warmup)), flush=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}", file=sys.stderr)


if __name__ == "__main__":
    main()
