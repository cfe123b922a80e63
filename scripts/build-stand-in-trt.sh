#!/usr/bin/env bash
# Builds the stand-in libnvinfer (test/native/fake-tensorrt) against the real CUDA runtime into
# build/stand-in-tensorrt/, for test/gpu/trt-stand-in.test.ts: on a GPU without TensorRT, the public TensorRT API then
# runs end to end on real device memory, pinned and mapped staging and streams. Use headers of a major the addon has a
# layer for (TENSORRT_ROOT, default the 10.3.0 headers), of that layer's minor or newer.
#   bash scripts/build-stand-in-trt.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# The first entry of TENSORRT_ROOT / TENSORRT_ROOTS (':'- or ';'-separated), else the 10.3.0 headers.
root=${TENSORRT_ROOT:-${TENSORRT_ROOTS:-}}
root=${root%%[:;]*}
[[ -n "$root" ]] || { root=.deps/tensorrt/v10.3.0; [[ -d "$root" ]] || root=../shared/tensorrt/v10.3.0; }
inc=$root/include
cuda=${CUDA_HOME:-/usr/local/cuda}
[[ -f "$inc/NvInfer.h" ]] || { echo "build-stand-in-trt: no TensorRT headers in $inc (set TENSORRT_ROOT)" >&2; exit 1; }
major=$(printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR\n' | g++ -E -P -I"$inc" - | tail -1)
out=build/stand-in-tensorrt
mkdir -p "$out"
python3 test/native/fake-tensorrt/gen_defaults.py "$inc" "$out/defaults.h"
# The CUDA runtime linked statically, as in the addon: nothing to find at run time but the driver.
g++ -std=c++17 -O1 -g -shared -fPIC -isystem "$inc" -isystem "$cuda/include" -I"$out" test/native/fake-tensorrt/fake_nvinfer.cpp \
  -L"$cuda/lib64" -lcudart_static -lrt -lpthread -ldl -o "$out/libnvinfer.so.$major"
rm "$out/defaults.h"
echo "build-stand-in-trt: $out/libnvinfer.so.$major (TensorRT $(basename "$root") headers)"
