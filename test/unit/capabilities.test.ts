import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { PinnedBuffer, capabilities, deviceMemory, TrtjsError } from '../../lib/index.js';
import { runNode } from '../helpers/run.js';
import { nvidiaDeviceNodePresent } from '../helpers/tiers.js';

const caps = await capabilities();
const hasDeviceNode = nvidiaDeviceNodePresent();

describe('capabilities()', () => {
  it('reports the package, Node-API and the loaded addon', () => {
    expect(caps.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(caps.napiVersion).toBeGreaterThanOrEqual(8);
    expect(caps.addon.loaded).toBe(true);
    expect(caps.addon.path).toMatch(/trtjs.*\.node$/);
    expect(caps.addon.version).toBe(caps.version);
    expect(caps.addon.layers.cpu).toBe(true);
  });

  it('describes the CUDA layer consistently with the build', () => {
    if (caps.addon.layers.cuda) {
      expect(caps.addon.cudaToolkit).toMatch(/^\d+\.\d+/);
      expect(caps.addon.cudaArchs).toEqual(expect.arrayContaining([expect.stringMatching(/^87/), expect.stringMatching(/^90/)]));
      expect(caps.cuda.runtimeVersion).toMatch(/^\d+\.\d+$/);
      // CUDA's minor-version compatibility: any driver of the runtime's major.
      expect(caps.cuda.requiredDriverVersion).toBe(`${caps.cuda.runtimeVersion!.split('.')[0]}.0`);
    } else {
      expect(caps.cuda.reason).toMatch(/built without the CUDA layer/);
    }
  });

  it.skipIf(hasDeviceNode)('reports no CUDA device on a machine without one, with the reason', () => {
    expect(caps.cuda.available).toBe(false);
    expect(caps.cuda.devices).toEqual([]);
    expect(caps.cuda.reason).toMatch(/driver|device|CUDA/);
  });

  it('reports TensorRT as unavailable here with the exact reason', () => {
    if (caps.tensorrt.available) return expect(caps.tensorrt.version).toMatch(/^\d+\.\d+/);
    expect(caps.tensorrt.reason).toBeTruthy();
    if (caps.addon.layers.tensorrt) {
      // The layer is compiled: the reason names what the loader tried, or why CUDA blocks it.
      expect(caps.tensorrt.reason).toMatch(/libnvinfer\.so\.\d+|no CUDA device/);
    } else {
      expect(caps.tensorrt.reason).toMatch(/built without a TensorRT layer .*: to add one, (run `.*npm rebuild trtjs`|install TensorRT)/);
    }
  });

  it('reports ONNX Runtime (a dev dependency here) with its version', () => {
    expect(caps.onnxruntime.available).toBe(true);
    expect(caps.onnxruntime.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('validates its options', async () => {
    await expect(capabilities({ selfTest: 'yes' as unknown as boolean })).rejects.toThrow(
      'capabilities: options.selfTest must be true or false, received "yes"',
    );
  });
});

describe.skipIf(hasDeviceNode)('GPU functions without a GPU', () => {
  it('reject with ERR_CUDA_UNAVAILABLE and the reason from capabilities()', async () => {
    const err = (await PinnedBuffer.allocate(1024).catch((e: unknown) => e)) as TrtjsError;
    expect(err).toBeInstanceOf(TrtjsError);
    expect(err.code).toBe('ERR_CUDA_UNAVAILABLE');
    expect(err.message).toContain(caps.cuda.reason!);
    await expect(deviceMemory()).rejects.toMatchObject({ code: 'ERR_CUDA_UNAVAILABLE', message: expect.stringContaining(caps.cuda.reason!) });
  });

  it('still validate their arguments first', async () => {
    await expect(PinnedBuffer.allocate(-1)).rejects.toThrow('PinnedBuffer.allocate: bytes must be an integer in [0, 9007199254740991], received -1');
    await expect(deviceMemory(-1)).rejects.toThrow('deviceMemory: device must be an integer in [0, 1024], received -1');
    await expect(PinnedBuffer.allocate(16, { device: 1.5 })).rejects.toThrow(
      'PinnedBuffer.allocate: options.device must be an integer in [0, 1024], received 1.5',
    );
  });
});

/**
 * A stand-in NVIDIA driver (libcuda.so.1) that reports `version` (cuDriverGetVersion) and hands the CUDA runtime the
 * few entry points it asks for first, as the real one does through cuGetProcAddress; it has no device.
 */
function standInDriver(version: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-driver-'));
  writeFileSync(
    join(dir, 'cuda.c'),
    `#include <string.h>
typedef int CUresult;
CUresult cuDriverGetVersion(int* v) { *v = ${version}; return 0; }
CUresult cuInit(unsigned f) { (void)f; return 0; }
CUresult cuGetProcAddress_v2(const char* s, void** p, int v, unsigned long long f, int* found) {
  (void)f;
  void* fn = !strcmp(s, "cuInit") ? (void*)cuInit : !strcmp(s, "cuDriverGetVersion") ? (void*)cuDriverGetVersion
           : !strcmp(s, "cuGetProcAddress") && v >= 12000 ? (void*)cuGetProcAddress_v2 : 0;
  *p = fn;
  if (found) *found = fn ? 1 : 0;
  return fn ? 0 : 500; /* CUDA_ERROR_NOT_FOUND */
}
CUresult cuGetProcAddress(const char* s, void** p, int v, unsigned long long f) { return cuGetProcAddress_v2(s, p, v, f, 0); }
`,
  );
  const r = spawnSync('cc', ['-shared', '-fPIC', '-Wl,-soname,libcuda.so.1', '-o', join(dir, 'libcuda.so.1'), join(dir, 'cuda.c')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return dir;
}

const cc = spawnSync('cc', ['--version']).status === 0;
describe.skipIf(!caps.addon.layers.cuda || !cc)('a driver older than the CUDA layer needs', () => {
  it('is reported with both versions (R535-era driver: CUDA 12.2), and GPU functions reject with ERR_CUDA_UNAVAILABLE naming them', () => {
    const dir = standInDriver(12020);
    const r = runNode(
      [
        '--input-type=module',
        '-e',
        `const t = await import('./dist/index.js');
         const c = await t.capabilities();
         const e = await t.PinnedBuffer.allocate(64).catch((e) => e);
         console.log(JSON.stringify({ cuda: c.cuda, code: e.code, message: e.message }));`,
      ],
      { LD_LIBRARY_PATH: dir },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const required = caps.cuda.requiredDriverVersion!;
    expect(out.cuda.available).toBe(false);
    expect(out.cuda.driverVersion).toBe('12.2');
    expect(out.cuda.requiredDriverVersion).toBe(required);
    if (Number(required.split('.')[0]) > 12) {
      expect(out.cuda.reason).toContain(
        `the NVIDIA driver supports CUDA 12.2, but this trtjs binary's CUDA layer (CUDA runtime ${caps.cuda.runtimeVersion}) needs a driver for CUDA ${required} or newer`,
      );
      expect(out.cuda.reason).toContain('TRTJS_BUILD_FROM_SOURCE=1 npm rebuild trtjs');
      expect(out.code).toBe('ERR_CUDA_UNAVAILABLE');
      expect(out.message).toContain(out.cuda.reason);
    }
  });
});
