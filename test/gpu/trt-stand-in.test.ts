import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { capabilities } from '../../lib/index.js';
import { packageRoot } from '../../lib/native/binding.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { describeTier, tierStatus, type TierStatus } from '../helpers/tiers.js';

// The public TensorRT API end to end on a real GPU where TensorRT itself is missing: the normal addon (real CUDA:
// device buffers, pinned and mapped staging, streams) with the stand-in libnvinfer of test/native/fake-tensorrt,
// built by scripts/build-stand-in-trt.sh and carried to the GPU machine in build/stand-in-tensorrt. It checks trtjs's
// glue on real hardware; TensorRT's own behaviour is the trt tier's.
const dir = join(packageRoot, 'build/stand-in-tensorrt');
const caps = await capabilities();
const gpu = await tierStatus('gpu');
const status: TierStatus = !gpu.available
  ? gpu
  : !caps.addon.layers.tensorrt
    ? { tier: 'gpu', available: false, reason: 'this addon was built without the TensorRT layer (build with TENSORRT_ROOT)' }
    : !existsSync(dir) || !readdirSync(dir).some((f) => f.startsWith('libnvinfer.so.'))
      ? { tier: 'gpu', available: false, reason: `no stand-in libnvinfer in ${dir} (bash scripts/build-stand-in-trt.sh)` }
      : gpu;

describeTier(status, 'TensorRT API on a real GPU with the stand-in libnvinfer', () => {
  it('capabilities, buildEngine, inspectEngine, TensorRtBackend, Detector (image in on the GPU included), ModelHost, bench and the chaos round run end to end', () => {
    // LD_LIBRARY_PATH empty: the stand-in found through TRTJS_TENSORRT_LIB_DIR alone, builder resource included.
    const { LD_LIBRARY_PATH: _, ...env } = process.env;
    const r = spawnSync(
      process.execPath,
      ['--expose-gc', join(packageRoot, 'test/native/fake-tensorrt/backend_check.mjs'), join(packageRoot, 'dist/index.js')],
      {
        encoding: 'utf8',
        env: { ...env, TRTJS_TENSORRT_LIB_DIR: dir, TRTJS_FIXTURES: fixturesDir },
        timeout: 300_000,
      },
    );
    console.log(`[gpu] stand-in TensorRT on ${caps.cuda.devices[0]?.name}:\n${r.stdout}${r.stderr}`);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('passed: 0 failed');
    // trtjs bench on real CUDA events: latency = H2D + compute + D2H per query, walltime >= sum(compute) / streams.
    expect(r.stdout).toMatch(/^ok {3}bench: event-timed fields per query/m);
    expect(r.stdout).toMatch(/^ok {3}bench: --no-data-transfers, --spin-wait/m);
    expect(r.stdout).toMatch(/^ok {3}bench: concurrency sweep and end-to-end stages on engines/m);
    expect(r.stdout).toMatch(/^ok {3}buildEngine end to end/m);
    expect(r.stdout).toMatch(/^ok {3}chaos: random interleavings/m);
    // Image in, detections out with the real CUDA letterbox and decode + NMS kernels, on the recorded yolov8n output.
    expect(r.stdout).toMatch(/^ok {3}image in, detections out \(recorded yolov8n on bus\.jpg\)/m);
    expect(r.stdout).toMatch(/^ok {3}image in: bad input and CUDA errors mid-pipeline/m);
    // CUDA graphs of the image-in work, captured and replayed by the real CUDA runtime, equal to the plain path.
    expect(r.stdout).toMatch(/^ok {3}CUDA graphs \(image in\)/m);
  }, 320_000);
});
