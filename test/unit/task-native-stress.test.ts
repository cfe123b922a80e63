import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { packageRoot } from '../../lib/native/binding.js';

// The task CPU ops under AddressSanitizer and UndefinedBehaviorSanitizer, fed random and hostile inputs by
// test/native/tasks_stress.cpp (NaN/inf/huge boxes and coefficients, inverted and empty crops, masks of every
// density, polygons far outside the image, heads too short for their classes, crops that do not fit).
const exe = join(mkdtempSync(join(tmpdir(), 'trtjs-tasks-stress-')), 'tasks_stress');
const sources = [
  'test/native/tasks_stress.cpp',
  ...['segment', 'contours', 'polygon_mask', 'obb', 'extras', 'classify_transform', 'decode', 'nms', 'resize_linear'].map((f) => `native/cpu/${f}.cpp`),
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
if (unavailable) console.log(`[unit] skipped the sanitizer stress run of the task ops: ${unavailable}`);

describe.skipIf(!!unavailable)('task CPU ops under ASan/UBSan with random and hostile inputs', () => {
  it('masks, contours, polygon masks, OBB decode, extras and the classification transform stay in bounds and keep their invariants', () => {
    expect(build.status, build.stderr).toBe(0);
    const seeds = [1, Math.floor(Math.random() * 2 ** 31)];
    for (const seed of seeds) {
      const r = spawnSync(exe, ['6000', String(seed)], {
        encoding: 'utf8',
        env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' },
      });
      console.log(`[unit] tasks_stress seed ${seed}: ${r.stdout.trim()}`);
      expect(r.status, `${r.stdout}${r.stderr}`.slice(0, 4000)).toBe(0);
      const counts = Object.fromEntries([...r.stdout.matchAll(/(\w+)=(\d+)/g)].map((m) => [m[1], Number(m[2])]));
      for (const key of ['masks', 'contours', 'polygons', 'rotated', 'extras', 'classified']) expect(counts[key], key).toBeGreaterThan(0);
    }
  }, 180_000);
});
