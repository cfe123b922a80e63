#!/usr/bin/env bash
# Compiles the TensorRT layer (native/trt/*.cpp) and the N-API glue that uses it against every TensorRT header set in
# .deps/tensorrt/*/include (laid out by ../shared/tools/trt-headers.sh), with the definitions the real build uses and
# warnings as errors. TensorRT's and CUDA's headers are -isystem: only project files must be warning-free.
#   bash scripts/check-trt-headers.sh        prints "v10.3.0: ok" per set; exits non-zero if any set fails
set -uo pipefail
cd "$(dirname "$0")/.."
sets=(.deps/tensorrt/*/include)
[[ -d "${sets[0]}" ]] || { echo "check-trt-headers: no header sets in .deps/tensorrt (run ../shared/tools/trt-headers.sh)" >&2; exit 1; }
cuda=${CUDA_HOME:-/usr/local/cuda}/include
[[ -f "$cuda/cuda_runtime_api.h" ]] || { echo "check-trt-headers: no CUDA headers in $cuda (set CUDA_HOME)" >&2; exit 1; }
napi=$(node -p "require('node-addon-api').include_dir" 2>/dev/null) || { echo "check-trt-headers: node-addon-api not installed (npm install)" >&2; exit 1; }
sources=(native/trt/*.cpp native/napi/build.cpp native/napi/engine.cpp native/napi/capabilities.cpp)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check_set() {  # <include dir> <log>: compiles every source to an object, all diagnostics into <log>
  local inc=$1 log=$2 f
  for f in "${sources[@]}"; do
    g++ -std=c++17 -c -Wall -Wextra -Wpedantic -Werror -fPIC -fvisibility=hidden \
      -DTRTJS_WITH_TENSORRT=1 -DTRTJS_WITH_CUDA=1 -DTRTJS_LAYERS='"cpu+cuda+tensorrt"' -DTRTJS_CUDA_TOOLKIT='"x"' -DTRTJS_CUDA_ARCHS='"x"' \
      -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DTRTJS_VERSION='"0.0.0"' \
      -Inative -isystem "$inc" -isystem "$cuda" -isystem node_modules/node-api-headers/include -isystem "$napi" \
      -o "$log.o" "$f" >>"$log" 2>&1 || echo "$f: failed" >>"$log"
  done
}

# The sets are independent: compile them side by side, report in order.
for inc in "${sets[@]}"; do check_set "$inc" "$tmp/$(basename "$(dirname "$inc")")" & done
wait
status=0
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  if [[ ! -s "$tmp/$tag" ]]; then echo "$tag: ok"; else echo "$tag: FAILED"; head -40 "$tmp/$tag"; status=1; fi
done
exit $status
