#!/usr/bin/env node
// npm install hook. Uses a prebuilt binary when one matches this platform; otherwise builds from source with
// cmake-js (CUDA and TensorRT layers where their compilers/headers are found), falling back to node-gyp's CPU
// core where CMake is missing. Set TRTJS_BUILD_FROM_SOURCE=1 (or npm --build-from-source) to always build.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const fromSource = process.env.TRTJS_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';

function log(message) {
  process.stderr.write(`trtjs: ${message}\n`);
}

function prebuildLoads() {
  const probe = spawnSync(process.execPath, ['-e', `require('node-gyp-build')(${JSON.stringify(root)})`], {
    cwd: root,
    env: { ...process.env, PREBUILDS_ONLY: '1' },
    stdio: 'ignore',
  });
  return probe.status === 0;
}

function run(command, args) {
  log(`${command} ${args.join(' ')}`);
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: false }).status === 0;
}

if (!fromSource && prebuildLoads()) {
  log(`using the prebuilt binary for ${process.platform}-${process.arch}`);
  process.exit(0);
}

let cmakeJs;
try {
  cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
} catch {
  cmakeJs = undefined;
}
const hasCmake = spawnSync('cmake', ['--version'], { stdio: 'ignore' }).status === 0;
if (cmakeJs && hasCmake && run(process.execPath, [cmakeJs, 'rebuild'])) process.exit(0);
if (!hasCmake) log('CMake not found: building the CPU core with node-gyp (no CUDA or TensorRT layer)');
else log('cmake-js failed: trying the CPU core with node-gyp');

let nodeGyp;
try {
  nodeGyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  nodeGyp = process.env.npm_config_node_gyp;
}
if (nodeGyp && run(process.execPath, [nodeGyp, 'rebuild'])) process.exit(0);

log(
  'could not build the native addon. Install CMake (>= 3.18) and a C++17 compiler, then `npm rebuild trtjs`. ' +
    'CUDA (nvcc) and TensorRT (TENSORRT_ROOT) are optional. trtjs will load but report the addon as unavailable.',
);
process.exit(1);
