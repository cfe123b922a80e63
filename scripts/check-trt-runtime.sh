#!/usr/bin/env bash
# Runs trtjs's TensorRT layer (native/trt, the real loader, logger and pinned memory) against the stand-in libnvinfer
# (runtime and builder), ONNX parser, builder resource library and CUDA runtime of test/native/fake-tensorrt, on the
# CPU under ASan/UBSan, with LD_LIBRARY_PATH empty (TensorRT is found through TRTJS_TENSORRT_LIB_DIR alone, as an
# install that is not registered with ldconfig is), for every TensorRT header set
# (scripts/trt-header-sets.sh: .deps/tensorrt and ../shared/tensorrt). It checks trtjs's own decisions where TensorRT
# cannot run, first in C++ (runtime.cpp, one binary per set), then through the public API: an addon built as the
# release is, with one TensorRT layer per major (the set's own, and the oldest set of each other major) and the
# stand-in CUDA runtime, driven from JavaScript with the set's stand-in libnvinfer, which the addon must serve with
# the layer of the set. Sets whose layers coincide use the same addon file, so one binary serves a 10.x stand-in in
# one process and an 11.x stand-in in another. The CUDA kernels are their host emulation there
# (test/native/fake-tensorrt/fake_kernels.cpp), so the image-in stage (letterbox, engine, decode + NMS) runs too, on
# a yolov8n output recorded with ONNX Runtime from TRTJS_FIXTURES. The trt test tier checks TensorRT itself where it
# exists.
#   bash scripts/check-trt-runtime.sh     prints "v10.3.0: ok (N checks, layer 10.3.0 of 11.1.0,10.3.0)" per set
#                                         (VERBOSE=1: every check); exits non-zero on a failure, printing what failed.
#                                         TRT_SET=v10.3.0 or TRT_HEADERS=dir1:dir2 narrow the sets.
set -uo pipefail
cd "$(dirname "$0")/.."
mapfile -t sets < <(bash scripts/trt-header-sets.sh)
(( ${#sets[@]} )) || { echo "check-trt-runtime: no TensorRT header sets in .deps/tensorrt or ../shared/tensorrt (run ../shared/tools/trt-headers.sh)" >&2; exit 1; }
cuda=${CUDA_HOME:-/usr/local/cuda}/include
[[ -f "$cuda/cuda_runtime_api.h" ]] || { echo "check-trt-runtime: no CUDA headers in $cuda (set CUDA_HOME)" >&2; exit 1; }
[[ -f dist/index.js ]] || { echo "check-trt-runtime: no dist/ (npm run build:ts)" >&2; exit 1; }
napi=$(node -p "require('node-addon-api').include_dir" 2>/dev/null) || { echo "check-trt-runtime: node-addon-api not installed (npm install)" >&2; exit 1; }
san=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
addon_flags=(-std=c++17 -g -O1 -fPIC -fvisibility=hidden "${san[@]}" -DTRTJS_WITH_TENSORRT=1 -DTRTJS_WITH_CUDA=1
  -DTRTJS_LAYERS='"cpu+cuda+tensorrt"' -DTRTJS_CUDA_TOOLKIT='"13.0 (stand-in)"' -DTRTJS_CUDA_ARCHS='"90-real"'
  -DNAPI_VERSION=8 -DNAPI_CPP_EXCEPTIONS -DNODE_ADDON_API_DISABLE_DEPRECATED -DTRTJS_VERSION='"0.0.0-stand-in"'
  -Inative -isystem "$cuda" -isystem node_modules/node-api-headers/include -isystem "$napi")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

declare -A major=() version=()
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  read -r major[$tag] version[$tag] < <(printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR NV_TENSORRT_MINOR NV_TENSORRT_PATCH\n' |
    g++ -E -P -I"$inc" - | tail -1 | awk '{ print $1, $1 "." $2 "." $3 }')
done

# One stand-in CUDA runtime, shared by every stand-in libnvinfer and what uses them (the C++ checks, the addons).
mkdir -p "$tmp/cudart"
g++ -std=c++17 -g -O1 -shared -fPIC "${san[@]}" -isystem "$cuda" test/native/fake-tensorrt/fake_cudart.cpp -o "$tmp/cudart/libfakecudart.so" ||
  { echo "check-trt-runtime: the stand-in CUDA runtime does not build" >&2; exit 1; }
cudart=(-L"$tmp/cudart" -lfakecudart -Wl,-rpath,"$tmp/cudart")

build_resources() {  # <dir> <file names...>: stand-in builder resource libraries, each with its file name as soname
  local dir=$1 r
  shift
  for r in "$@"; do gcc -shared -fPIC -Wl,-soname,"$r" test/native/fake-tensorrt/fake_builder_resource.c -o "$dir/$r" || return 1; done
}

check_set() {  # <include dir>: the stand-in, the C++ check (run) and this set's layer objects for the addons
  local inc=$1 tag dir log f
  tag=$(basename "$(dirname "$inc")")
  dir="$tmp/$tag"
  log="$dir/log"
  mkdir -p "$dir/lib" "$dir/obj"
  # TensorRT's namespaces renamed in the stand-in as trt/namespace.h renames them in the layer: UBSan's vptr check
  # compares type names, and keeps checking every call into the stand-in that way. (Real TensorRT never compares
  # type names with trtjs: no RTTI crosses its API, which is built on vtables and C entry points.)
  local renamed=(-Dnvinfer1="trt${major[$tag]}_nvinfer1" -Dnvonnxparser="trt${major[$tag]}_nvonnxparser")
  local m=${major[$tag]} v=${version[$tag]} resources
  # The builder resource as libnvinfer asks for it: one library up to TensorRT 10, one per GPU architecture from 11.
  if (( m >= 11 )); then resources=("libnvinfer_builder_resource_sm90.so.$v" "libnvinfer_builder_resource_ptx.so.$v"); else resources=("libnvinfer_builder_resource.so.$v"); fi
  python3 test/native/fake-tensorrt/gen_defaults.py "$inc" "$dir/defaults.h" >"$log" 2>&1 &&
    g++ -std=c++17 -g -O1 -shared -fPIC "${san[@]}" -isystem "$inc" -isystem "$cuda" -I"$dir" "${renamed[@]}" -Wl,-soname,"libnvinfer.so.$m" \
      test/native/fake-tensorrt/fake_nvinfer.cpp test/native/fake-tensorrt/fake_builder.cpp "${cudart[@]}" -ldl -o "$dir/lib/libnvinfer.so.$m" >>"$log" 2>&1 &&
    g++ -std=c++17 -g -O1 -shared -fPIC "${san[@]}" -isystem "$inc" -isystem "$cuda" -I"$dir" "${renamed[@]}" -Wl,-soname,"libnvonnxparser.so.$m" \
      test/native/fake-tensorrt/fake_onnxparser.cpp -Wl,--no-as-needed -L"$dir/lib" -l:"libnvinfer.so.$m" -o "$dir/lib/libnvonnxparser.so.$m" >>"$log" 2>&1 &&
    build_resources "$dir/lib" "${resources[@]}" >>"$log" 2>&1 &&
    g++ -std=c++17 -g -O1 "${san[@]}" -DTRTJS_WITH_TENSORRT=1 -DTRTJS_WITH_CUDA=1 -Inative -isystem "$inc" -isystem "$cuda" \
      test/native/trt_runtime_check.cpp native/trt/runtime.cpp native/trt/inspect.cpp native/trt/logger.cpp native/trt/loader.cpp \
      native/trt/builder.cpp native/trt/layers/search.cpp native/cuda/pinned.cpp native/cuda/emulate.cpp test/native/fake-tensorrt/fake_kernels.cpp \
      "${cudart[@]}" -ldl -o "$dir/check" >>"$log" 2>&1 &&
    env -u LD_LIBRARY_PATH TRTJS_TENSORRT_LIB_DIR="$dir/lib" ASAN_OPTIONS=detect_leaks=1 "$dir/check" >>"$log" 2>&1 || { echo "exit status $?" >>"$log"; return; }
  for f in native/trt/*.cpp; do
    g++ -c "${addon_flags[@]}" -isystem "$inc" -o "$dir/obj/$(basename "$f" .cpp).o" "$f" >>"$log" 2>&1 || { echo "exit status $?" >>"$log"; return; }
  done
}

# The major-neutral part of the addon, once, while the sets build.
common_objects() {
  local f
  mkdir -p "$tmp/common"
  for f in native/cpu/*.cpp native/cuda/*.cpp native/napi/*.cpp native/trt/layers/search.cpp test/native/fake-tensorrt/fake_selftest.cpp \
    test/native/fake-tensorrt/fake_kernels.cpp; do
    g++ -c "${addon_flags[@]}" -o "$tmp/common/$(tr / _ <<<"${f%.cpp}").o" "$f" >>"$tmp/common/log" 2>&1 || echo "$f: failed" >>"$tmp/common/log"
  done
}

for inc in "${sets[@]}"; do check_set "$inc" & done
common_objects &
wait
if grep -q failed "$tmp/common/log" 2>/dev/null; then
  echo "check-trt-runtime: the addon's major-neutral part does not build"; head -40 "$tmp/common/log"; exit 1
fi

# The layers of each set's addon: its own set, and the oldest set of each other major (as the release build picks).
declare -A oldest=() layers_of=() package_of=()
for inc in "${sets[@]}"; do  # sets come sorted by version
  tag=$(basename "$(dirname "$inc")")
  [[ -z "${oldest[${major[$tag]}]:-}" ]] && oldest[${major[$tag]}]=$tag
done
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  chosen=("$tag")
  for m in "${!oldest[@]}"; do [[ "$m" != "${major[$tag]}" ]] && chosen+=("${oldest[$m]}"); done
  layers_of[$tag]=$(for t in "${chosen[@]}"; do echo "${major[$t]} $t"; done | sort -rn | awk '{ print $2 }' | paste -sd' ')
done

build_package() {  # <package dir> <tags...>: the addon with these sets' layers, in a copy of the package
  local pkg=$1 list="" t
  shift
  mkdir -p "$pkg/build/Release"
  for t in "$@"; do list+="TRTJS_TRT_LAYER(${major[$t]})"; done
  cp -r package.json dist "$pkg/" && ln -s "$PWD/node_modules" "$pkg/node_modules" &&
    g++ -c "${addon_flags[@]}" "-DTRTJS_TRT_LAYER_LIST=$list" -o "$pkg/select.o" native/trt/layers/select.cpp >>"$pkg/log" 2>&1 &&
    g++ -shared "${san[@]}" -o "$pkg/build/Release/trtjs.node" "$tmp"/common/*.o "$pkg/select.o" $(for t in "$@"; do echo "$tmp/$t"/obj/*.o; done) \
      "${cudart[@]}" -ldl >>"$pkg/log" 2>&1 || echo "exit status $?" >>"$pkg/log"
}

n=0
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  grep -q '^exit status' "$tmp/$tag/log" && continue
  key=${layers_of[$tag]}
  for t in $key; do grep -q '^exit status' "$tmp/$t/log" && continue 2; done
  if [[ -z "${package_of[$key]:-}" ]]; then
    n=$((n + 1))
    package_of[$key]="$tmp/package$n"
    # shellcheck disable=SC2086
    build_package "$tmp/package$n" $key &
  fi
done
wait

run_api() {  # <tag>: the public API, in a Node with ASan preloaded (leak checks off: Node itself does not free all)
  local tag=$1 pkg=${package_of[${layers_of[$1]}]} expected=""
  for t in ${layers_of[$tag]}; do expected+="${expected:+,}${version[$t]}"; done
  if grep -q '^exit status' "$pkg/log"; then cat "$pkg/log" >>"$tmp/$tag/log"; return; fi
  echo "addon: $pkg/build/Release/trtjs.node" >>"$tmp/$tag/log"
  env -u LD_LIBRARY_PATH TRTJS_TENSORRT_LIB_DIR="$tmp/$tag/lib" EXPECT_TRT_LAYER="${version[$tag]}" EXPECT_TRT_LAYERS="$expected" TRTJS_FIXTURES="${TRTJS_FIXTURES:-$PWD/../shared/fixtures}" \
    LD_PRELOAD="$(g++ -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
    node --expose-gc test/native/fake-tensorrt/backend_check.mjs "$pkg/dist/index.js" >>"$tmp/$tag/log" 2>&1 || echo "exit status $?" >>"$tmp/$tag/log"
}
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  [[ -n "${package_of[${layers_of[$tag]}]:-}" ]] && run_api "$tag" &
done
wait

status=0
for inc in "${sets[@]}"; do
  tag=$(basename "$(dirname "$inc")")
  log="$tmp/$tag/log"
  if [[ $(grep -c '^passed: 0 failed' "$log") == 2 ]] && ! grep -q '^exit status' "$log"; then
    layers=$(for t in ${layers_of[$tag]}; do echo "${version[$t]}"; done | paste -sd,)
    echo "$tag: ok ($(grep -c '^ok ' "$log") checks, layer ${version[$tag]} of $layers, $(grep '^addon: ' "$log" | sed "s|.*$tmp/||; s|/build/Release/trtjs.node||"))"
    [[ -n "${VERBOSE:-}" ]] && sed 's/^/  /' "$log"
  else
    echo "$tag: FAILED"
    grep -v '^ok ' "$log" | head -40
    status=1
  fi
done
exit $status
