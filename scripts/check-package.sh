#!/usr/bin/env bash
# The package as users get it: `npm pack` of this checkout (dist/ and prebuilds/ as CI built them; this script builds
# nothing, and packs with --ignore-scripts so that `prepare` does not either), an empty project (`npm init -y`) and
# README.md's `npm install trtjs onnxruntime-node` line run there with the tarball in place of `trtjs`
# (onnxruntime-node from the registry; ONNXRUNTIME_NODE_INSTALL=skip unless set, as the .npmrc here has it: its
# default install downloads CUDA provider files from outside the registry). Then, in that project:
#   1. `npx trtjs --version` prints package.json's version;
#   2. `npx trtjs doctor` exits 0;
#   3. `npx trtjs detect bus.jpg -m yolo11n_int8_320.onnx --save out` exits 0 and writes the annotated image;
#   4. README.md's Quick start example runs with plain `node` and exits by itself within 60 s (its files are the
#      fixtures, as test/unit/readme.test.ts names them: yolo11n.onnx is yolo11n_int8.onnx);
#   5. `require('trtjs')` from CommonJS gives what `import` gives, with the addon loaded from the packed prebuild.
# The install runs as a new user's would: without TENSORRT_ROOT(S) or a build-from-source request, so the prebuild
# must be the binary it keeps. Needs dist/ (npx tsc -p tsconfig.build.json), prebuilds/linux-x64 (npm run prebuilds),
# the npm registry and the fixtures (TRTJS_FIXTURES, default ../shared/fixtures).
#   bash scripts/check-package.sh      prints one line per check and stops at the first failure
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
ok() { echo "check-package: $* ($((SECONDS - start)) s)"; }
die() { echo "check-package: FAILED: $*" >&2; exit 1; }
export ONNXRUNTIME_NODE_INSTALL=${ONNXRUNTIME_NODE_INSTALL:-skip}
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
unset TENSORRT_ROOT TENSORRT_ROOTS TRTJS_BUILD_FROM_SOURCE npm_config_build_from_source

fixtures=${TRTJS_FIXTURES:-../shared/fixtures}
for f in images/bus.jpg models/yolo11n_int8_320.onnx models/yolo11n_int8.onnx; do
  [[ -f "$fixtures/$f" ]] || die "fixture $f not found in $fixtures (set TRTJS_FIXTURES)"
done
fixtures=$(cd "$fixtures" && pwd)
[[ -f dist/index.js && -f dist/cli/main.js ]] || die "no dist/ (npx tsc -p tsconfig.build.json)"
x64=(prebuilds/linux-x64/*.node)
[[ -f "${x64[0]}" ]] || die "no linux-x64 prebuild (npm run prebuilds)"
version=$(node -p 'require("./package.json").version')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
project=$work/project
mkdir "$project"
# in_project <what failed> <command...>: runs the command in the project, its output in $work/out; on failure shows
# that output and stops.
in_project() {
  local what=$1 status=0
  shift
  (cd "$project" && "$@") >"$work/out" 2>&1 || status=$?
  if ((status != 0)); then
    tail -n 40 "$work/out" >&2
    die "$what (exit status $status)"
  fi
}

npm pack --ignore-scripts --pack-destination "$work" >"$work/out" 2>&1 || { cat "$work/out" >&2; die "npm pack failed"; }
tarball=$(ls "$work"/trtjs-*.tgz)
ok "npm pack: $(basename "$tarball"), $(tar -tzf "$tarball" | wc -l) files, $(du -h "$tarball" | cut -f1)"

in_project "npm init -y failed" npm init -y
# The install line of README.md's sh blocks, without its comment; the tarball stands in for `trtjs`.
line=$(node -e '
  const readme = require("fs").readFileSync("README.md", "utf8");
  for (const m of readme.matchAll(/^```sh\n([\s\S]*?)^```$/gm))
    for (const l of m[1].split("\n")) if (/^npm install .*\btrtjs\b/.test(l)) { console.log(l.replace(/\s+#.*/, "")); process.exit(0); }
  process.exit(1);') || die "README.md has no \`npm install trtjs ...\` line in an sh block"
read -ra install <<<"$line"
for i in "${!install[@]}"; do [[ "${install[$i]}" == trtjs ]] && install[i]=$tarball; done
in_project "\`$line\` with the packed tarball failed" "${install[@]}"
installed() { node -p "require('$project/node_modules/$1/package.json').version"; }
ok "$line: installed trtjs $(installed trtjs), onnxruntime-node $(installed onnxruntime-node)"

# --no: a trtjs missing from the project must fail, not come from the registry (`--` keeps --version trtjs's).
in_project "npx trtjs --version failed" npx --no -- trtjs --version
got=$(tail -n 1 "$work/out")
[[ "$got" == "$version" ]] || die "npx trtjs --version printed '$got', package.json has $version"
ok "npx trtjs --version: $got"

in_project "npx trtjs doctor failed" npx --no -- trtjs doctor
ok "npx trtjs doctor: exit 0"

cp "$fixtures/images/bus.jpg" "$fixtures/models/yolo11n_int8_320.onnx" "$project/"
in_project "npx trtjs detect failed" npx --no -- trtjs detect bus.jpg -m yolo11n_int8_320.onnx --save out
[[ -s "$project/out/bus.jpg" ]] || die "npx trtjs detect --save out wrote no out/bus.jpg (out/: $(ls "$project/out" 2>/dev/null))"
ok "npx trtjs detect bus.jpg -m yolo11n_int8_320.onnx --save out: out/bus.jpg, $(stat -c %s "$project/out/bus.jpg") bytes"

# README.md's first js block under "## Quick start", found as test/unit/readme.test.ts finds blocks.
node -e '
  const readme = require("fs").readFileSync("README.md", "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Quick start\n"));
  const m = section && /^```js\n([\s\S]*?)^```$/m.exec(section);
  if (!m) process.exit(1);
  require("fs").writeFileSync(process.argv[1], m[1]);' "$project/quickstart.mjs" || die "README.md has no js block under ## Quick start"
cp "$fixtures/models/yolo11n_int8.onnx" "$project/yolo11n.onnx"
status=0
(cd "$project" && timeout 60 node quickstart.mjs) >"$work/out" 2>"$work/err" || status=$?
((status != 124)) || die "the Quick start example did not exit by itself within 60 s"
((status == 0)) || { cat "$work/out" "$work/err" >&2; die "the Quick start example failed (exit status $status)"; }
! grep -qE 'Error|Warning' "$work/err" || { cat "$work/err" >&2; die "the Quick start example wrote an error or warning"; }
[[ -s "$work/out" ]] || die "the Quick start example printed nothing"
ok "README Quick start with node: $(tail -n 1 "$work/out")"

cat >"$project/require.cjs" <<'EOF'
const trtjs = require('trtjs');
(async () => {
  const esm = Object.keys(await import('trtjs')).sort().join();
  if (Object.keys(trtjs).sort().join() !== esm) throw new Error('require and import give different exports');
  const { addon } = await trtjs.capabilities();
  if (!addon.loaded) throw new Error('the addon did not load');
  if (!/\/node_modules\/trtjs\/prebuilds\//.test(addon.path)) throw new Error(`the addon is ${addon.path}, not the prebuild`);
  console.log(`${Object.keys(trtjs).length} exports, addon ${addon.path.replace(/.*\/node_modules\//, '')} (${Object.keys(addon.layers).filter((l) => addon.layers[l]).join('+')})`);
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
EOF
in_project "require('trtjs') from CommonJS failed" node require.cjs
ok "require('trtjs') from CommonJS: $(tail -n 1 "$work/out")"
