import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { packageRoot } from '../../lib/native/binding.js';

// The portable CPU ops under AddressSanitizer and UndefinedBehaviorSanitizer, fed random and hostile inputs by
// test/native/ops_stress.cpp (NaN/inf scores, too few channels, negative shapes, class filters out of range,
// inverted boxes, strides and geometries that do not fit). The addon's own build cannot show an overread; this can.
const exe = join(mkdtempSync(join(tmpdir(), 'trtjs-stress-')), 'ops_stress');
const sources = ['test/native/ops_stress.cpp', 'native/cpu/decode.cpp', 'native/cpu/nms.cpp', 'native/cpu/letterbox.cpp', 'native/cpu/resize_linear.cpp'];
const build = spawnSync('g++', ['-std=c++17', '-O1', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-Inative', ...sources, '-o', exe], {
  cwd: packageRoot,
  encoding: 'utf8',
});
const unavailable = build.error
  ? `g++ is not available (${build.error.message})`
  : /asan|ubsan|sanitize/i.test(build.stderr) && build.status !== 0
    ? `the sanitizer runtimes are missing: ${build.stderr.split('\n')[0]}`
    : undefined;
if (unavailable) console.log(`[unit] skipped the sanitizer stress run of the CPU ops: ${unavailable}`);

describe.skipIf(!!unavailable)('CPU ops under ASan/UBSan with random and hostile inputs', () => {
  it('decode, NMS and letterbox stay in bounds, free of undefined behaviour, and keep their invariants', () => {
    expect(build.status, build.stderr).toBe(0);
    // A fixed seed, and a fresh one each run (printed, so a failure can be replayed).
    const seeds = [1, Math.floor(Math.random() * 2 ** 31)];
    for (const seed of seeds) {
      const r = spawnSync(exe, ['4000', String(seed)], {
        encoding: 'utf8',
        env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
      });
      const out = `${r.stdout}${r.stderr}`;
      console.log(`[unit] ops_stress seed ${seed}: ${r.stdout.trim()}`);
      expect(r.status, out.slice(0, 4000)).toBe(0);
      const counts = Object.fromEntries([...r.stdout.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
      // The run exercised every op: detections came out, boxes were kept, letterboxes were made and refused.
      for (const key of ['detections', 'kept', 'letterboxed', 'refused']) expect(counts[key], key).toBeGreaterThan(0);
    }
  }, 120_000);
});
