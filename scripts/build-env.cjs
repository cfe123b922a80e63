'use strict';
// What this machine offers a source build of trtjs: TensorRT header sets, nvcc, CMake. Read by the install script
// (scripts/install.mjs: prebuild or source build?) and by the runtime (lib/native/binding.ts: the exact rebuild
// command when a TensorRT layer is missing). Looks where CMakeLists.txt looks, in the same order. CommonJS so both
// can load it synchronously; no dependencies.
const { spawnSync } = require('node:child_process');
const { existsSync, readFileSync } = require('node:fs');
const { delimiter, isAbsolute, join, resolve } = require('node:path');

const packageRoot = resolve(__dirname, '..');

/** System and JetPack include directories CMakeLists.txt also searches, after TENSORRT_ROOT / TENSORRT_ROOTS. */
const SYSTEM_INCLUDE_DIRS = [
  '/usr/include/x86_64-linux-gnu',
  '/usr/include/aarch64-linux-gnu',
  '/usr/local/tensorrt/include',
  '/opt/tensorrt/include',
  '/usr/src/tensorrt/include',
  '/usr/local/cuda/include',
  '/usr/include',
];

/** The CMake this package's CMakeLists.txt needs. */
const CMAKE_MINIMUM = '3.18';

/** TensorRT version of the headers in `include`, or undefined when there are none. */
function headersVersion(include) {
  let text;
  try {
    text = readFileSync(join(include, 'NvInferVersion.h'), 'utf8');
  } catch {
    return undefined;
  }
  const part = (name) => {
    const m = text.match(new RegExp(`#define (?:NV_TENSORRT|TRT)_${name}(?:_ENTERPRISE)? +(\\d+)`));
    return m ? Number(m[1]) : undefined;
  };
  const [major, minor, patch] = [part('MAJOR'), part('MINOR'), part('PATCH')];
  if (major === undefined || minor === undefined) return undefined;
  return { major, minor, patch: patch ?? 0, version: `${major}.${minor}.${patch ?? 0}` };
}

/** TENSORRT_ROOT and TENSORRT_ROOTS entries (';' or ':' separated), as CMakeLists.txt reads them. */
function explicitRoots(env = process.env) {
  return [env.TENSORRT_ROOT, env.TENSORRT_ROOTS]
    .filter(Boolean)
    .flatMap((v) => v.split(/[;:]/))
    .filter(Boolean)
    .map((r) => (isAbsolute(r) ? r : resolve(packageRoot, r)));
}

/**
 * Every usable TensorRT header set (NvInferVersion.h and NvOnnxParser.h), explicit ones first:
 * { major, minor, patch, version, include, root, explicit }. `root` is what TENSORRT_ROOT would be ('' for a system
 * include directory, which the build finds by itself).
 */
function findTensorrtHeaders(env = process.env) {
  const out = [];
  const add = (include, root, explicit) => {
    if (out.some((h) => h.include === include)) return;
    const v = headersVersion(include);
    if (v && existsSync(join(include, 'NvOnnxParser.h'))) out.push({ ...v, include, root, explicit });
  };
  for (const root of explicitRoots(env)) {
    if (existsSync(join(root, 'include', 'NvInferVersion.h'))) add(join(root, 'include'), root, true);
    else add(root, root, true);
  }
  for (const dir of SYSTEM_INCLUDE_DIRS) add(dir, dir.startsWith('/usr/include') ? '' : dir.replace(/\/include$/, ''), false);
  return out;
}

/** The nvcc CMake would find: CUDACXX, PATH, then the toolkit's usual place. */
function findNvcc(env = process.env) {
  if (env.CUDACXX && existsSync(env.CUDACXX)) return env.CUDACXX;
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'nvcc'))) return join(dir, 'nvcc');
  }
  const cuda = join(env.CUDA_HOME || env.CUDA_PATH || '/usr/local/cuda', 'bin', 'nvcc');
  return existsSync(cuda) ? cuda : undefined;
}

/** `cmake --version` as { version, ok } (ok: new enough for CMakeLists.txt), or undefined when there is no cmake. */
function findCmake(env = process.env) {
  const r = spawnSync('cmake', ['--version'], { encoding: 'utf8', env });
  if (r.status !== 0) return undefined;
  const m = /version (\d+)\.(\d+)(?:\.(\d+))?/.exec(r.stdout ?? '');
  if (!m) return undefined;
  const [maj, min] = CMAKE_MINIMUM.split('.').map(Number);
  const ok = Number(m[1]) > maj || (Number(m[1]) === maj && Number(m[2]) >= min);
  return { version: `${m[1]}.${m[2]}.${m[3] ?? 0}`, ok };
}

/**
 * The command that rebuilds trtjs with a TensorRT layer for `major` (any major when undefined) on this machine, and
 * what is missing for it. Run where trtjs is a dependency.
 */
function tensorrtRebuildHint(major, env = process.env) {
  const sets = findTensorrtHeaders(env).filter((h) => major === undefined || h.major === major);
  const what = major === undefined ? 'TensorRT' : `TensorRT ${major}.x`;
  const needs = [];
  if (!findNvcc(env)) needs.push('nvcc (the CUDA toolkit; put its bin/ on PATH)');
  const cmake = findCmake(env);
  if (!cmake) needs.push(`CMake >= ${CMAKE_MINIMUM}`);
  else if (!cmake.ok) needs.push(`CMake >= ${CMAKE_MINIMUM} (found ${cmake.version}; e.g. \`pip3 install cmake\`)`);
  const also = needs.length ? `; it also needs ${needs.join(' and ')}` : '';
  if (sets.length === 0) {
    return (
      `install ${what}'s headers (NvInfer.h and NvOnnxParser.h: NVIDIA's libnvinfer-dev and libnvonnxparsers-dev packages, ` +
      `or the include/ folder of the TensorRT tarball), then run \`TENSORRT_ROOT=<that TensorRT> npm rebuild trtjs\`${also}`
    );
  }
  const h = sets[0];
  const command = h.root ? `TENSORRT_ROOT=${h.root} npm rebuild trtjs` : 'npm rebuild trtjs';
  return `run \`${command}\` (it compiles a layer against the TensorRT ${h.version} headers in ${h.include})${also}`;
}

module.exports = { CMAKE_MINIMUM, SYSTEM_INCLUDE_DIRS, findCmake, findNvcc, findTensorrtHeaders, headersVersion, tensorrtRebuildHint };
