#!/usr/bin/python3
"""PyTorch reference outputs for the TF.js backbone parity tests (test/benchmark tool, never a product dependency).

Usage:
    /usr/bin/python3 reference/torch/make_reference.py --out DIR --images DATASET_ROOT [--count 4] [--seed 0]

DATASET_ROOT holds Cancer/ and Normal/ (or avec_labels/Cancer and avec_labels/Normal). For each of
resnet18, resnet34 and efficientnet_b0 (torchvision topology, random init, every BatchNorm given
non-trivial running stats and affine parameters), writes into DIR:

    <model>.safetensors           full state_dict in F32 (num_batches_tracked dropped; head kept)
    <model>.features.safetensors  "features" [N, D]: the model with its head replaced by Identity
    <model>.stages.safetensors    NCHW output of every stage for image 0 (to locate a divergence)
    inputs.safetensors            "input" [N, 3, 224, 224] F32, NCHW, ImageNet-normalised
    dtypes.safetensors            a few tensors in F32, F16, BF16 and one I64, for reader tests
    manifest.json                 versions, seed, images, models, BatchNorm eps/momentum (written last)

The safetensors writer is implemented here (no `safetensors` package is needed).
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
import torch
import torchvision
from PIL import Image
from torchvision import transforms

MODELS = ("resnet18", "resnet34", "efficientnet_b0")
IMAGE_SIZE = 224
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")

# ---------------------------------------------------------------------------------------------
# safetensors writer


def _tensor_bytes(t, dtype):
    """(dtype name, little-endian bytes) of a CPU tensor converted to `dtype`."""
    t = t.detach().cpu().contiguous()
    if dtype == "F32":
        return t.to(torch.float32).numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.to(torch.float16).numpy().astype("<f2").tobytes()
    if dtype == "BF16":
        # numpy has no bfloat16: reinterpret torch's (round-to-nearest-even) bf16 bits as int16.
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "I64":
        return t.to(torch.int64).numpy().astype("<i8").tobytes()
    raise ValueError(f"unsupported dtype {dtype}")


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, tensor, dtype) written contiguously in that order."""
    header = {}
    chunks = []
    offset = 0
    for name, t, dtype in tensors:
        if name in header or name == "__metadata__":
            raise ValueError(f"duplicate or reserved tensor name {name!r}")
        data = _tensor_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
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
# images


def class_dirs(root):
    for base in (root, os.path.join(root, "avec_labels")):
        if os.path.isdir(os.path.join(base, "Cancer")) and os.path.isdir(os.path.join(base, "Normal")):
            return base
    raise SystemExit(f"no Cancer/ and Normal/ folders under {root} (nor under {root}/avec_labels)")


def pick_images(root, count):
    base = class_dirs(root)
    per_class = {"Cancer": (count + 1) // 2, "Normal": count // 2}
    picked = []
    for label, n in per_class.items():
        folder = os.path.join(base, label)
        names = sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE_EXTENSIONS))
        if len(names) < n:
            raise SystemExit(f"{folder} holds {len(names)} images, {n} needed")
        picked += [(label, os.path.join(folder, f)) for f in names[:n]]
    return picked


def load_batch(paths):
    # Exactly the reference notebook's preprocessing.
    tf = transforms.Compose(
        [
            transforms.Resize((IMAGE_SIZE, IMAGE_SIZE)),
            transforms.ToTensor(),
            transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD),
        ]
    )
    xs = []
    for p in paths:
        with Image.open(p) as im:
            xs.append(tf(im.convert("RGB")))
    return torch.stack(xs)


# ---------------------------------------------------------------------------------------------
# models


def batchnorm_layers(model):
    return [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]


def randomise_batchnorm(model, gen, calibration):
    """Non-trivial BatchNorm statistics and affine parameters, so a wrong BN mapping cannot pass parity.

    weight ~ U(0.5, 1.5) and bias ~ U(-0.5, 0.5). The running statistics are drawn around the
    statistics each layer actually sees on `calibration` (one eval-mode pass, each layer calibrated
    on the output of the already-randomised layers before it): running_mean = mean + U(-0.5, 0.5) * std,
    running_var = var * U(0.5, 1.5). Purely random statistics (independent of the activations) make
    the image signal vanish with depth: in EfficientNet-B0 the features then differ between images
    by ~1e-6 only, so a port that ignored its input would pass.
    """
    layers = batchnorm_layers(model)
    with torch.no_grad():
        for m in layers:
            m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.copy_(torch.rand(m.num_features, generator=gen) - 0.5)

    def calibrate(m, inputs):
        x = inputs[0]
        dims = [d for d in range(x.dim()) if d != 1]
        mean = x.mean(dims)
        var = x.var(dims, unbiased=False)
        var = torch.maximum(var, 0.01 * var.mean() + 1e-6)  # no near-zero variance (dead channels): no huge gains
        m.running_mean.copy_(mean + (torch.rand(m.num_features, generator=gen) - 0.5) * var.sqrt())
        m.running_var.copy_(var * (torch.rand(m.num_features, generator=gen) + 0.5))

    hooks = [m.register_forward_pre_hook(calibrate) for m in layers]
    model.eval()
    with torch.no_grad():
        model(calibration)
    for h in hooks:
        h.remove()


