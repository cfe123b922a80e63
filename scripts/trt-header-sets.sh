#!/usr/bin/env bash
# Prints the TensorRT header sets the checks use, one include directory per line, sorted by version: those in
# .deps/tensorrt/*/include (laid out by ../shared/tools/trt-headers.sh, TensorRT 8.x included) and in
# ../shared/tensorrt/*/include (the redistributable ones, which CI has), one per version (.deps first).
#   TRT_HEADERS=dir1:dir2   use these include directories instead
#   TRT_SET=v10.3.0         only the set of that folder name
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ -n "${TRT_HEADERS:-}" ]]; then
  tr ':' '\n' <<<"$TRT_HEADERS" | grep -v '^$'
  exit 0
fi
declare -A seen=()
for inc in .deps/tensorrt/*/include ../shared/tensorrt/*/include; do
  [[ -f "$inc/NvInferVersion.h" ]] || continue
  tag=$(basename "$(dirname "$inc")")
  [[ -n "${TRT_SET:-}" && "$tag" != "$TRT_SET" ]] && continue
  version=${tag#v}
  [[ -n "${seen[$version]:-}" ]] && continue
  seen[$version]=1
  echo "$version $inc"
done | sort -V | cut -d' ' -f2
