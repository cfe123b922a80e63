#!/usr/bin/env bash
# The linux-x64 prebuild (`npm run prebuilds`): the full addon (CPU, CUDA, a TensorRT layer per major in
# TENSORRT_ROOTS), linked to load wherever Node 20 does (TRTJS_PORTABLE), with its CUDA layer built by CUDA 11.8
# (scripts/cuda-11.8.sh) so that it runs on every driver from R450 on: a statically linked CUDA runtime needs a driver
# of its major or newer, and CUDA 13's would need R580+. nvcc 11.8 takes GCC 11 at the newest as host compiler.
# TRTJS_PREBUILD_NVCC=<nvcc> builds with another toolkit instead (its runtime's major then sets the oldest driver).
set -euo pipefail
cd "$(dirname "$0")/.."
nvcc=${TRTJS_PREBUILD_NVCC:-}
if [[ -z "$nvcc" ]]; then
  nvcc=$(bash scripts/cuda-11.8.sh | tail -1)
  if ! command -v g++-11 >/dev/null; then
    echo "prebuild-x64: installing g++-11, nvcc 11.8's host compiler" >&2
    apt-get install -y -qq g++-11 >/dev/null || { apt-get update -qq && apt-get install -y -qq g++-11 >/dev/null; }
  fi
  export CUDAHOSTCXX=${CUDAHOSTCXX:-$(command -v g++-11)}
fi
export CUDACXX=$nvcc
# A release binary carries the release list (cmake/cuda-archs.cmake), never a development build's narrower one.
if [[ -n "${TRTJS_CUDA_ARCHS:-}" ]]; then
  echo "prebuild-x64: ignoring TRTJS_CUDA_ARCHS=$TRTJS_CUDA_ARCHS (a prebuild has the release list)" >&2
  unset TRTJS_CUDA_ARCHS
fi
echo "prebuild-x64: CUDA layer from $("$nvcc" --version | grep -o 'release [0-9.]*')${CUDAHOSTCXX:+, host compiler $CUDAHOSTCXX}" >&2
exec npx prebuildify --napi --strip --tag-libc --node-gyp ./scripts/prebuild-shim.mjs
