#!/usr/bin/env bash
# The checklist for the first machine with a GPU and a real TensorRT: it answers, in one run, every question the
# stand-in TensorRT (test/native/fake-tensorrt) cannot, and prints each answer as "A<n>: ..." (then a summary).
#   bash scripts/trt-first-run.sh <TensorRT install root, e.g. /opt/TensorRT-10.13.0.35 or /usr (JetPack, Debian packages)>
# Environment: TRT_LIB_DIR (default <root>/lib, else the triplet dir), TRTEXEC (default <root>/bin/trtexec or
# /usr/src/tensorrt/bin/trtexec), TRTJS_FIXTURES (default ../shared/fixtures), SKIP_BUILD=1 to keep build/ as it is,
# SKIP_TIER=1 to skip the trt test tier. Writes its files to a temporary folder, printed at the start.
#
# Questions:
#   Q1 Does an install reached by full path only (LD_LIBRARY_PATH empty, TRTJS_TENSORRT_LIB_DIR set; not registered with
#      ldconfig) build engines? (trtjs preloads libnvinfer_builder_resource*.so.<version> from libnvinfer's folder.)
#   Q2 Aborted 5 s into a build, how soon does the Promise reject, and how soon does TensorRT let go of the build
#      (the next build's queue time)?
#   Q3 A plan with vectorized IO (trtexec --inputIOFormats=fp16:chw16): what trtjs reports, that it refuses it for
#      inference, and that the padded buffers hold what TensorRT writes (compute-sanitizer memcheck on a direct run).
#   Q4 A version-compatible plan (trtexec --versionCompatible): its first bytes (the 'ftrt' tag or not), refused by
#      default, loaded with allowHostCode: true.
#   Q5 What warnings a build reports (from TensorRT's own threads), and what a load reports.
#   Q6 Per-profile context memory (allocationStrategy: 'profile', 10+) on a two-profile engine: bytes per context.
#   Q7 The trt test tier with TRTJS_REQUIRE=gpu,trt, with LD_LIBRARY_PATH empty.
set -uo pipefail
cd "$(dirname "$0")/.."
root=${1:-${TENSORRT_ROOT:-}}
[[ -n "$root" ]] || { echo "usage: bash scripts/trt-first-run.sh <TensorRT install root>" >&2; exit 2; }
lib=${TRT_LIB_DIR:-}
if [[ -z "$lib" ]]; then
  for d in "$root/lib" "$root/lib64" "$root/lib/$(uname -m)-linux-gnu"; do [[ -e "$d/libnvinfer.so.10" || -e "$d/libnvinfer.so.11" || -e "$d/libnvinfer.so.8" ]] && lib=$d && break; done
fi
[[ -n "$lib" ]] || { echo "trt-first-run: no libnvinfer.so.<major> under $root (set TRT_LIB_DIR)" >&2; exit 2; }
trtexec=${TRTEXEC:-}
for t in "$root/bin/trtexec" /usr/src/tensorrt/bin/trtexec "$(command -v trtexec 2>/dev/null)"; do [[ -z "$trtexec" && -x "$t" ]] && trtexec=$t; done
fixtures=${TRTJS_FIXTURES:-$(cd .. && pwd)/shared/fixtures}
onnx=$fixtures/models/yolov8n_dynamic_f32.onnx
out=$(mktemp -d /tmp/trt-first-run.XXXXXX)
declare -A answer=()
say() { echo "A$1: $2"; answer[$1]=$2; }
# Every trtjs run below: the TensorRT found through TRTJS_TENSORRT_LIB_DIR alone.
trtjs_node() { env -u LD_LIBRARY_PATH TRTJS_TENSORRT_LIB_DIR="$lib" TRTJS_FIXTURES="$fixtures" node "$@"; }

echo "== trt-first-run: TensorRT at $root (libraries $lib), trtexec ${trtexec:-not found}, files in $out"
nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader 2>/dev/null || echo "(nvidia-smi not found)"
ls "$lib" | grep -E '^libnv(infer|onnxparser)' | sed 's/^/  /'

