import { defineConfig } from 'vitest/config';

// Three tiers (see README): unit runs everywhere; gpu and trt skip with a printed reason where the hardware or
// TensorRT is missing, and TRTJS_REQUIRE=gpu,trt turns those skips into failures.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'gpu', include: ['test/gpu/**/*.test.ts'] } },
      { extends: true, test: { name: 'trt', include: ['test/trt/**/*.test.ts'] } },
    ],
  },
});
