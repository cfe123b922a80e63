#!/usr/bin/env node
// prebuildify drives node-gyp (`rebuild --target=… --release`); trtjs builds with cmake-js. This stands in for
// node-gyp so `npm run prebuilds` builds the full addon and prebuildify names, strips and places it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
if (args[0] !== 'rebuild') {
  process.stderr.write(`prebuild-shim: only 'rebuild' is supported, got ${args.join(' ')}\n`);
  process.exit(2);
}
const cmakeJs = join(dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
const debug = args.includes('--debug');
// Prebuilds are linked to load wherever Node 20 does (glibc 2.28, no system libstdc++): TRTJS_PORTABLE in CMakeLists.txt.
const result = spawnSync(process.execPath, [cmakeJs, 'rebuild', '--CDTRTJS_PORTABLE=ON', ...(debug ? ['--debug'] : [])], { stdio: 'inherit' });
process.exit(result.status ?? 1);
