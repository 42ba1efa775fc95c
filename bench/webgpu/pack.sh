#!/usr/bin/env bash
# Packs bench/webgpu/run.mjs and bench/train/run.mjs into .gpu-bench/ (git-ignored through .git/info/exclude) for a GPU machine
# with no npm and no network: Node (xz), the bench bundled with TF.js and core (rolldown, which Vite
# ships), Dawn's dawn.node for linux-x64 (xz), tfjs-backend-wasm's .wasm binaries, the Vulkan loader
# debs (libvulkan1 and libglvnd's, amd64), device.sh and probe-adapters.mjs. About 36 MB.
# There: bash .gpu-bench/device.sh (writes its JSON and logs to $OUT). Test the folder here first from
# a copy: cp -r .gpu-bench /tmp/x && env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OUT=/tmp/x/out bash /tmp/x/.gpu-bench/device.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
G=.gpu-bench
grep -qx '/.gpu-bench/' .git/info/exclude 2>/dev/null || { mkdir -p .git/info; echo '/.gpu-bench/' >> .git/info/exclude; }
npx tsc -b packages/core
rm -rf $G/bench $G/node_modules && mkdir -p $G/debs $G/node_modules/webgpu/dist/linux-x64 $G/node_modules/@tensorflow/tfjs-backend-wasm/dist
node node_modules/rolldown/bin/cli.mjs -c bench/webgpu/rolldown.config.mjs
[ -f $G/node.xz ] || xz -T2 -9 -c "$(command -v node)" > $G/node.xz
cp node_modules/webgpu/{package.json,index.js,LICENSE.md} $G/node_modules/webgpu/
xz -T2 -6 -c node_modules/webgpu/dist/linux-x64/dawn.node > $G/node_modules/webgpu/dist/linux-x64/dawn.node.xz
# Only for require.resolve: the backend itself is in the bundle; its .wasm binaries are read from here.
cp node_modules/@tensorflow/tfjs-backend-wasm/package.json $G/node_modules/@tensorflow/tfjs-backend-wasm/
cp node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm $G/node_modules/@tensorflow/tfjs-backend-wasm/dist/
echo '// stub for require.resolve: the backend is bundled in bench/' > $G/node_modules/@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.node.js
if ! ls $G/debs/libvulkan1_*.deb >/dev/null 2>&1; then
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  mkdir -p /tmp/amd64/partial
  # shellcheck disable=SC2086
  apt-get $o update -qq && (cd $G/debs && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
fi
cp bench/webgpu/device.sh bench/webgpu/probe-adapters.mjs $G/
du -sh $G
