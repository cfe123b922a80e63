#!/usr/bin/env bash
# Compiles the TensorRT layer (native/trt/*.cpp) against every TensorRT header set (scripts/trt-header-sets.sh:
# .deps/tensorrt and ../shared/tensorrt), with the definitions the real build uses and warnings as errors, and the
# major-neutral code around it (native/trt/layers, the N-API glue) once. TensorRT's and CUDA's headers are -isystem:
# only project files must be warning-free. Then checks that the layers of different majors share no symbol that
# depends on TensorRT's headers (native/trt/namespace.h), which is what lets one binary carry them all.
#   bash scripts/check-trt-headers.sh        prints "v10.3.0: ok" per set, then "layers: ok"; exits non-zero on a failure
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t sets < <(bash scripts/trt-header-sets.sh)
(( ${#sets[@]} )) || { echo "check-trt-headers: no TensorRT header sets in .deps/tensorrt or ../shared/tensorrt (run ../shared/tools/trt-headers.sh)" >&2; exit 1; }
cuda=${CUDA_HOME:-/usr/local/cuda}/include
[[ -f "$cuda/cuda_runtime_api.h" ]] || { echo "check-trt-headers: no CUDA headers in $cuda (set CUDA_HOME)" >&2; exit 1; }
napi=$(node -p "require('node-addon-api').include_dir" 2>/dev/null) || { echo "check-trt-headers: node-addon-api not installed (npm install)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(-std=c++17 -c -Wall -Wextra -Wpedantic -Werror -fPIC -fvisibility=hidden -DTRTJS_WITH_TENSORRT=1 -DTRTJS_WITH_CUDA=1
  -DTRTJS_LAYERS='"cpu+cuda+tensorrt"' -DTRTJS_CUDA_TOOLKIT='"x"' -DTRTJS_CUDA_ARCHS='"x"'
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DTRTJS_VERSION='"0.0.0"' -Inative)

major_of() { printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR\n' | g++ -E -P -I"$1" - | tail -1; }

check_set() {  # <include dir> <out dir>: compiles every layer source to an object, all diagnostics into <out>/log
  local inc=$1 out=$2 f
  mkdir -p "$out"
  : >"$out/log"
  for f in native/trt/*.cpp; do
    g++ "${flags[@]}" -isystem "$inc" -isystem "$cuda" -o "$out/$(basename "$f" .cpp).o" "$f" >>"$out/log" 2>&1 || echo "$f: failed" >>"$out/log"
  done
}

# The sets are independent: compile them side by side, report in order.
for inc in "${sets[@]}"; do check_set "$inc" "$tmp/$(basename "$(dirname "$inc")")" & done
# Meanwhile the neutral code, once, as a binary with one layer per major found.
list=""
for m in $(for inc in "${sets[@]}"; do major_of "$inc"; done | sort -un); do list+="TRTJS_TRT_LAYER($m)"; done
mkdir -p "$tmp/neutral"
: >"$tmp/neutral/log"
for f in native/trt/layers/*.cpp native/napi/build.cpp native/napi/engine.cpp native/napi/capabilities.cpp; do
  g++ "${flags[@]}" "-DTRTJS_TRT_LAYER_LIST=$list" -isystem node_modules/node-api-headers/include -isystem "$napi" \
    -o "$tmp/neutral/$(basename "$f" .cpp).o" "$f" >>"$tmp/neutral/log" 2>&1 || echo "$f: failed" >>"$tmp/neutral/log"
done
wait

status=0
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  if [[ ! -s "$tmp/$tag/log" ]]; then echo "$tag: ok"; else echo "$tag: FAILED"; head -40 "$tmp/$tag/log"; status=1; fi
done
if [[ -s "$tmp/neutral/log" ]]; then echo "layers glue: FAILED"; head -40 "$tmp/neutral/log"; status=1; fi
(( status == 0 )) || exit $status

# Symbols: defined (global, weak or unique) in each set's objects, demangled. A TensorRT name that was not renamed
# (nvinfer1::, nvonnxparser::) would mean a header slipped in before trt/namespace.h; a symbol shared by two majors
# that mentions a per-major namespace would be merged by the linker.
symbols() { nm --defined-only -C "$1"/*.o | awk '$2 ~ /^[TWVuDBRGS]$/ { $1 = ""; $2 = ""; sub(/^  /, ""); print }' | sort -u; }
declare -A major=()
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  major[$tag]=$(major_of "$inc")
  symbols "$tmp/$tag" >"$tmp/$tag.syms"
  if grep -Eq '(^|[^_[:alnum:]])(nvinfer1|nvonnxparser)::' "$tmp/$tag.syms"; then
    echo "layers: FAILED ($tag defines TensorRT symbols under their own names)"; grep -E '(^|[^_[:alnum:]])(nvinfer1|nvonnxparser)::' "$tmp/$tag.syms" | head; status=1
  fi
done
pairs=0
for a in "${!major[@]}"; do
  for b in "${!major[@]}"; do
    [[ "$a" < "$b" && "${major[$a]}" != "${major[$b]}" ]] || continue
    pairs=$((pairs + 1))
    shared=$(comm -12 "$tmp/$a.syms" "$tmp/$b.syms" | grep -E 'trt[0-9]+(_nvinfer1|_nvonnxparser|::)' || true)
    if [[ -n "$shared" ]]; then echo "layers: FAILED ($a and $b share per-major symbols)"; head <<<"$shared"; status=1; fi
  done
done
(( status == 0 )) && echo "layers: ok (no TensorRT-dependent symbol shared across $pairs pairs of majors)"
exit $status