def batchnorm_settings(model):
    settings = {}
    for m in model.modules():
        if isinstance(m, torch.nn.modules.batchnorm._BatchNorm):
            key = (m.eps, m.momentum)
            settings[key] = settings.get(key, 0) + 1
    return [{"eps": eps, "momentum": mom, "count": n} for (eps, mom), n in sorted(settings.items(), key=lambda kv: str(kv[0]))]


def head_attr(name):
    return "fc" if name.startswith("resnet") else "classifier"


def stage_modules(model, name):
    if name.startswith("resnet"):
        # The stem's last module (conv1 -> bn1 -> relu -> maxpool).
        return [("stem", model.maxpool), ("layer1", model.layer1), ("layer2", model.layer2), ("layer3", model.layer3), ("layer4", model.layer4)]
    return [(f"features.{i}", block) for i, block in enumerate(model.features)]


def build(name, seed, calibration):
    torch.manual_seed(seed)
    model = getattr(torchvision.models, name)(weights=None)
    randomise_batchnorm(model, torch.Generator().manual_seed(seed), calibration)
    model.eval()
    return model


def make_model_reference(name, seed, batch, out):
    t0 = time.perf_counter()
    model = build(name, seed, batch)
    state = model.state_dict()
    keep = [(k, v) for k, v in state.items() if not k.endswith("num_batches_tracked")]
    dropped = [k for k in state if k.endswith("num_batches_tracked")]
    head = head_attr(name)
    head_keys = [k for k, _ in keep if k.startswith(head + ".")]
    write_safetensors(
        os.path.join(out, f"{name}.safetensors"),
        [(k, v, "F32") for k, v in keep],
        {"format": "pt", "model": name, "seed": seed, "source": "reference/torch/make_reference.py"},
    )

    stages = []
    hooks = [
        mod.register_forward_hook(lambda _m, _i, o, label=label: stages.append((label, o[:1].clone())))
        for label, mod in stage_modules(model, name)
    ]
    setattr(model, head, torch.nn.Identity())
    with torch.no_grad():
        features = model(batch)
    for h in hooks:
        h.remove()
    write_safetensors(os.path.join(out, f"{name}.features.safetensors"), [("features", features, "F32")], {"model": name, "head": f"{head} = Identity"})
    write_safetensors(os.path.join(out, f"{name}.stages.safetensors"), [(label, o, "F32") for label, o in stages], {"model": name, "image": "0", "layout": "NCHW"})

    absf = features.abs()
    # How much the features depend on the image, relative to their scale (near 0 = input ignored).
    spread = float((features - features[:1]).abs().max() / absf.max())
    return {
        "name": name,
        "featureDim": int(features.shape[1]),
        "stateDict": f"{name}.safetensors",
        "features": f"{name}.features.safetensors",
        "stages": f"{name}.stages.safetensors",
        "stageShapes": {label: list(o.shape) for label, o in stages},
        "tensorCount": len(keep),
        "parameterCount": int(sum(p.numel() for p in model.parameters())),
        "droppedKeys": len(dropped),
        "headKeys": head_keys,
        "batchNorm": batchnorm_settings(model),
        "featureStats": {"min": float(features.min()), "max": float(features.max()), "meanAbs": float(absf.mean()), "maxAbs": float(absf.max()), "imageSpread": spread},
        "seconds": round(time.perf_counter() - t0, 3),
    }


