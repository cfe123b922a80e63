#!/usr/bin/env bash
# Cross-compiles the linux-arm64 prebuild on x86-64 with Debian's g++-aarch64-linux-gnu (apt-get install
# g++-aarch64-linux-gnu), linked like every prebuild to load on glibc 2.28+ (TRTJS_PORTABLE). It carries the CPU layer
# only: the CUDA layer needs a CUDA toolkit for arm64 whose runtime Jetson drivers accept (JetPack 5/6 ship CUDA
# 11.4-12.6, and CUDA 13's runtime needs a newer driver), and the TensorRT layer runs on the CUDA layer. On a Jetson,
# where nvcc and TensorRT's headers come with JetPack, the install script therefore builds from source (for that
# GPU's architecture only); elsewhere the CPU prebuild is used.
#   bash scripts/prebuild-arm64.sh      writes prebuilds/linux-arm64/trtjs.glibc.node
set -euo pipefail
cd "$(dirname "$0")/.."
command -v aarch64-linux-gnu-g++ >/dev/null || { echo "prebuild-arm64: aarch64-linux-gnu-g++ not found (apt-get install g++-aarch64-linux-gnu)" >&2; exit 1; }
node node_modules/cmake-js/bin/cmake-js rebuild --out build-arm64 \
  --CDCMAKE_TOOLCHAIN_FILE="$PWD/scripts/aarch64-toolchain.cmake" --CDTRTJS_CUDA=OFF --CDTRTJS_TENSORRT=OFF --CDTRTJS_PORTABLE=ON
mkdir -p prebuilds/linux-arm64
aarch64-linux-gnu-strip --strip-all -o prebuilds/linux-arm64/trtjs.glibc.node build-arm64/Release/trtjs.node
file prebuilds/linux-arm64/trtjs.glibc.node
