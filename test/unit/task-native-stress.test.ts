import { describe, expect, it } from 'vitest';

import { buildStress, runStress, stressSeeds } from '../helpers/sanitizer-stress.js';

// The task CPU ops under AddressSanitizer and UndefinedBehaviorSanitizer, fed random and hostile inputs by
// test/native/tasks_stress.cpp (NaN/inf/huge boxes and coefficients, inverted and empty crops, masks of every
// density, polygons far outside the image, heads too short for their classes, crops that do not fit).
const sources = [
  'test/native/tasks_stress.cpp',
  ...['segment', 'contours', 'polygon_mask', 'obb', 'extras', 'classify_transform', 'decode', 'nms', 'resize_linear'].map((f) => `native/cpu/${f}.cpp`),
];
const { build, exe, unavailable } = buildStress('tasks_stress', sources);
if (unavailable) console.log(`[unit] skipped the sanitizer stress run of the task ops: ${unavailable}`);

describe.skipIf(!!unavailable)('task CPU ops under ASan/UBSan with random and hostile inputs', () => {
  it('masks, contours, polygon masks, OBB decode, extras and the classification transform stay in bounds and keep their invariants', () => {
    expect(build.status, build.stderr).toBe(0);
    for (const seed of stressSeeds()) {
      const r = runStress(exe, 6000, seed);
      console.log(`[unit] tasks_stress seed ${seed}: ${r.stdout.trim()}`);
      expect(r.status, r.output.slice(0, 4000)).toBe(0);
      const counts = r.counts;
      for (const key of ['masks', 'contours', 'polygons', 'rotated', 'extras', 'classified']) expect(counts[key], key).toBeGreaterThan(0);
    }
  }, 180_000);
});
