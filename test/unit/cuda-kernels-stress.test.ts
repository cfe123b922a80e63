import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { packageRoot } from '../../lib/native/binding.js';

// The CUDA kernels' code, through its host emulation, under AddressSanitizer and UndefinedBehaviorSanitizer, fed
// random and hostile inputs by test/native/kernels_stress.cpp (NaN/inf/huge values, tied scores, too few channels,
// class filters out of range, no maxDet/maxNms limit, batches, strides and geometries that do not fit) and compared
// with the CPU ops bit for bit. On a device an out-of-bounds read is an illegal address; here it aborts the run.
const exe = join(mkdtempSync(join(tmpdir(), 'trtjs-kernels-')), 'kernels_stress');
const sources = [
  'test/native/kernels_stress.cpp',
  'native/cuda/emulate.cpp',
  'native/cpu/decode.cpp',
  'native/cpu/nms.cpp',
  'native/cpu/letterbox.cpp',
  'native/cpu/resize_linear.cpp',
];
const build = spawnSync('g++', ['-std=c++17', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Inative', ...sources, '-o', exe], {
  cwd: packageRoot,
  encoding: 'utf8',
});
const unavailable = build.error
  ? `g++ is not available (${build.error.message})`
  : /asan|ubsan|sanitize/i.test(build.stderr) && build.status !== 0
    ? `the sanitizer runtimes are missing: ${build.stderr.split('\n')[0]}`
    : undefined;
if (unavailable) console.log(`[unit] skipped the sanitizer run of the CUDA kernels' code: ${unavailable}`);

describe.skipIf(!!unavailable)("CUDA kernels' code under ASan/UBSan with random and hostile inputs", () => {
  it('letterbox and decode+NMS stay in bounds, free of undefined behaviour, and equal the CPU ops', () => {
    expect(build.status, build.stderr).toBe(0);
    // A fixed seed, and a fresh one each run (printed, so a failure can be replayed).
    for (const seed of [1, Math.floor(Math.random() * 2 ** 31)]) {
      const r = spawnSync(exe, ['400', String(seed)], {
        encoding: 'utf8',
        env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
      });
      const out = `${r.stdout}${r.stderr}`;
      console.log(`[unit] kernels_stress seed ${seed}: ${r.stdout.trim()}`);
      expect(r.status, out.slice(0, 4000)).toBe(0);
      const counts = Object.fromEntries([...r.stdout.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
      // The run exercised every path: detections, NMS over several chunks, letterboxes made and refused.
      for (const key of ['detections', 'chunked', 'letterboxed', 'refused']) expect(counts[key], key).toBeGreaterThan(0);
    }
  }, 240_000);
});
