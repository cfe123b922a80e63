#!/usr/bin/env bash
# The addon must load on machines without CUDA or TensorRT: no NEEDED entry may name them (the CUDA runtime
# is linked statically and opens libcuda itself; TensorRT is opened with dlopen).
#   bash scripts/check-linkage.sh [file.node ...]   (default: every built and prebuilt binary)
set -euo pipefail
cd "$(dirname "$0")/.."
files=("$@")
if (( ${#files[@]} == 0 )); then
  mapfile -t files < <(ls build/Release/*.node prebuilds/*/*.node 2>/dev/null || true)
fi
(( ${#files[@]} )) || { echo "check-linkage: no .node file found (build first)" >&2; exit 1; }
status=0
for f in "${files[@]}"; do
  bad=$(readelf -d "$f" | grep NEEDED | grep -Eo '\[(libcuda|libcudart|libnvinfer|libnvonnxparser|libnvinfer_plugin)[^]]*\]' || true)
  if [[ -n "$bad" ]]; then
    echo "check-linkage: $f links $bad" >&2
    status=1
  else
    echo "check-linkage: $f ok ($(readelf -d "$f" | grep -c NEEDED) NEEDED entries, none of CUDA/TensorRT)"
  fi
done
exit $status
