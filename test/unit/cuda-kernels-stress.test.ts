import { describe, expect, it } from 'vitest';

import { buildStress, runStress, stressSeeds } from '../helpers/sanitizer-stress.js';

// The CUDA kernels' code, through its host emulation, under AddressSanitizer and UndefinedBehaviorSanitizer, fed
// random and hostile inputs by test/native/kernels_stress.cpp (NaN/inf/huge values, tied scores, too few channels,
// class filters out of range, no maxDet/maxNms limit, batches, strides and geometries that do not fit) and compared
// with the CPU ops bit for bit. On a device an out-of-bounds read is an illegal address; here it aborts the run.
const sources = [
  'test/native/kernels_stress.cpp',
  'native/cuda/emulate.cpp',
  'native/cpu/decode.cpp',
  'native/cpu/nms.cpp',
  'native/cpu/letterbox.cpp',
  'native/cpu/resize_linear.cpp',
];
const { build, exe, unavailable } = buildStress('kernels_stress', sources);
if (unavailable) console.log(`[unit] skipped the sanitizer run of the CUDA kernels' code: ${unavailable}`);

describe.skipIf(!!unavailable)("CUDA kernels' code under ASan/UBSan with random and hostile inputs", () => {
  it('letterbox and decode+NMS stay in bounds, free of undefined behaviour, and equal the CPU ops', () => {
    expect(build.status, build.stderr).toBe(0);
    for (const seed of stressSeeds()) {
      const r = runStress(exe, 400, seed);
      console.log(`[unit] kernels_stress seed ${seed}: ${r.stdout.trim()}`);
      expect(r.status, r.output.slice(0, 4000)).toBe(0);
      const counts = r.counts;
      // The run exercised every path: detections, NMS over several chunks, letterboxes made and refused.
      for (const key of ['detections', 'chunked', 'letterboxed', 'refused']) expect(counts[key], key).toBeGreaterThan(0);
    }
  }, 240_000);
});
