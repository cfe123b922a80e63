#!/usr/bin/env bash
# Compiles the TensorRT layer and its N-API glue against every TensorRT header set in .deps/tensorrt/ (laid out
# by ../shared/tools/trt-headers.sh), warnings as errors for project files (TensorRT's own headers are -isystem).
#   bash scripts/check-trt-headers.sh
set -uo pipefail
cd "$(dirname "$0")/.."
sets=(.deps/tensorrt/*/include)
[[ -d "${sets[0]}" ]] || { echo "check-trt-headers: no header sets in .deps/tensorrt (run ../shared/tools/trt-headers.sh)" >&2; exit 1; }
napi=$(node -p "require('node-addon-api').include_dir")
cuda=${CUDA_HOME:-/usr/local/cuda}/include
status=0
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  out=$(for f in native/trt/*.cpp native/napi/build.cpp native/napi/engine.cpp native/napi/capabilities.cpp; do
    g++ -std=c++17 -fsyntax-only -Wall -Wextra -Wpedantic -Werror -DTRTJS_WITH_TENSORRT=1 -DTRTJS_WITH_CUDA=1 \
      -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DTRTJS_LAYERS='"cpu+cuda+tensorrt"' -DTRTJS_CUDA_TOOLKIT='"x"' -DTRTJS_CUDA_ARCHS='"x"' \
      -Inative -isystem "$inc" -isystem "$cuda" -isystem node_modules/node-api-headers/include -isystem "$napi" "$f" 2>&1
  done)
  if [[ -z "$out" ]]; then echo "$tag: ok"; else echo "$tag: FAILED"; echo "$out" | head -30; status=1; fi
done
exit $status
