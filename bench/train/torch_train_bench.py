#!/usr/bin/python3
"""PyTorch CPU training-step timings of ResNet18 + 1-logit head: the yardstick for bench/train/run.mjs.

Usage:
    /usr/bin/python3 bench/train/torch_train_bench.py --modes finetune,partial,probe --threads 2 \\
        [--batch 16] [--size 224] [--steps 3] [--warmup 1] [--train-images 80] [--views 8] \\
        [--cache-passes 1] [--probe-epochs 50] [--max-seconds 300]

Prints one JSON line per mode. What is timed, per mode (random weights: torchvision resnet18(weights=None),
fc replaced by Linear(512, 1); random input; BCEWithLogitsLoss(pos_weight=3); Adam lr 1e-4):
  finetune  every parameter trains, model.train(); one step = zero_grad + forward + backward + Adam step
  partial   requires_grad only on layer4 and fc; the frozen layers' BatchNorm in eval() (as our setTrainable
            pins frozen BatchNorm to inference); autograd stops at layer4's input
  probe     (a) the one-off feature cache: eval(), no_grad(), forward passes of (views + 1) x train-images
            images in batches of `batch` (--cache-passes of them are timed, the total is scaled to views + 1);
            (b) the head alone: Linear(512, 1) + Adam on cached 512-d features, one epoch = train-images /
            batch steps, each batch one random view per image (as featureBatchSource does)
Warm-up steps are excluded. --max-seconds stops starting new timed steps once exceeded (at least one
step is always timed). Standalone: needs only Debian's python3-torch and python3-torchvision.
"""

import argparse
import json
import platform
import statistics
import sys
import time

import torch
import torchvision


def classifier():
    model = torchvision.models.resnet18(weights=None)
    model.fc = torch.nn.Linear(512, 1)
    return model


def loss_fn():
    return torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([3.0]))


def batch_data(batch, size, seed):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, 3, size, size, generator=g)
    y = (torch.arange(batch) % 2).float().unsqueeze(1)
    return x, y


def summary(times):
    return {
        "step_s": [round(t, 4) for t in times],
        "median_step_s": round(statistics.median(times), 4),
        "best_step_s": round(min(times), 4),
    }


def time_steps(model, params, args, deadline):
    opt = torch.optim.Adam(params, lr=1e-4)
    crit = loss_fn()
    x, y = batch_data(args.batch, args.size, 1)
    times, losses = [], []
    for i in range(args.warmup + args.steps):
        if i > args.warmup and time.perf_counter() > deadline:
            break
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = crit(model(x), y)
        loss.backward()
        opt.step()
        v = loss.item()
        dt = time.perf_counter() - t0
        losses.append(round(v, 5))
        if i >= args.warmup:
            times.append(dt)
        print(f"  torch {torch.get_num_threads()}t step {i}{' (warm-up)' if i < args.warmup else ''}: {dt:.3f} s", file=sys.stderr, flush=True)
    return {**summary(times), "steps_timed": len(times), "losses": losses}


def finetune(args, deadline):
    torch.manual_seed(0)
    model = classifier().train()
    params = [p for p in model.parameters()]
    out = time_steps(model, params, args, deadline)
    out["trainable_params"] = sum(p.numel() for p in params)
    return out


def partial(args, deadline):
    torch.manual_seed(0)
    model = classifier().train()
    trainable = ("layer4.", "fc.")
    for name, p in model.named_parameters():
        p.requires_grad = name.startswith(trainable)
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.BatchNorm2d) and not name.startswith(trainable):
            m.eval()
    params = [p for p in model.parameters() if p.requires_grad]
    out = time_steps(model, params, args, deadline)
    out["trainable_params"] = sum(p.numel() for p in params)
    return out