if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "== build (LD_LIBRARY_PATH empty, TENSORRT_ROOT=$root)"
  if env -u LD_LIBRARY_PATH TENSORRT_ROOT="$root" npx cmake-js rebuild >"$out/build.log" 2>&1 && npx tsc -p tsconfig.build.json >>"$out/build.log" 2>&1; then
    grep -E 'trtjs:.*layers|tensorrt=' "$out/build.log" | tail -2
  else
    tail -30 "$out/build.log"; echo "trt-first-run: the build failed ($out/build.log)"; exit 1
  fi
fi

cat >"$out/caps.mjs" <<'EOF'
const t = await import(process.argv[2]);
const c = await t.capabilities({ selfTest: true });
console.log(JSON.stringify({ cuda: c.cuda.available, device: c.cuda.devices[0]?.name, selfTest: c.cuda.devices[0]?.selfTest, tensorrt: c.tensorrt }, null, 1));
EOF
trtjs_node "$out/caps.mjs" "$PWD/dist/index.js" | tee "$out/caps.json"

# Q1, Q5: a build of yolov8n (small shapes, so it is quick) with the library folder alone.
cat >"$out/build.mjs" <<'EOF'
const [dist, onnx, output] = process.argv.slice(2);
const t = await import(dist);
const t0 = performance.now();
try {
  const { report } = await t.buildEngine({ onnx, output, fp16: true, shapes: ['images:1x3x320x320,1x3x320x320,2x3x640x640', 'images:1x3x640x640,4x3x640x640,4x3x640x640'], onProgress: () => {} });
  console.log(JSON.stringify({ ok: true, seconds: ((performance.now() - t0) / 1000).toFixed(1), fp16Mode: report.fp16Mode, layers: report.layers, fp32Layers: report.fp32Layers.length, warnings: report.warnings }));
} catch (e) {
  console.log(JSON.stringify({ ok: false, code: e.code, message: e.message }));
}
EOF
echo "== Q1: build with LD_LIBRARY_PATH empty and TRTJS_TENSORRT_LIB_DIR=$lib"
r=$(trtjs_node "$out/build.mjs" "$PWD/dist/index.js" "$onnx" "$out/yolov8n_2profiles.engine" | tail -1)
echo "$r"
if [[ "$r" == *'"ok":true'* ]]; then say 1 "yes: built in $(sed 's/.*"seconds":"\([^"]*\)".*/\1/' <<<"$r") s with the library folder alone"
else say 1 "NO: $r"; fi
say 5 "build warnings: $(node -e 'const r=JSON.parse(process.argv[1]); console.log((r.warnings||[]).length + " (" + JSON.stringify((r.warnings||[]).slice(0, 3)) + ")")' "$r")"

# Q2: abort 5 s into a build (opt level 5 and larger shapes, so it runs long), then time a tiny build behind it.
cat >"$out/abort.mjs" <<'EOF'
const [dist, onnx] = process.argv.slice(2);
const t = await import(dist);
const controller = new AbortController();
const t0 = performance.now();
const long = t.buildEngine({ onnx, optimizationLevel: 5, shapes: 'images:1x3x320x320,8x3x1280x1280,16x3x1280x1280', signal: controller.signal });
let abortedAt = 0;
const timer = setTimeout(() => { abortedAt = performance.now(); controller.abort(); }, 5000);
const err = await long.then(() => undefined, (e) => e);
clearTimeout(timer);
if (!abortedAt) {
  console.log(JSON.stringify({ endedBeforeTheAbort: err ? `${err.code}: ${err.message}` : 'built', totalMs: Math.round(performance.now() - t0) }));
  process.exit(0);
}
const rejected = performance.now() - abortedAt;
const next = await t.buildEngine({ onnx, shapes: 'images:1x3x64x64,1x3x64x64,1x3x64x64', optimizationLevel: 0 }).then((r) => r.report.timing.queueMs, (e) => `failed: ${e.code} ${e.message}`);
console.log(JSON.stringify({ code: err?.code ?? 'resolved (the build ended before 5 s)', rejectedMs: Math.round(rejected), nextQueuedMs: typeof next === 'number' ? Math.round(next) : next, totalMs: Math.round(performance.now() - t0) }));
EOF
echo "== Q2: abort 5 s into a build"
r=$(trtjs_node "$out/abort.mjs" "$PWD/dist/index.js" "$onnx" | tail -1)
echo "$r"
say 2 "$r (rejectedMs: the Promise after the abort; nextQueuedMs: until TensorRT let go of the build; wanted < 1000 on TensorRT 10+)"

# Q3: a chw16 plan, under compute-sanitizer.
cat >"$out/chw16.mjs" <<'EOF'
const [dist, plan] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const t = await import(dist);
const { addon, layerFunction } = await import(new URL('./native/binding.js', dist));
const e = await t.inspectEngine(plan);
const refused = await t.TensorRtBackend.load(plan).then((b) => (b.dispose(), 'loaded (WRONG)'), (err) => `${err.code}: ${err.message.split('\n')[0]}`);
// The native layer directly (what lib/ refuses): padded staging, one run, under compute-sanitizer.
const bytes = readFileSync(plan);
const { handle, desc } = await layerFunction('trtLoadEngine', 'tensorrt')(bytes, 0, { allowHostCode: false });
const { staging } = await layerFunction('trtCreateContexts', 'tensorrt')(handle, [0], false, addon().constants.contextMemory.static);
const input = desc.tensors.find((x) => x.input);
const shape = desc.profiles[0]?.find((p) => p.name === input.name)?.opt ?? input.shape;
const shapes = await layerFunction('trtRun', 'tensorrt')(handle, 0, [shape]);
layerFunction('trtDisposeEngine', 'tensorrt')(handle);
console.log(JSON.stringify({ formats: e.formats, refused, stagingBytes: staging[0].map((b) => b.byteLength), ran: shapes }));
EOF
if [[ -n "$trtexec" ]]; then
  echo "== Q3: a chw16 plan (trtexec --inputIOFormats=fp16:chw16 --outputIOFormats=fp16:chw16)"
  "$trtexec" --onnx="$onnx" --fp16 --inputIOFormats=fp16:chw16 --outputIOFormats=fp16:chw16 --shapes=images:1x3x640x640 --saveEngine="$out/chw16.plan" >"$out/trtexec-chw16.log" 2>&1 ||
    { tail -5 "$out/trtexec-chw16.log"; }
  if [[ -f "$out/chw16.plan" ]]; then
    sanitizer=$(command -v compute-sanitizer || echo /usr/local/cuda/bin/compute-sanitizer)
    if [[ -x "$sanitizer" ]]; then
      env -u LD_LIBRARY_PATH TRTJS_TENSORRT_LIB_DIR="$lib" "$sanitizer" --tool memcheck --leak-check no node "$out/chw16.mjs" "$PWD/dist/index.js" "$out/chw16.plan" >"$out/chw16.log" 2>&1
      tail -3 "$out/chw16.log"
      say 3 "$(grep '^{' "$out/chw16.log" | tail -1); compute-sanitizer: $(grep -E 'ERROR SUMMARY' "$out/chw16.log" | tail -1)"
    else
      r=$(trtjs_node "$out/chw16.mjs" "$PWD/dist/index.js" "$out/chw16.plan" 2>&1 | tail -1)
      say 3 "$r (compute-sanitizer not found: memory not checked)"
    fi
  else
    say 3 "trtexec could not build a chw16 plan (see $out/trtexec-chw16.log)"
  fi
else
  say 3 "skipped: no trtexec (set TRTEXEC)"
fi

# Q4: a version-compatible plan.
cat >"$out/vc.mjs" <<'EOF'
const [dist, plan] = process.argv.slice(2);
const { readFileSync } = await import('node:fs');
const t = await import(dist);
const head = Array.from(readFileSync(plan).subarray(0, 4), (b) => String.fromCharCode(b >= 32 && b < 127 ? b : 46)).join('');
const byDefault = await t.TensorRtBackend.load(plan).then((b) => (b.dispose(), 'loaded'), (e) => `${e.code}: ${e.message.split('\n').slice(-1)[0].slice(0, 200)}`);
const allowed = await t.TensorRtBackend.load(plan, { allowHostCode: true }).then(async (b) => { await b.dispose(); return 'loaded'; }, (e) => `${e.code}: ${e.message.slice(0, 300)}`);
console.log(JSON.stringify({ firstBytes: head, byDefault, allowHostCode: allowed }));
EOF
if [[ -n "$trtexec" ]]; then
  echo "== Q4: a version-compatible plan (trtexec --versionCompatible)"
  "$trtexec" --onnx="$onnx" --versionCompatible --shapes=images:1x3x640x640 --saveEngine="$out/vc.plan" >"$out/trtexec-vc.log" 2>&1 || tail -5 "$out/trtexec-vc.log"
  if [[ -f "$out/vc.plan" ]]; then
    cp "$out/vc.plan" "$out/vc.engine"
    say 4 "$(trtjs_node "$out/vc.mjs" "$PWD/dist/index.js" "$out/vc.engine" 2>/dev/null | tail -1)"
  else
    say 4 "trtexec could not build a version-compatible plan (see $out/trtexec-vc.log)"
  fi
else
  say 4 "skipped: no trtexec"
fi

# Q5 (loads), Q6: the two-profile engine from Q1.
cat >"$out/memory.mjs" <<'EOF'
const [dist, engine] = process.argv.slice(2);
const t = await import(dist);
const e = await t.inspectEngine(engine);
const sizes = {};
for (const strategy of ['static', 'profile']) {
  const before = (await t.deviceMemory()).free;
  const b = await t.TensorRtBackend.load(engine, { contexts: 2, allocationStrategy: strategy }).catch((err) => err);
  if (b instanceof Error) { sizes[strategy] = `${b.code}: ${b.message}`; continue; }
  sizes[strategy] = { contextMemory: b.contextMemory, deviceBytesTaken: before - (await t.deviceMemory()).free };
  await b.dispose();
}
console.log(JSON.stringify({ loadWarnings: e.warnings, deviceMemory: e.deviceMemory, profileMemory: e.profileMemory, formats: e.formats, staticInputProfileShapes: e.profiles, sizes }));
EOF
if [[ -f "$out/yolov8n_2profiles.engine" ]]; then
  echo "== Q5/Q6: load warnings and per-profile context memory"
  r=$(trtjs_node "$out/memory.mjs" "$PWD/dist/index.js" "$out/yolov8n_2profiles.engine" | tail -1)
  echo "$r"
  say 6 "$r"
else
  say 6 "skipped: no engine from Q1"
fi

if [[ -z "${SKIP_TIER:-}" ]]; then
  echo "== Q7: the trt tier (TRTJS_REQUIRE=gpu,trt, LD_LIBRARY_PATH empty)"
  env -u LD_LIBRARY_PATH TRTJS_TENSORRT_LIB_DIR="$lib" TRTJS_FIXTURES="$fixtures" TRTJS_REQUIRE=gpu,trt npx vitest run --project gpu --project trt >"$out/tier.log" 2>&1
  status=$?
  tail -8 "$out/tier.log"
  say 7 "exit $status: $(grep -E 'Tests +[0-9]' "$out/tier.log" | tail -1 | sed 's/\x1b\[[0-9;]*m//g')"
fi

echo "== answers (files in $out)"
for k in $(printf '%s\n' "${!answer[@]}" | sort -n); do echo "A$k: ${answer[$k]}"; done
