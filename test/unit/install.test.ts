import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// @ts-expect-error: a plain ESM script of the package, typed by its JSDoc only
import { decideInstall } from '../../scripts/install-decision.mjs';
import { projectRoot } from '../helpers/fixtures.js';

type Decision = { action: 'prebuild' | 'cmake' | 'node-gyp'; reason: string; keepPrebuild: boolean };
const decide = decideInstall as (input: unknown) => Decision;

const cmake = { version: '3.25.1', ok: true };
const nvcc = '/usr/local/cuda/bin/nvcc';
const headers = (version: string, include: string, explicit = false) => {
  const [major, minor] = version.split('.').map(Number);
  return { major, minor, version, include, explicit };
};
/** A release prebuild as CI makes it: CPU, CUDA and the TensorRT 11.x and 10.x layers. */
const release = { layers: ['cpu', 'cuda', 'tensorrt'], tensorrtLayers: ['11.1.0', '10.3.0'], cuda: { driverVersion: '', runtimeVersion: '13.0' } };

describe('install decision (scripts/install-decision.mjs)', () => {
  it('uses a prebuild that has every layer this machine could build', () => {
    const d = decide({ fromSource: false, prebuild: release, machine: { cmake, nvcc, tensorrt: [headers('10.13.0', '/usr/include/x86_64-linux-gnu')] } });
    expect(d.action).toBe('prebuild');
    expect(d.reason).toContain('it has every layer this machine can use');
    // Nothing to build at all: the prebuild too.
    expect(decide({ fromSource: false, prebuild: release, machine: { cmake, tensorrt: [] } }).action).toBe('prebuild');
  });

  it('builds from source when TensorRT headers of a major the prebuild lacks are here (JetPack 6.0: TensorRT 8.6)', () => {
    const d = decide({ fromSource: false, prebuild: release, machine: { cmake, nvcc, tensorrt: [headers('8.6.2', '/usr/include/aarch64-linux-gnu')] } });
    expect(d).toEqual({
      action: 'cmake',
      reason: 'building from source to add a TensorRT 8.x layer (TensorRT 8.6.2 headers at /usr/include/aarch64-linux-gnu; the prebuilt binary has 11.x, 10.x)',
      keepPrebuild: true,
    });
  });

  it('builds from source when the headers are older than the prebuilt layer of their major', () => {
    const d = decide({ fromSource: false, prebuild: release, machine: { cmake, nvcc, tensorrt: [headers('10.1.0', '/opt/tensorrt/include')] } });
    expect(d.action).toBe('cmake');
    expect(d.reason).toContain('a TensorRT 10.1.0 layer (the prebuilt 10.x layer needs 10.3+, these headers at /opt/tensorrt/include are 10.1.0)');
  });

  it('always builds against TENSORRT_ROOT (`TENSORRT_ROOT=… npm rebuild trtjs`)', () => {
    const d = decide({ fromSource: false, prebuild: release, machine: { cmake, nvcc, tensorrt: [headers('10.13.0', '/opt/TensorRT-10.13.0/include', true)] } });
    expect(d.action).toBe('cmake');
    expect(d.reason).toContain('TensorRT 10.13.0 at /opt/TensorRT-10.13.0/include (TENSORRT_ROOT)');
  });

  it('builds from source when the prebuild lacks the CUDA layer and nvcc is here', () => {
    const cpuOnly = { layers: ['cpu'], tensorrtLayers: [] };
    expect(decide({ fromSource: false, prebuild: cpuOnly, machine: { cmake, nvcc, tensorrt: [] } })).toMatchObject({ action: 'cmake', keepPrebuild: true });
    // Without nvcc neither the CUDA nor a TensorRT layer can be built: the prebuild, saying what was not built.
    const d = decide({ fromSource: false, prebuild: cpuOnly, machine: { cmake, tensorrt: [headers('8.6.1', '/usr/include/x86_64-linux-gnu')] } });
    expect(d.action).toBe('prebuild');
    expect(d.reason).toContain('the TensorRT layer needs nvcc, which was not found');
  });

  it("builds from source when the prebuild's CUDA runtime needs a newer driver than this one and nvcc is here", () => {
    const old = { ...release, cuda: { driverVersion: '12.2', runtimeVersion: '13.0' } };
    const d = decide({ fromSource: false, prebuild: old, machine: { cmake, nvcc, tensorrt: [] } });
    expect(d.action).toBe('cmake');
    expect(d.reason).toContain('the prebuilt one uses CUDA 13.0, which needs a R580+ driver; this driver supports CUDA 12.2');
    expect(
      decide({ fromSource: false, prebuild: { ...release, cuda: { driverVersion: '13.1', runtimeVersion: '13.0' } }, machine: { cmake, nvcc, tensorrt: [] } })
        .action,
    ).toBe('prebuild');
  });

  it('without a usable CMake: node-gyp CPU core when no prebuild loads, the prebuild otherwise, saying what to install', () => {
    const d = decide({ fromSource: false, prebuild: undefined, machine: { nvcc, tensorrt: [headers('8.5.2', '/usr/include/aarch64-linux-gnu')] } });
    expect(d.action).toBe('node-gyp');
    expect(d.reason).toBe(
      'no prebuilt binary loads on this platform, but CMake was not found: building the CPU core with node-gyp, without the CUDA and TensorRT layers',
    );
    // JetPack 5's CMake 3.16.
    const old = decide({
      fromSource: false,
      prebuild: release,
      machine: { cmake: { version: '3.16.3', ok: false }, nvcc, tensorrt: [headers('8.5.2', '/usr/include/aarch64-linux-gnu')] },
    });
    expect(old.action).toBe('prebuild');
    expect(old.reason).toContain('a source build would add a TensorRT 8.x layer');
    expect(old.reason).toContain('CMake 3.16.3 is too old (trtjs needs 3.18 or newer: `pip3 install cmake`');
  });

  it('builds from source as asked, and with no prebuild at all', () => {
    expect(decide({ fromSource: true, prebuild: release, machine: { cmake, tensorrt: [] } })).toMatchObject({ action: 'cmake', keepPrebuild: true });
    expect(decide({ fromSource: false, prebuild: undefined, machine: { cmake, tensorrt: [] } })).toMatchObject({ action: 'cmake', keepPrebuild: false });
    expect(decide({ fromSource: true, prebuild: undefined, machine: { tensorrt: [] } }).action).toBe('node-gyp');
  });
});

