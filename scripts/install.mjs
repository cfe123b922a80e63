#!/usr/bin/env node
// npm install hook (also run by `npm rebuild trtjs`). Uses the prebuilt binary for this platform when it offers
// every layer this machine could build (scripts/install-decision.mjs); otherwise builds from source with cmake-js
// (CUDA and TensorRT layers where nvcc and TensorRT headers are found), keeping the prebuild if that build fails,
// and falls back to node-gyp's CPU core where CMake cannot be used. TRTJS_BUILD_FROM_SOURCE=1 (or npm's
// --build-from-source) always builds; TENSORRT_ROOT always builds against the TensorRT it names.
// TRTJS_INSTALL_DRY_RUN=1 prints the decision as JSON and builds nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { decideInstall } from './install-decision.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const { findCmake, findNvcc, findTensorrtHeaders } = require('./build-env.cjs');
const fromSource = process.env.TRTJS_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';
const dryRun = process.env.TRTJS_INSTALL_DRY_RUN === '1';

function log(message) {
  process.stderr.write(`trtjs: ${message}\n`);
}

// Loads the prebuild in a child process (a corrupt or foreign-architecture file must not take this one down) and
// reports its layers and, when it has the CUDA layer, the driver it finds.
function probePrebuild() {
  const code = `
    const a = require('node-gyp-build')(${JSON.stringify(root)});
    const b = a.buildInfo();
    const out = { path: require('node-gyp-build').path(${JSON.stringify(root)}), layers: b.layers.split('+'),
      tensorrtLayers: b.tensorrtLayers ? b.tensorrtLayers.split(',') : [] };
    (a.cudaInfo ? a.cudaInfo() : Promise.resolve(undefined)).then((c) => {
      if (c) out.cuda = { driverVersion: c.driverVersion, runtimeVersion: c.runtimeVersion };
      console.log(JSON.stringify(out));
    });`;
  const probe = spawnSync(process.execPath, ['-e', code], {
    cwd: root,
    env: { ...process.env, PREBUILDS_ONLY: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (probe.status !== 0) {
    const why = (probe.stderr || '').split('\n').find((l) => /^\w*Error: /.test(l));
    return { error: why ? why.trim() : probe.signal ? `the process loading it died of ${probe.signal}` : `exit status ${probe.status}` };
  }
  try {
    return { prebuild: JSON.parse(probe.stdout.trim().split('\n').pop()) };
  } catch {
    return { error: 'it printed no build information' };
  }
}

function run(command, args, env = process.env) {
  log(`${command} ${args.join(' ')}`);
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: false, env }).status === 0;
}

const { prebuild, error: prebuildError } = probePrebuild();
const machine = { cmake: findCmake(), nvcc: findNvcc(), tensorrt: findTensorrtHeaders() };
const decision = decideInstall({ fromSource, prebuild, machine });
if (dryRun) {
  console.log(JSON.stringify({ ...decision, prebuild, prebuildError, machine }));
  process.exit(0);
}
if (!prebuild && prebuildError && !fromSource && !prebuildError.includes('No native build was found')) {
  log(`the prebuilt binary for ${process.platform}-${process.arch} does not load (${prebuildError})`);
}
log(decision.reason);
if (decision.action === 'prebuild') {
  // node-gyp-build prefers build/Release: an earlier source build there would shadow the prebuild (a development
  // checkout keeps its own).
  const stale = join(root, 'build', 'Release', 'trtjs.node');
  if (existsSync(stale) && !existsSync(join(root, '.git'))) {
    log(`removing ${stale} (an earlier source build) so that the prebuilt binary loads`);
    rmSync(stale, { force: true });
  }
  process.exit(0);
}

if (decision.action === 'cmake') {
  let cmakeJs;
  try {
    cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  } catch {
    cmakeJs = undefined;
  }
  // JetPack puts nvcc in /usr/local/cuda/bin without adding it to PATH: show CMake the one found.
  const env = machine.nvcc && !process.env.CUDACXX ? { ...process.env, CUDACXX: machine.nvcc } : process.env;
  if (cmakeJs && run(process.execPath, [cmakeJs, 'rebuild'], env)) process.exit(0);
  if (decision.keepPrebuild && prebuild) {
    log(
      `the source build failed: keeping the prebuilt binary (${prebuild.layers.join('+')}${prebuild.tensorrtLayers.length ? `, TensorRT ${prebuild.tensorrtLayers.join(', ')}` : ''})`,
    );
    // The failed build must not shadow the prebuild: node-gyp-build prefers build/Release.
    rmSync(join(root, 'build', 'Release', 'trtjs.node'), { force: true });
    process.exit(0);
  }
  log('cmake-js failed: trying the CPU core with node-gyp');
}

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
