#!/bin/bash
# On a GPU machine without npm (maybe without Node or a Vulkan loader), from the folder bench/webgpu/pack.sh
# made: bash .gpu-bench/device.sh
# Unpacks Node and dawn.node into /tmp, brings the Vulkan loader when ldconfig has none, points the loader
# at NVIDIA's ICD, lists Dawn's adapters, then runs the bundled bench/webgpu/run.mjs and bench/train/run.mjs
# (the training bench's webgpu column; TRAIN_ARGS overrides its arguments, TRAIN_TIMEOUT=0 skips it). Results in $OUT.
set -u
B=$(cd "$(dirname "$0")" && pwd)
O=${OUT:-/tmp/gpu-bench-out}; mkdir -p "$O"
T0=$(date +%s)
say() { echo "[$(( $(date +%s) - T0 )) s] $*"; }
unxz_to() { if command -v xz >/dev/null; then xz -d -c "$1" > "$2"; else python3 -c "import lzma,shutil,sys;shutil.copyfileobj(lzma.open(sys.argv[1]),open(sys.argv[2],'wb'))" "$1" "$2"; fi; }
W=/tmp/gpu-bench; rm -rf $W; mkdir -p $W; cp -r "$B/bench" "$B/node_modules" "$B/probe-adapters.mjs" $W/
unxz_to "$B/node.xz" $W/node && chmod +x $W/node
unxz_to $W/node_modules/webgpu/dist/linux-x64/dawn.node.xz $W/node_modules/webgpu/dist/linux-x64/dawn.node && rm $W/node_modules/webgpu/dist/linux-x64/dawn.node.xz
say "node $($W/node --version)"
{ nvidia-smi -L; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; } 2>&1 | tee $O/nvidia-smi.txt
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then say "no libvulkan.so.1: unpacking the carried loader debs"; for f in "$B"/debs/*.deb; do dpkg -x "$f" /; done; ldconfig; fi
ldconfig -p | grep -E 'libvulkan|libGLX_nvidia' | head -4
ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d /usr/local/nvidia/share/vulkan/icd.d 2>&1 | tr '\n' ' '; echo
if [ -z "${VK_DRIVER_FILES:-}" ] && [ -f $ICD ] && ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then export VK_DRIVER_FILES=$ICD; say "VK_DRIVER_FILES=$ICD"; fi
for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do [ -d $d ] && export LD_LIBRARY_PATH=$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}; done
say "Dawn's adapters:"; timeout 60 $W/node $W/probe-adapters.mjs 2>&1 | tee $O/adapters.txt
if ! grep -q '"vendor"' $O/adapters.txt; then say "no adapter: the Vulkan loader's messages"; VK_LOADER_DEBUG=error,warn,driver timeout 60 $W/node $W/probe-adapters.mjs > $O/vulkan-loader-debug.txt 2>&1; tail -40 $O/vulkan-loader-debug.txt; fi
GPU=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1)
say "bench (webgpu, wasm, cpu)"
ARGS=${BENCH_ARGS:---backends webgpu,wasm,cpu --batches 16,64 --iters 5 --cpu-batch 2 --train-backends webgpu,wasm --train-warmup 1 --train-steps 2 --train-steps-webgpu 5 --max-seconds 200}
timeout ${BENCH_TIMEOUT:-250} $W/node $W/bench/run.mjs $ARGS --gpu-name "$GPU" --out $O/webgpu-h200.json 2>&1 | tee $O/bench.log
rc=${PIPESTATUS[0]}
say "bench exit $rc"
if [ $rc -ne 0 ] && ! grep -q '"backend": "wasm"' $O/webgpu-h200.json 2>/dev/null; then
  say "rerun without webgpu for the CPU reference"
  timeout 100 $W/node $W/bench/run.mjs --backends wasm,cpu --batches 16,64 --iters 3 --train-backends wasm --train-steps 1 --max-seconds 80 \
    --gpu-name "$GPU" --out $O/webgpu-h200-cpu-only.json 2>&1 | tee $O/bench-cpu-only.log
fi
if [ "${TRAIN_TIMEOUT:-200}" != 0 ]; then
  say "training bench (webgpu, wasm): ResNet18 224 px batch 16, every mode"
  TARGS=${TRAIN_ARGS:---backends webgpu,wasm --no-torch --steps 2 --partial-steps 2 --warmup 1 --cache-images 32 --probe-epochs 5 --max-seconds 170 --max-job-seconds 60}
  timeout ${TRAIN_TIMEOUT:-200} $W/node $W/bench/train.mjs $TARGS --out $O/train-webgpu-h200.json 2>&1 | tee $O/train-bench.log
  say "training bench exit ${PIPESTATUS[0]}"
fi
say done
