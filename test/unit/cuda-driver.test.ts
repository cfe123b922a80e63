// Which NVIDIA drivers a binary's CUDA layer runs on, shown without a GPU: a stand-in libcuda.so.1
// (test/native/fake-cuda-driver) reports a chosen driver version, and the CUDA runtime linked into the binary decides
// by itself whether that driver is new enough, as it would on a real machine. Checked for the binary built here and
// for the linux-x64 prebuild (built with CUDA 11.8 so that it runs on the drivers production servers and TensorRT
// 8.6/10.x use, not only R580+).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { tryLoadAddon } from '../../lib/native/binding.js';
import { projectRoot } from '../helpers/fixtures.js';
import { runNode } from '../helpers/run.js';

const built = tryLoadAddon().addon?.buildInfo();
const hasCuda = built?.layers.split('+').includes('cuda') ?? false;
const prebuildDir = join(projectRoot, 'prebuilds', `${process.platform}-${process.arch}`);
const prebuilt = existsSync(prebuildDir) ? readdirSync(prebuildDir).filter((f) => f.endsWith('.node')) : [];
const prebuildsRequired = process.env.TRTJS_REQUIRE_PREBUILDS === '1' && process.arch === 'x64';
const compiler = ['cc', 'gcc'].find((c) => spawnSync(c, ['--version']).status === 0);

if (!hasCuda) console.log('[unit] skipped driver checks of the built binary: it has no CUDA layer');
if (!compiler) console.log('[unit] skipped driver checks: no C compiler to build the stand-in libcuda.so.1');

let driverDir: string | undefined;
/** The stand-in driver library, compiled once into a temporary directory. */
function standInDriver(): string {
  if (driverDir) return driverDir;
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-fake-cuda-'));
  const r = spawnSync(
    compiler!,
    ['-shared', '-fPIC', '-O1', '-o', join(dir, 'libcuda.so.1'), join(projectRoot, 'test/native/fake-cuda-driver/fake_libcuda.c')],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`compiling the stand-in libcuda.so.1 failed: ${r.stderr}`);
  driverDir = dir;
  return dir;
}

interface CudaReport {
  toolkit: string;
  available: boolean;
  reason: string;
  /** What a GPU function (PinnedBuffer.allocate) rejects with. */
  error: { code?: string; message: string };
  driverVersion?: string;
  runtimeVersion?: string;
  requiredDriverVersion?: string;
}

/** capabilities().cuda in a fresh process whose driver reports `version` (e.g. 12020 for CUDA 12.2). */
function cudaWithDriver(version: number, prebuild: boolean): CudaReport {
  const r = runNode(
    [
      '--input-type=module',
      '-e',
      `const t = await import('./dist/index.js'); const c = await t.capabilities();
       const e = await t.PinnedBuffer.allocate(64).then(() => ({ message: 'allocated' }), (e) => ({ code: e.code, message: e.message }));
       console.log(JSON.stringify({ toolkit: c.addon.cudaToolkit, available: c.cuda.available, reason: c.cuda.reason ?? '', error: e,
         driverVersion: c.cuda.driverVersion, runtimeVersion: c.cuda.runtimeVersion, requiredDriverVersion: c.cuda.requiredDriverVersion }));`,
    ],
    {
      LD_LIBRARY_PATH: standInDriver(),
      FAKE_CUDA_DRIVER_VERSION: String(version),
      ...(prebuild ? { PREBUILDS_ONLY: '1' } : {}),
    },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

const encode = (major: number, minor: number) => major * 1000 + minor * 10;

/** The driver checks for one binary: refused one major below its runtime, accepted from its runtime's major on. */
function checkBinary(prebuild: boolean): CudaReport {
  const at = cudaWithDriver(encode(13, 0), prebuild);
  expect(at.runtimeVersion, 'the binary has a CUDA layer').toBeTruthy();
  const major = Number(at.runtimeVersion!.split('.')[0]);
  expect(at.toolkit.split('.')[0], 'the runtime version reported is the toolkit the binary was built with').toBe(String(major));
  expect(at.requiredDriverVersion).toBe(`${major}.0`);

  // Accepted: the runtime gets past the driver check and looks for devices, of which the stand-in has none.
  const accepted = cudaWithDriver(encode(major, 0), prebuild);
  expect(accepted.available).toBe(false);
  expect(accepted.driverVersion).toBe(`${major}.0`);
  expect(accepted.reason).toMatch(/no CUDA-capable device/);

  // Refused, with both versions named and the fix.
  const old = cudaWithDriver(encode(major - 1, 2), prebuild);
  expect(old.available).toBe(false);
  expect(old.driverVersion).toBe(`${major - 1}.2`);
  expect(old.reason).toContain(`the NVIDIA driver supports CUDA ${major - 1}.2`);
  expect(old.reason).toContain(`needs a driver for CUDA ${major}.0 or newer`);
  expect(old.reason).toContain('TRTJS_BUILD_FROM_SOURCE=1 npm rebuild trtjs');
  expect(old.error.code).toBe('ERR_CUDA_UNAVAILABLE');
  expect(old.error.message).toContain(old.reason);
  return at;
}

describe('the NVIDIA drivers a binary runs on (stand-in libcuda.so.1)', () => {
  it.skipIf(!hasCuda || !compiler)('the built binary: refused below its CUDA runtime major, accepted from it on', () => {
    const report = checkBinary(false);
    expect(report.toolkit).toBe(built!.cudaToolkit);
  });

  it.skipIf((prebuilt.length === 0 && !prebuildsRequired) || !compiler)(
    'the linux-x64 prebuild runs on R450+ drivers: CUDA 11.x runtime, accepts an R535 (CUDA 12.2) and a CUDA 11.4 driver',
    () => {
      expect(prebuilt.length, `no prebuild in ${prebuildDir}`).toBeGreaterThan(0);
      const report = checkBinary(true);
      expect(report.requiredDriverVersion).toBe('11.0');
      for (const [major, minor] of [
        [12, 2],
        [11, 4],
      ]) {
        const r = cudaWithDriver(encode(major, minor), true);
        expect(r.reason, `driver ${major}.${minor}`).toMatch(/no CUDA-capable device/);
      }
      expect(cudaWithDriver(encode(10, 2), true).reason).toContain('(R450+)');
    },
  );
});
