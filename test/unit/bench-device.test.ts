import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { JetsonReader } from '../../lib/bench/device/jetson.js';
import { decodeClockEventReasons } from '../../lib/bench/device/nvml.js';
import { isKnown } from '../../lib/bench/device/sampled.js';
import type { JetsonState, SampledRange, Unknown } from '../../lib/bench/types.js';
import { deviceWarnings } from '../../lib/bench/warnings.js';
import { packageRoot } from '../../lib/native/binding.js';

/** Lays out files (and `->` symlinks) under a fresh root. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'trtjs-sysfs-'));
  for (const [path, content] of Object.entries(files)) {
    const full = join(root, path);
    mkdirSync(dirname(full), { recursive: true });
    if (content.startsWith('->')) symlinkSync(content.slice(2), full);
    else writeFileSync(full, content);
  }
  return root;
}

const known = <T>(r: T | Unknown): T => {
  expect(isKnown(r), JSON.stringify(r)).toBe(true);
  return r as T;
};
const reason = (r: unknown): string => {
  expect(isKnown(r as never), JSON.stringify(r)).toBe(false);
  return (r as Unknown).unknown;
};

const zone = (n: number, type: string, milli: number | undefined) => ({
  [`sys/devices/virtual/thermal/thermal_zone${n}/type`]: `${type}\n`,
  ...(milli === undefined ? {} : { [`sys/devices/virtual/thermal/thermal_zone${n}/temp`]: `${milli}\n` }),
});
const rail = (dev: string, hw: string, i: number, label: string, mv?: number, ma?: number) => ({
  [`sys/bus/i2c/drivers/ina3221/${dev}/hwmon/${hw}/in${i}_label`]: `${label}\n`,
  ...(mv === undefined ? {} : { [`sys/bus/i2c/drivers/ina3221/${dev}/hwmon/${hw}/in${i}_input`]: `${mv}\n` }),
  ...(ma === undefined ? {} : { [`sys/bus/i2c/drivers/ina3221/${dev}/hwmon/${hw}/curr${i}_input`]: `${ma}\n` }),
});

// JetPack 5.1 (L4T R35.4.1) on an AGX Orin: the GPU's devfreq node is 17000000.ga10b, its device folder (with
// `load`) reached through the devfreq node's `device` link; DLA sensors offline at -256 °C; two INA3221s.
const jetpack5 = () =>
  tree({
    'etc/nv_tegra_release': '# R35 (release), REVISION: 4.1, GCID: 33958178, BOARD: t186ref, EABI: aarch64, DATE: Tue Aug  1 19:57:35 UTC 2023\n',
    'proc/device-tree/model': 'Jetson AGX Orin Developer Kit\0',
    'var/lib/nvpmodel/status': 'pmode:0000\n',
    'etc/nvpmodel.conf': '< POWER_MODEL ID=0 NAME=MAXN >\nCPU_ONLINE CORE_0 1\n< POWER_MODEL ID=1 NAME=MODE_15W >\n< POWER_MODEL ID=2 NAME=MODE_30W >\n',
    'sys/devices/platform/17000000.ga10b/load': '512\n',
    'sys/devices/platform/17000000.ga10b/of_node/name': 'ga10b',
    'sys/class/devfreq/17000000.ga10b/cur_freq': '1300500000\n',
    'sys/class/devfreq/17000000.ga10b/max_freq': '1300500000\n',
    'sys/class/devfreq/17000000.ga10b/governor': 'nvhost_podgov\n',
    'sys/class/devfreq/17000000.ga10b/device': '->../../../devices/platform/17000000.ga10b',
    'sys/class/devfreq/15480000.nvdec/cur_freq': '115200000\n',
    'sys/class/devfreq/15480000.nvdec/max_freq': '115200000\n',
    ...zone(0, 'cpu-thermal', 45500),
    ...zone(1, 'gpu-thermal', 43000),
    ...zone(2, 'cv0-thermal', -256000),
    ...zone(3, 'cv1-thermal', -256000),
    ...zone(4, 'soc0-thermal', 44250),
    ...zone(10, 'tj-thermal', 46000),
    ...rail('1-0040', 'hwmon3', 1, 'VDD_GPU_SOC', 5000, 2400),
    ...rail('1-0040', 'hwmon3', 2, 'VDD_CPU_CV', 5000, 800),
    ...rail('1-0040', 'hwmon3', 3, 'VIN_SYS_5V0', 5000, 1000),
    ...rail('1-0041', 'hwmon4', 1, 'NC', 0, 0),
    ...rail('1-0041', 'hwmon4', 2, 'VDDQ_VDD2_1V8AO', 5000, 300),
  });

// JetPack 6 (L4T R36.3.0) on an Orin Nano: the devfreq node is 17000000.gpu, its device under bus@0; no nvpmodel
// status file; a zone whose temp file is missing; an INA3221 channel without a current file.
const jetpack6 = () =>
  tree({
    'etc/nv_tegra_release': '# R36 (release), REVISION: 3.0, GCID: 36191598, BOARD: generic, EABI: aarch64, DATE: Mon May  6 17:34:21 UTC 2024\n',
    'proc/device-tree/model': 'NVIDIA Jetson Orin Nano Developer Kit\0',
    'etc/nvpmodel.conf': '< POWER_MODEL ID=0 NAME=15W >\n< POWER_MODEL ID=1 NAME=7W >\n',
    'sys/devices/platform/bus@0/17000000.gpu/load': '0\n',
    'sys/class/devfreq/17000000.gpu/cur_freq': '306000000\n',
    'sys/class/devfreq/17000000.gpu/max_freq': '1020000000\n',
    'sys/class/devfreq/17000000.gpu/governor': 'nvhost_podgov\n',
    'sys/class/devfreq/17000000.gpu/device': '->../../../devices/platform/bus@0/17000000.gpu',
    ...zone(0, 'cpu-thermal', 40125),
    ...zone(1, 'gpu-thermal', 39000),
    ...zone(2, 'cv0-thermal', -256000),
    ...zone(3, 'soc2-thermal', undefined),
    ...rail('1-0040', 'hwmon1', 1, 'VDD_IN', 5080, 1200),
    ...rail('1-0040', 'hwmon1', 2, 'VDD_CPU_GPU_CV', 5080, 400),
    ...rail('1-0040', 'hwmon1', 3, 'VDD_SOC', 5080, 500),
    ...rail('1-0040', 'hwmon1', 7, 'sum of shunt voltages', 40, undefined),
  });

async function read(root: string, between?: () => void): Promise<JetsonState> {
  const r = await JetsonReader.open(root);
  expect(r).toBeInstanceOf(JetsonReader);
  const reader = r as JetsonReader;
  await reader.sample();
  between?.();
  await reader.sample();
  return reader.state(500);
}

describe('Jetson state from sysfs', () => {
  it('JetPack 5 (AGX Orin): clock, load, temperatures by type with offline zones, rails, power mode', async () => {
    const root = jetpack5();
    const s = await read(root, () => writeFileSync(join(root, 'sys/class/devfreq/17000000.ga10b/cur_freq'), '624750000\n'));
    expect(s.model).toBe('Jetson AGX Orin Developer Kit');
    expect(s.l4t).toBe('R35.4.1');
    expect(s.powerMode).toBe('0 (MAXN)');
    const gpu = known(s.gpu);
    expect(gpu.devfreq).toBe('17000000.ga10b');
    expect(gpu.governor).toBe('nvhost_podgov');
    expect(gpu.maxFreqMHz).toBe(1300.5);
    expect(gpu.curFreqMHz).toEqual({ unit: 'MHz', samples: 2, min: 624.75, max: 1300.5, mean: (624.75 + 1300.5) / 2 } satisfies SampledRange);
    expect(gpu.loadPercent).toMatchObject({ unit: '%', min: 51.2, max: 51.2 });
    expect(s.thermal.map((z) => [z.zone, z.type])).toEqual([
      ['thermal_zone0', 'cpu-thermal'],
      ['thermal_zone1', 'gpu-thermal'],
      ['thermal_zone2', 'cv0-thermal'],
      ['thermal_zone3', 'cv1-thermal'],
      ['thermal_zone4', 'soc0-thermal'],
      ['thermal_zone10', 'tj-thermal'],
    ]);
    expect(known(s.thermal[0].celsius)).toMatchObject({ min: 45.5, max: 45.5, samples: 2 });
    expect(known(s.thermal[4].celsius).mean).toBe(44.25);
    expect(reason(s.thermal[2].celsius)).toMatch(/offline \(the sensor reads -256 °C\)/);
    expect(s.rails.map((r) => r.label)).toEqual(['VDD_GPU_SOC', 'VDD_CPU_CV', 'VIN_SYS_5V0', 'VDDQ_VDD2_1V8AO']); // NC skipped
    expect(s.rails[0].channel).toBe('1-0040/hwmon3/in1');
    expect(known(s.rails[0].powerW)).toMatchObject({ unit: 'W', min: 12, max: 12 }); // 5.000 V × 2.400 A
    expect(known(s.rails[0].voltageV).mean).toBe(5);
    expect(known(s.rails[3].currentA).mean).toBe(0.3);
    // At its maximum clock throughout the second sample, but not the first: warned, with the power mode.
    const w = deviceWarnings(s, { unknown: 'n/a' });
    expect(w.map((x) => x.code)).toEqual(['gpu-clock-below-max']);
    expect(w[0].message).toMatch(/625-1301 MHz, below its maximum of 1301 MHz.*power mode: 0 \(MAXN\)/);
    expect(w[0].advice).toMatch(/sudo jetson_clocks/);
  });

  it('JetPack 5 at its maximum clock: no warning', async () => {
    const s = await read(jetpack5());
    expect(known(known(s.gpu).curFreqMHz).min).toBe(1300.5);
    expect(deviceWarnings(s, { unknown: 'n/a' })).toEqual([]);
  });

  it('JetPack 6 (Orin Nano): *.gpu devfreq node, missing files reported with their reason, never guessed', async () => {
    const root = jetpack6();
    const s = await read(root);
    expect(s.l4t).toBe('R36.3.0');
    expect(s.model).toBe('NVIDIA Jetson Orin Nano Developer Kit');
    expect(reason(s.powerMode)).toMatch(/cannot read .*var\/lib\/nvpmodel\/status: ENOENT/);
    const gpu = known(s.gpu);
    expect(gpu.devfreq).toBe('17000000.gpu');
    expect(known(gpu.curFreqMHz)).toMatchObject({ min: 306, max: 306 });
    expect(gpu.maxFreqMHz).toBe(1020);
    expect(known(gpu.loadPercent).max).toBe(0);
    expect(reason(s.thermal[2].celsius)).toMatch(/offline/);
    expect(s.thermal[3].type).toBe('soc2-thermal');
    expect(reason(s.thermal[3].celsius)).toMatch(/cannot read .*thermal_zone3\/temp: ENOENT/);
    const shunt = s.rails.find((r) => r.label === 'sum of shunt voltages')!;
    expect(known(shunt.voltageV).mean).toBeCloseTo(0.04, 12);
    expect(reason(shunt.currentA)).toMatch(/curr7_input: ENOENT/);
    expect(reason(shunt.powerW)).toMatch(/needs both/);
    expect(known(s.rails.find((r) => r.label === 'VDD_IN')!.powerW).mean).toBeCloseTo(6.096, 12); // 5.08 V × 1.2 A
    const w = deviceWarnings(s, { unknown: 'n/a' });
    expect(w[0].message).toMatch(/306-306 MHz, below its maximum of 1020 MHz.*power mode: unknown/);
  });

  it('files that vanish between samples keep their earlier samples and say why the later ones failed', async () => {
    const root = jetpack6();
    const s = await read(root, () => rmSync(join(root, 'sys/class/devfreq/17000000.gpu/cur_freq')));
    expect(known(known(s.gpu).curFreqMHz).samples).toBe(1);
  });

  it('not a Jetson, and a Jetson without a GPU devfreq node', async () => {
    const empty = tree({ 'etc/hostname': 'server\n' });
    const r = await JetsonReader.open(empty);
    expect(reason(r)).toMatch(/not a Jetson: no .*etc\/nv_tegra_release and no GPU in .*sys\/class\/devfreq/);
    const noGpu = tree({ 'etc/nv_tegra_release': 'garbage\n', 'sys/class/devfreq/15480000.nvdec/cur_freq': '1\n' });
    const s = await read(noGpu);
    expect(reason(s.gpu)).toMatch(/no GPU among the devfreq devices .*\(15480000\.nvdec\)/);
    expect(reason(s.l4t)).toMatch(/unrecognised \/etc\/nv_tegra_release/);
    expect(reason(s.model)).toMatch(/device-tree\/model: ENOENT/);
    expect(s.thermal).toEqual([]);
    expect(s.rails).toEqual([]);
  });

  it('this machine', async () => {
    const r = await JetsonReader.open('/');
    if (!existsSync('/etc/nv_tegra_release')) expect(reason(r)).toMatch(/not a Jetson/);
  });
});

describe('NVML', () => {
  it('clock event reasons are named bit by bit', () => {
    expect(decodeClockEventReasons(0)).toEqual([]);
    expect(decodeClockEventReasons(0x4 | 0x8)).toEqual(['sw-power-cap', 'hw-slowdown']);
    expect(decodeClockEventReasons(0x1 | 0x40 | 0x1000)).toEqual(['gpu-idle', 'hw-thermal-slowdown', 'other (0x1000)']);
  });

  // The addon's NVML reader against a stand-in libnvidia-ml.so.1 (test/native/fake-nvml), found through
  // LD_LIBRARY_PATH as the real one would be, in a child process running bench() end to end; and without it.
  const lib = mkdtempSync(join(tmpdir(), 'trtjs-nvml-'));
  const build = spawnSync(
    'g++',
    ['-std=c++17', '-shared', '-fPIC', '-fvisibility=hidden', 'test/native/fake-nvml/fake_nvml.cpp', '-o', join(lib, 'libnvidia-ml.so.1')],
    { cwd: packageRoot, encoding: 'utf8' },
  );
  const hasNvmlBinding =
    spawnSync(process.execPath, ['-e', `process.stdout.write(String(typeof require('node-gyp-build')(${JSON.stringify(packageRoot)}).nvmlRead))`], {
      cwd: packageRoot,
      encoding: 'utf8',
    }).stdout === 'function';
  if (!hasNvmlBinding) console.log('[unit] NVML reader not tested: this addon was built without the CUDA layer (NVML is read only there)');
  const script = `
    const { bench } = await import(${JSON.stringify(join(packageRoot, 'dist/index.js'))});
    const backend = { kind: 'onnxruntime', info: { format: 'onnx', inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }], outputs: [], metadata: {} },
      run: async () => ({}), dispose: async () => {}, [Symbol.asyncDispose]: async () => {} };
    const r = await bench(backend, { durationMs: 150, warmupMs: 20, sampleIntervalMs: 50 });
    process.stdout.write(JSON.stringify({ nvml: r.device.nvml, warnings: r.warnings }));`;
  const run = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: packageRoot, encoding: 'utf8', env: { ...process.env, ...env } });

  it.skipIf(!hasNvmlBinding)('reads clocks, temperature, power, utilisation and clock event reasons; unsupported readings say so', () => {
    expect(build.status, build.stderr).toBe(0);
    const r = run({ LD_LIBRARY_PATH: lib });
    expect(r.status, r.stderr).toBe(0);
    const { nvml, warnings } = JSON.parse(r.stdout);
    expect(nvml).toMatchObject({
      library: 'libnvidia-ml.so.1',
      driverVersion: '580.65.06',
      name: 'trtjs stand-in NVML GPU',
      maxSmClockMHz: 1980,
      powerLimitW: 700,
    });
    expect(nvml.smClockMHz).toMatchObject({ unit: 'MHz', min: 1410, max: 1410 });
    expect(nvml.smClockMHz.samples).toBeGreaterThanOrEqual(3); // at the start, during and at the end
    expect(nvml.temperatureC).toMatchObject({ min: 64, max: 64 });
    expect(nvml.powerW).toMatchObject({ min: 215.5, max: 215.5 });
    expect(nvml.gpuUtilizationPercent).toMatchObject({ min: 87 });
    expect(nvml.memoryClockMHz).toEqual({ unknown: 'nvmlDeviceGetClockInfo(MEM): Not Supported' });
    expect(nvml.maxMemoryClockMHz).toEqual({ unknown: 'nvmlDeviceGetMaxClockInfo(MEM): Not Supported' });
    expect(nvml.clockEventReasons).toEqual(['sw-power-cap', 'hw-slowdown']);
    expect(warnings.find((w: { code: string }) => w.code === 'clocks-held-down')?.message).toMatch(/sw-power-cap, hw-slowdown/);
  });

  it.skipIf(!hasNvmlBinding || existsSync('/dev/nvidiactl'))("without libnvidia-ml.so.1: unknown, with the loader's reason", () => {
    const r = run({ LD_LIBRARY_PATH: '' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).nvml.unknown).toMatch(/libnvidia-ml\.so\.1: cannot open shared object file/);
  });
});
