#!/usr/bin/env bash
# A prebuild must load wherever Node 20 does (glibc 2.28): checks, with objdump -T, that each binary needs no GLIBC_
# symbol version newer than that, no libstdc++ at all (GLIBCXX_/CXXABI_: it is linked statically), only libgcc_s
# versions every glibc system has (GCC_4.2.0 at most), and imports no glibc symbol unversioned (one that exists only
# in a newer glibc: the link-time stand-ins leave those out). Prints the highest versions of each.
#   bash scripts/check-glibc.sh [file.node ...]   (default: prebuilds/linux-*/*.node)   GLIBC_MAX=2.28 OBJDUMP=objdump
set -uo pipefail
cd "$(dirname "$0")/.."
max=${GLIBC_MAX:-2.28}
files=("$@")
(( ${#files[@]} )) || mapfile -t files < <(ls prebuilds/linux-*/*.node 2>/dev/null)
(( ${#files[@]} )) || { echo "check-glibc: no prebuild found (npm run prebuilds)" >&2; exit 1; }
newer() { [[ "$1" != "$2" && "$(printf '%s\n%s\n' "$1" "$2" | sort -V | tail -1)" == "$1" ]]; }
status=0
for f in "${files[@]}"; do
  dump=$(${OBJDUMP:-objdump} -T "$f") || { echo "check-glibc: $f: objdump failed" >&2; status=1; continue; }
  highest() { grep -oE "\(?$1_[0-9.]+\)? " <<<"$dump" | tr -d '() ' | sed "s/^$1_//" | sort -V | tail -1; }
  glibc=$(highest GLIBC) cxx=$(highest GLIBCXX) abi=$(highest CXXABI) gcc=$(highest GCC)
  # Non-weak undefined symbols with no version: Node's own (N-API, libuv) are expected, anything else is not.
  unversioned=$(awk '$2 != "w" && / \*UND\*/ && $NF != "" && $(NF-1) == "Base" { print $NF }' <<<"$dump" |
    grep -vE '^(napi_|node_api_|uv_|_ZN4node|node_module_register)' | paste -sd' ')
  problems=()
  [[ -n "$glibc" ]] && newer "$glibc" "$max" && problems+=("GLIBC_$glibc > $max: $(grep -E "GLIBC_(${glibc//./\\.})( |\))" <<<"$dump" | awk '{ print $NF }' | paste -sd' ')")
  [[ -n "$cxx" ]] && problems+=("needs the system libstdc++ (GLIBCXX_$cxx)")
  [[ -n "$abi" ]] && problems+=("needs the system libstdc++ (CXXABI_$abi)")
  [[ -n "$gcc" ]] && newer "$gcc" 4.2.0 && problems+=("GCC_$gcc > 4.2.0")
  [[ -n "$unversioned" ]] && problems+=("imports unversioned: $unversioned")
  if (( ${#problems[@]} )); then
    echo "check-glibc: $f: FAILED"; printf '  %s\n' "${problems[@]}"; status=1
  else
    echo "check-glibc: $f ok (highest: GLIBC_$glibc, GCC_${gcc:-none}, no GLIBCXX/CXXABI)"
  fi
done
exit $status
