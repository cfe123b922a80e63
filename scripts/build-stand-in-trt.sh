#!/usr/bin/env bash
# Builds the stand-in libnvinfer (runtime and builder), ONNX parser and builder resource library
# (test/native/fake-tensorrt) against the real CUDA runtime into build/stand-in-tensorrt/, for
# test/gpu/trt-stand-in.test.ts: on a GPU without TensorRT, the public TensorRT API then runs end to end on real device
# memory, pinned and mapped staging and streams. Use headers of a major the addon has a
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
read -r major version < <(printf '#include <NvInferVersion.h>\nNV_TENSORRT_MAJOR NV_TENSORRT_MINOR NV_TENSORRT_PATCH\n' | g++ -E -P -I"$inc" - | tail -1 | awk '{ print $1, $1 "." $2 "." $3 }')
out=build/stand-in-tensorrt
mkdir -p "$out"
python3 test/native/fake-tensorrt/gen_defaults.py "$inc" "$out/defaults.h"
# The CUDA runtime linked statically, as in the addon: nothing to find at run time but the driver.
g++ -std=c++17 -O1 -g -shared -fPIC -isystem "$inc" -isystem "$cuda/include" -I"$out" -Wl,-soname,"libnvinfer.so.$major" \
  test/native/fake-tensorrt/fake_nvinfer.cpp test/native/fake-tensorrt/fake_builder.cpp -L"$cuda/lib64" -lcudart_static -lrt -lpthread -ldl -o "$out/libnvinfer.so.$major"
g++ -std=c++17 -O1 -g -shared -fPIC -isystem "$inc" -isystem "$cuda/include" -I"$out" -Wl,-soname,"libnvonnxparser.so.$major" \
  test/native/fake-tensorrt/fake_onnxparser.cpp -Wl,--no-as-needed -L"$out" -l:"libnvinfer.so.$major" -o "$out/libnvonnxparser.so.$major"
# The builder resource as libnvinfer asks for it (the stand-in asks for sm_<the device's> from 11; build the common ones).
if (( major >= 11 )); then resources=(ptx sm75 sm80 sm86 sm87 sm89 sm90 sm100 sm120); else resources=(""); fi
for r in "${resources[@]}"; do
  name="libnvinfer_builder_resource${r:+_$r}.so.$version"
  gcc -shared -fPIC -Wl,-soname,"$name" test/native/fake-tensorrt/fake_builder_resource.c -o "$out/$name"
done
rm "$out/defaults.h"
echo "build-stand-in-trt: $out/libnvinfer.so.$major (TensorRT $(basename "$root") headers)"
