#!/usr/bin/env bash
# Formatting and lint, as CI checks them: Biome over the TypeScript and JavaScript (format and lint), clang-format
# over the C++ and CUDA sources (layout only). `bash scripts/check-format.sh --fix` rewrites instead of checking.
set -uo pipefail
cd "$(dirname "$0")/.."
fix=${1:-}
status=0
if [[ "$fix" == --fix ]]; then
  npx biome check --write --error-on-warnings . || status=1
else
  npx biome check --error-on-warnings . || status=1
fi
command -v clang-format >/dev/null || { echo "check-format: clang-format is not installed (apt-get install clang-format)" >&2; exit 1; }
mapfile -t sources < <(git ls-files 'native/*.cpp' 'native/*.h' 'native/*.cu' 'test/native/*.cpp' 'test/native/*.h' 'test/reference/*.cpp')
if [[ "$fix" == --fix ]]; then
  clang-format -i "${sources[@]}" || status=1
else
  clang-format --dry-run --Werror "${sources[@]}" || status=1
fi
exit $status