def probe(args, deadline):
    torch.manual_seed(0)
    backbone = classifier()
    backbone.fc = torch.nn.Identity()
    backbone.eval()
    n = args.train_images
    x, _ = batch_data(args.batch, args.size, 2)
    with torch.no_grad():
        backbone(x[:1])  # warm-up
        feats = []
        t0 = time.perf_counter()
        for _ in range(args.cache_passes):
            rows = []
            for start in range(0, n, args.batch):
                b = min(args.batch, n - start)
                rows.append(backbone(x[:b]))
            feats.append(torch.cat(rows))
        measured = time.perf_counter() - t0
    passes_needed = args.views + 1
    cache = {
        "images_timed": args.cache_passes * n,
        "measured_s": round(measured, 4),
        "images_per_s": round(args.cache_passes * n / measured, 3),
        "images": passes_needed * n,
        "cache_s": round(measured * passes_needed / args.cache_passes, 4),
        "scaled": args.cache_passes != passes_needed,
    }
    # Head on cached features: one random view per image per epoch.
    views = torch.stack([feats[v % len(feats)] + 0.01 * torch.randn(n, 512) for v in range(args.views)])  # [views, n, 512]
    targets = (torch.arange(n) % 2).float().unsqueeze(1)
    head = torch.nn.Linear(512, 1)
    opt = torch.optim.Adam(head.parameters(), lr=1e-4)
    crit = loss_fn()
    g = torch.Generator().manual_seed(3)
    epoch_times, step_times = [], []
    for e in range(1 + args.probe_epochs):  # epoch 0 is the warm-up
        t0 = time.perf_counter()
        order = torch.randperm(n, generator=g)
        pick = torch.randint(args.views, (n,), generator=g)
        for start in range(0, n, args.batch):
            s0 = time.perf_counter()
            idx = order[start:start + args.batch]
            xb = views[pick[idx], idx]
            opt.zero_grad(set_to_none=True)
            loss = crit(head(xb), targets[idx])
            loss.backward()
            opt.step()
            loss.item()
            if e > 0:
                step_times.append(time.perf_counter() - s0)
        if e > 0:
            epoch_times.append(time.perf_counter() - t0)
    return {
        "cache": cache,
        "head": {
            "epochs_timed": len(epoch_times),
            "median_epoch_s": round(statistics.median(epoch_times), 6),
            "median_step_s": round(statistics.median(step_times), 6),
            "steps_per_epoch": -(-n // args.batch),
        },
        "trainable_params": sum(p.numel() for p in head.parameters()),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modes", default="finetune,partial,probe")
    ap.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=224)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--train-images", type=int, default=80)
    ap.add_argument("--views", type=int, default=8)
    ap.add_argument("--cache-passes", type=int, default=1, help="passes over train-images timed for the cache (views + 1 = all)")
    ap.add_argument("--probe-epochs", type=int, default=50)
    ap.add_argument("--max-seconds", type=float, default=600, help="per mode: no new timed step after this")
    args = ap.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    runners = {"finetune": finetune, "partial": partial, "probe": probe}
    unknown = [m for m in modes if m not in runners]
    if unknown or not modes:
        raise SystemExit(f"unknown modes {unknown}; choose from {','.join(runners)}")
    if args.batch < 1 or args.size < 32 or args.steps < 1 or args.warmup < 0 or args.cache_passes < 1 or args.probe_epochs < 1:
        raise SystemExit("--batch >= 1, --size >= 32, --steps >= 1, --warmup >= 0, --cache-passes >= 1, --probe-epochs >= 1")
    torch.set_num_threads(args.threads)
    for mode in modes:
        deadline = time.perf_counter() + args.max_seconds
        t0 = time.perf_counter()
        out = runners[mode](args, deadline)
        steps_per_epoch = -(-args.train_images // args.batch)
        if "median_step_s" in out:
            out["epoch_s"] = round(out["median_step_s"] * steps_per_epoch, 4)
            out["steps_per_epoch"] = steps_per_epoch
        print(json.dumps({
            "mode": mode,
            "threads": torch.get_num_threads(),
            "batch": args.batch,
            "size": args.size,
            "warmup": args.warmup,
            **out,
            "wall_s": round(time.perf_counter() - t0, 2),
            "torch_version": torch.__version__,
            "torchvision_version": torchvision.__version__,
            "python": platform.python_version(),
        }), flush=True)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, {platform.processor() or platform.machine()}", file=sys.stderr)


if __name__ == "__main__":
    main()
