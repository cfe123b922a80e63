import { describe, expect, it } from 'vitest';

import { buildStress, runStress, stressSeeds } from '../helpers/sanitizer-stress.js';

// The portable CPU ops under AddressSanitizer and UndefinedBehaviorSanitizer, fed random and hostile inputs by
// test/native/ops_stress.cpp (NaN/inf scores, too few channels, negative shapes, class filters out of range,
// inverted boxes, strides and geometries that do not fit). The addon's own build cannot show an overread; this can.
const sources = ['test/native/ops_stress.cpp', 'native/cpu/decode.cpp', 'native/cpu/nms.cpp', 'native/cpu/letterbox.cpp', 'native/cpu/resize_linear.cpp'];
const { build, exe, unavailable } = buildStress('ops_stress', sources);
if (unavailable) console.log(`[unit] skipped the sanitizer stress run of the CPU ops: ${unavailable}`);

describe.skipIf(!!unavailable)('CPU ops under ASan/UBSan with random and hostile inputs', () => {
  it('decode, NMS and letterbox stay in bounds, free of undefined behaviour, and keep their invariants', () => {
    expect(build.status, build.stderr).toBe(0);
    for (const seed of stressSeeds()) {
      const r = runStress(exe, 4000, seed);
      console.log(`[unit] ops_stress seed ${seed}: ${r.stdout.trim()}`);
      expect(r.status, r.output.slice(0, 4000)).toBe(0);
      const counts = r.counts;
      // The run exercised every op: detections came out, boxes were kept, letterboxes were made and refused.
      for (const key of ['detections', 'kept', 'letterboxed', 'refused']) expect(counts[key], key).toBeGreaterThan(0);
    }
  }, 120_000);
});