def write_dtypes(out):
    exact = torch.tensor([[0.0, 1.0, -2.0], [0.5, -0.15625, 256.0]])  # exact in F32, F16 and BF16
    rounded = torch.tensor([0.1, 3.14159265, -1.0e-3, 1000.7])  # rounded differently by each dtype
    inf = float("inf")
    # Signed zero, smallest subnormal, smallest normal, largest finite, infinities: exact in their dtype.
    edge_f16 = torch.tensor([-0.0, 2.0**-24, 2.0**-14, 65504.0, inf, -inf])
    edge_bf16 = torch.tensor([-0.0, 2.0**-133, 2.0**-126, (2 - 2.0**-7) * 2.0**127, inf, -inf])

    def js_numbers(t):  # JSON has no -0 or Infinity: strings that JavaScript's Number() parses exactly
        return json.dumps([("-0" if v == 0 and str(v).startswith("-") else "Infinity" if v == inf else "-Infinity" if v == -inf else repr(v)) for v in t.tolist()])

    write_safetensors(
        os.path.join(out, "dtypes.safetensors"),
        [
            ("exact.f32", exact, "F32"),
            ("exact.f16", exact, "F16"),
            ("exact.bf16", exact, "BF16"),
            ("rounded.f32", rounded, "F32"),
            ("rounded.f16", rounded, "F16"),
            ("rounded.bf16", rounded, "BF16"),
            ("edge.f16", edge_f16, "F16"),
            ("edge.bf16", edge_bf16, "BF16"),
            ("num_batches_tracked", torch.tensor(12345, dtype=torch.int64), "I64"),
        ],
        {
            "exact": json.dumps(exact.tolist()),
            "rounded.f16": json.dumps(rounded.to(torch.float16).float().tolist()),
            "rounded.bf16": json.dumps(rounded.to(torch.bfloat16).float().tolist()),
            "edge.f16": js_numbers(edge_f16),
            "edge.bf16": js_numbers(edge_bf16),
            "num_batches_tracked": "12345",
        },
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--images", required=True, help="dataset root holding Cancer/ and Normal/ (or avec_labels/...)")
    ap.add_argument("--count", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--models", default=",".join(MODELS), help="comma-separated subset of " + ",".join(MODELS))
    args = ap.parse_args()
    models = [m for m in args.models.split(",") if m]
    unknown = [m for m in models if m not in MODELS]
    if unknown or not models:
        raise SystemExit(f"unknown models {unknown}; choose from {MODELS}")
    if args.count < 1:
        raise SystemExit("--count must be >= 1")

    t0 = time.perf_counter()
    os.makedirs(args.out, exist_ok=True)
    picked = pick_images(args.images, args.count)
    batch = load_batch([p for _, p in picked])
    write_safetensors(os.path.join(args.out, "inputs.safetensors"), [("input", batch, "F32")], {"layout": "NCHW", "normalisation": "imagenet"})
    write_dtypes(args.out)

    results = []
    for name in models:
        results.append(make_model_reference(name, args.seed, batch, args.out))
        print(f"{name}: {results[-1]['featureDim']} features in {results[-1]['seconds']} s", file=sys.stderr)

    with open(os.path.abspath(__file__), "rb") as f:
        script_sha = hashlib.sha256(f.read()).hexdigest()
    manifest = {
        "generator": "reference/torch/make_reference.py",
        "scriptSha256": script_sha,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "pillow": Image.__version__,
        "threads": torch.get_num_threads(),
        "seed": args.seed,
        "batchNormInit": {
            "weight": "U(0.5, 1.5)",
            "bias": "U(-0.5, 0.5)",
            "running_mean": "mean + U(-0.5, 0.5) * std of the layer's input on the reference batch",
            "running_var": "max(var, 0.01 * mean(var) + 1e-6) * U(0.5, 1.5), var of the layer's input on the reference batch",
            "generator": "torch.Generator().manual_seed(seed): weight and bias in model.modules() order, then statistics in forward order",
        },
        "preprocessing": {
            "steps": "PIL open -> convert('RGB') -> transforms.Resize((224, 224)) (PIL bilinear, antialiased) -> ToTensor -> Normalize(ImageNet)",
            "imageSize": IMAGE_SIZE,
            "mean": list(IMAGENET_MEAN),
            "std": list(IMAGENET_STD),
            "layout": "NCHW",
        },
        "images": [{"path": os.path.relpath(p, args.images), "label": label} for label, p in picked],
        "inputs": {"file": "inputs.safetensors", "tensor": "input", "shape": list(batch.shape)},
        "dtypes": "dtypes.safetensors",
        "models": results,
        "seconds": round(time.perf_counter() - t0, 3),
    }
    # Written last: its presence means the folder is complete.
    tmp = os.path.join(args.out, "manifest.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    os.replace(tmp, os.path.join(args.out, "manifest.json"))
    print(f"reference written to {args.out} in {manifest['seconds']} s", file=sys.stderr)


if __name__ == "__main__":
    main()