const prebuildDir = join(projectRoot, 'prebuilds', `${process.platform}-${process.arch}`);
const hasPrebuild = existsSync(prebuildDir) && readdirSync(prebuildDir).some((f) => f.endsWith('.node'));
if (!hasPrebuild) console.log('[unit] skipped the install script on the real prebuild: no prebuilds/ for this platform (npm run prebuilds)');

/** Runs scripts/install.mjs with TRTJS_INSTALL_DRY_RUN=1: the decision on this machine, as JSON, nothing built. */
function dryRun(env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [join(projectRoot, 'scripts', 'install.mjs')], {
    cwd: projectRoot,
    encoding: 'utf8',
    env: {
      ...process.env,
      TENSORRT_ROOT: '',
      TENSORRT_ROOTS: '',
      TRTJS_BUILD_FROM_SOURCE: '',
      npm_config_build_from_source: '',
      ...env,
      TRTJS_INSTALL_DRY_RUN: '1',
    },
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Decision & { prebuild?: { layers: string[]; tensorrtLayers: string[] }; machine: { tensorrt: unknown[] } };
}

describe.skipIf(!hasPrebuild)('install script on this machine with the real prebuild', () => {
  it('probes the prebuild in a child process and reads its layers', () => {
    const d = dryRun({});
    expect(d.prebuild?.layers).toContain('cpu');
    expect(Array.isArray(d.prebuild?.tensorrtLayers)).toBe(true);
  });

  it('builds against TENSORRT_ROOT, and keeps the prebuild when CMake is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'trtjs-headers-'));
    mkdirSync(join(root, 'include'));
    writeFileSync(join(root, 'include', 'NvInferVersion.h'), '#define NV_TENSORRT_MAJOR 8\n#define NV_TENSORRT_MINOR 6\n#define NV_TENSORRT_PATCH 1\n');
    writeFileSync(join(root, 'include', 'NvOnnxParser.h'), '');
    // CUDACXX names an existing file: nvcc "is here" whatever this machine has.
    const d = dryRun({ TENSORRT_ROOT: root, CUDACXX: process.execPath });
    expect(d.action).toBe('cmake');
    expect(d.reason).toContain(`TensorRT 8.6.1 at ${join(root, 'include')} (TENSORRT_ROOT)`);
    // No cmake on PATH: the prebuild stays, and the reason says what is missing.
    const n = dryRun({ TENSORRT_ROOT: root, CUDACXX: process.execPath, PATH: '/nonexistent' });
    expect(n.action).toBe('prebuild');
    expect(n.reason).toContain('CMake was not found');
  });
});
