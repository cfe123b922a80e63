#!/usr/bin/env bash
# Runs trtjs's TensorRT runtime (native/trt, the real loader, logger and pinned memory) against the stand-in
# libnvinfer and CUDA runtime of test/native/fake-tensorrt, on the CPU under ASan/UBSan, once per TensorRT header set
# in .deps/tensorrt (laid out by ../shared/tools/trt-headers.sh). It checks trtjs's own decisions where TensorRT
# cannot run, first in C++ (runtime.cpp), then through the public API (the addon built with the stand-in CUDA runtime,
# driven from JavaScript). The trt test tier checks TensorRT itself where it exists.
#   bash scripts/check-trt-runtime.sh     prints "v10.3.0: ok (N checks)" per set (VERBOSE=1: every check); exits non-zero
#                                         on a failure, printing what failed. TRT_SET=v10.3.0: one header set only.
set -uo pipefail
cd "$(dirname "$0")/.."
sets=(.deps/tensorrt/${TRT_SET:-*}/include)
[[ -d "${sets[0]}" ]] || { echo "check-trt-runtime: no header sets in .deps/tensorrt (run ../shared/tools/trt-headers.sh)" >&2; exit 1; }
cuda=${CUDA_HOME:-/usr/local/cuda}/include
[[ -f "$cuda/cuda_runtime_api.h" ]] || { echo "check-trt-runtime: no CUDA headers in $cuda (set CUDA_HOME)" >&2; exit 1; }
[[ -f dist/index.js ]] || { echo "check-trt-runtime: no dist/ (npm run build:ts)" >&2; exit 1; }
napi=$(node -p "require('node-addon-api').include_dir" 2>/dev/null) || { echo "check-trt-runtime: node-addon-api not installed (npm install)" >&2; exit 1; }
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check_set() {  # <include dir>: builds and runs the checks for one header set; output in $tmp/<tag>/log
  local inc=$1 tag major dir log pkg
  tag=$(basename "$(dirname "$inc")")
  major=$(printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR\n' | g++ -E -P -I"$inc" - | tail -1)
  dir="$tmp/$tag"
  log="$dir/log"
  mkdir -p "$dir/lib"
  # One stand-in CUDA runtime, shared by the stand-in libnvinfer and what uses it (the check, the addon).
  local cudart=(-L"$dir/lib" -lfakecudart -Wl,-rpath,"$dir/lib")
  python3 test/native/fake-tensorrt/gen_defaults.py "$inc" "$dir/defaults.h" >"$log" 2>&1 &&
    g++ -std=c++17 -g -O1 -shared -fPIC "${san[@]}" -isystem "$cuda" test/native/fake-tensorrt/fake_cudart.cpp \
      -o "$dir/lib/libfakecudart.so" >>"$log" 2>&1 &&
    g++ -std=c++17 -g -O1 -shared -fPIC "${san[@]}" -isystem "$inc" -isystem "$cuda" -I"$dir" \
      test/native/fake-tensorrt/fake_nvinfer.cpp "${cudart[@]}" -o "$dir/lib/libnvinfer.so.$major" >>"$log" 2>&1 &&
    g++ -std=c++17 -g -O1 "${san[@]}" -DTRTJS_WITH_TENSORRT=1 -DTRTJS_WITH_CUDA=1 -Inative -isystem "$inc" -isystem "$cuda" \
      test/native/trt_runtime_check.cpp native/trt/runtime.cpp native/trt/inspect.cpp native/trt/logger.cpp native/trt/loader.cpp \
      native/cuda/pinned.cpp "${cudart[@]}" -ldl -o "$dir/check" >>"$log" 2>&1 &&
    TRTJS_TENSORRT_LIB_DIR="$dir/lib" ASAN_OPTIONS=detect_leaks=1 "$dir/check" >>"$log" 2>&1 || { echo "exit status $?" >>"$log"; return; }

  # Then the public API through the N-API glue and the TypeScript: the whole addon built with the stand-in CUDA
  # runtime and the sanitizers, in a copy of the package (dist/ copied, so the addon it loads is this one), in a Node
  # with ASan preloaded (leak checks off: Node itself does not free everything at exit).
  pkg="$dir/package"
  mkdir -p "$pkg/build/Release"
  cp -r package.json dist "$pkg/" && ln -s "$PWD/node_modules" "$pkg/node_modules" &&
    g++ -std=c++17 -g -O1 -shared -fPIC -fvisibility=hidden "${san[@]}" -DTRTJS_WITH_TENSORRT=1 -DTRTJS_WITH_CUDA=1 \
      -DTRTJS_LAYERS='"cpu+cuda+tensorrt"' -DTRTJS_CUDA_TOOLKIT='"13.0 (stand-in)"' -DTRTJS_CUDA_ARCHS='"90-real"' \
      -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DTRTJS_VERSION='"0.0.0-stand-in"' \
      -Inative -isystem "$inc" -isystem "$cuda" -isystem node_modules/node-api-headers/include -isystem "$napi" \
      native/cpu/*.cpp native/cuda/*.cpp native/trt/*.cpp native/napi/*.cpp test/native/fake-tensorrt/fake_selftest.cpp \
      "${cudart[@]}" -ldl -o "$pkg/build/Release/trtjs.node" >>"$log" 2>&1 &&
    TRTJS_TENSORRT_LIB_DIR="$dir/lib" LD_PRELOAD="$(g++ -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
      node test/native/fake-tensorrt/backend_check.mjs "$pkg/dist/index.js" >>"$log" 2>&1 ||
    echo "exit status $?" >>"$log"
}

# The sets are independent: build and run them side by side, report in order.
for inc in "${sets[@]}"; do check_set "$inc" & done
wait
status=0
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  log="$tmp/$tag/log"
  if [[ $(grep -c '^passed: 0 failed' "$log") == 2 ]] && ! grep -q '^exit status' "$log"; then
    echo "$tag: ok ($(grep -c '^ok ' "$log") checks)"
    [[ -n "${VERBOSE:-}" ]] && sed 's/^/  /' "$log"
  else
    echo "$tag: FAILED"
    grep -v '^ok ' "$log" | head -40
    status=1
  fi
done
exit $status
