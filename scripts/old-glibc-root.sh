#!/usr/bin/env bash
# Lays out an older Linux userland to run Node on: Debian 11's glibc 2.31, libstdc++ and libgcc (the level of
# Ubuntu 20.04 and JetPack 5), for amd64 or arm64, from Debian's archive with apt (a private apt state: the system's
# sources and dpkg are untouched). Prints the root; reuses one already laid out.
#   bash scripts/old-glibc-root.sh amd64|arm64 [dir]     (default dir: .deps/bullseye-<arch>)
set -euo pipefail
cd "$(dirname "$0")/.."
arch=${1:?amd64 or arm64}
root=${2:-.deps/bullseye-$arch}
if [[ ! -f "$root/.complete" ]]; then
  state=$(mktemp -d)
  trap 'rm -rf "$state"' EXIT
  mkdir -p "$state/lists/partial" "$state/cache/archives/partial" "$state/debs" "$root"
  echo "deb http://deb.debian.org/debian bullseye main" >"$state/sources.list"
  apt_opts=(-o Dir::Etc::sourcelist="$state/sources.list" -o Dir::Etc::sourceparts=- -o Dir::State::Lists="$state/lists"
    -o Dir::Cache="$state/cache" -o APT::Architecture="$arch" -o APT::Architectures::="$arch" -o APT::Get::List-Cleanup=0 -o APT::Sandbox::User=root)
  apt-get "${apt_opts[@]}" update -qq
  (cd "$state/debs" && apt-get "${apt_opts[@]}" download -qq "libc6:$arch/bullseye" "libstdc++6:$arch/bullseye" "libgcc-s1:$arch/bullseye" 2>/dev/null)
  for deb in "$state"/debs/*.deb; do dpkg-deb -x "$deb" "$root"; done
  touch "$root/.complete"
fi
echo "$root"
