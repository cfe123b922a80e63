import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';

import { tryLoadAddon } from '../../lib/native/binding.js';
import { projectRoot } from '../helpers/fixtures.js';
import { runNode } from '../helpers/run.js';

const prebuildDir = join(projectRoot, 'prebuilds', `${process.platform}-${process.arch}`);
const prebuilt = existsSync(prebuildDir) ? readdirSync(prebuildDir).filter((f) => f.endsWith('.node')) : [];
const prebuildsRequired = process.env.TRTJS_REQUIRE_PREBUILDS === '1';
if (prebuilt.length === 0 && !prebuildsRequired) console.log('[unit] skipped prebuild loading: no prebuilds/ for this platform (npm run prebuilds)');

describe('loading the addon', () => {
  it('is lazy: importing trtjs loads no native code until it is needed', () => {
    const r = runNode([
      '--input-type=module',
      '-e',
      `await import('./dist/index.js'); ` +
        `const dl = (await import('node:fs')).readFileSync('/proc/self/maps', 'utf8').includes('trtjs'); console.log(JSON.stringify({ dl }));`,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ dl: false });
  });

  it('works from require() (CommonJS) on Node >= 20.19, no top-level await', () => {
    const r = runNode(['-e', `const t = require('./dist/index.js'); t.capabilities().then((c) => console.log(c.addon.loaded, typeof t.TrtjsError))`]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('true function');
  });

  it('loads and works inside worker_threads, several at once', async () => {
    const code = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(join(projectRoot, 'dist', 'index.js'))}).then(async (t) => {
        const caps = await t.capabilities();
        parentPort.postMessage({ loaded: caps.addon.loaded, layers: caps.addon.layers, cuda: caps.cuda.available });
      }).catch((e) => parentPort.postMessage({ error: String(e) }));`;
    const runWorker = () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const w = new Worker(code, { eval: true });
        w.once('message', (m) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
      });
    const results = await Promise.all([runWorker(), runWorker(), runWorker()]);
    const main = tryLoadAddon().addon!.buildInfo().layers;
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.loaded).toBe(true);
      expect(
        Object.entries(r.layers as object)
          .filter(([, v]) => v)
          .map(([k]) => k)
          .join('+'),
      ).toBe(main);
    }
  });

  it.skipIf(prebuilt.length === 0 && !prebuildsRequired)('loads from prebuilds/ with PREBUILDS_ONLY=1', () => {
    expect(prebuilt.length, `no prebuild in ${prebuildDir}`).toBeGreaterThan(0);
    const r = runNode(
      [
        '-e',
        `const p = require('node-gyp-build').path('.'); const a = require('node-gyp-build')('.'); console.log(JSON.stringify({ p, layers: a.buildInfo().layers, trt: a.buildInfo().tensorrtLayers ?? '' }))`,
      ],
      {
        PREBUILDS_ONLY: '1',
      },
    );
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.p.startsWith(prebuildDir)).toBe(true);
    expect(out.layers).toMatch(/^cpu/);
    // CI builds its prebuild with the TensorRT headers of ../shared/tensorrt: it must carry a layer for each major.
    const required = process.env.TRTJS_REQUIRE_TRT_LAYERS;
    if (required)
      expect(
        (out.trt as string)
          .split(',')
          .map((h) => h.split('.')[0])
          .join(','),
        out.trt,
      ).toBe(required);
  });

  it('links no CUDA or TensorRT library (readelf -d)', () => {
    const check = runNode(['-e', `process.exit(require('child_process').spawnSync('bash', ['scripts/check-linkage.sh'], { stdio: 'inherit' }).status)`]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('exports every enum table in `constants`, frozen and with distinct values, whatever layers were compiled', () => {
    const { constants } = tryLoadAddon().addon!;
    const tables: Record<string, string[]> = {
      pixelOrder: ['gray', 'rgb', 'bgr', 'rgba', 'bgra'],
      outDtype: ['float32', 'float16', 'uint8'],
      outLayout: ['nchw', 'nhwc'],
      headFormat: ['yolov5', 'yolov8', 'end2end'],
      maskMode: ['upsample', 'native', 'proto'],
      contextMemory: ['static', 'profile'],
      graphMode: ['off', 'auto', 'required'],
      graphResult: ['plain', 'captured', 'replayed'],
    };
    expect(Object.keys(constants).sort()).toEqual(Object.keys(tables).sort());
    expect(Object.isFrozen(constants)).toBe(true);
    for (const [name, keys] of Object.entries(tables)) {
      const table = constants[name as keyof typeof constants] as Record<string, number>;
      expect(Object.keys(table), name).toEqual(keys);
      expect(Object.isFrozen(table), name).toBe(true);
      expect(new Set(Object.values(table)).size, name).toBe(keys.length);
      for (const v of Object.values(table)) expect(Number.isInteger(v), `${name}: ${v}`).toBe(true);
    }
  });
});

/** A copy of the package (dist/, package.json, scripts/) whose only binary is `node` in prebuilds/<platform>-<arch>/. */
function packageWithPrebuild(node: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-bad-prebuild-'));
  cpSync(join(projectRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(projectRoot, 'scripts'), join(dir, 'scripts'), { recursive: true });
  cpSync(join(projectRoot, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
  mkdirSync(join(dir, 'prebuilds', `${process.platform}-${process.arch}`), { recursive: true });
  writeFileSync(join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'trtjs.glibc.node'), node);
  return dir;
}

describe('a prebuild that cannot load', () => {
  const foreignArch = process.arch === 'x64' ? 'arm64' : 'x64';
  const foreign = join(projectRoot, 'prebuilds', `linux-${foreignArch}`, 'trtjs.glibc.node');
  const cases = [
    {
      what: 'corrupt (truncated ELF)',
      says: 'is truncated or corrupt',
      bytes: () => readFileSync(prebuilt.length ? join(prebuildDir, prebuilt[0]) : join(projectRoot, 'build/Release/trtjs.node')).subarray(0, 4096),
    },
    {
      what: `of another architecture (${foreignArch})`,
      says: `is built for ${foreignArch === 'arm64' ? 'aarch64' : 'x86-64'}, not for this`,
      bytes: () => readFileSync(foreign),
      skip: !existsSync(foreign),
    },
  ];
  for (const c of cases) {
    it.skipIf(!!c.skip)(`${c.what}: import works, capabilities() says why, and ops reject with ERR_ADDON_UNAVAILABLE naming the fix`, () => {
      const dir = packageWithPrebuild(c.bytes());
      const r = runNode([
        '--input-type=module',
        '-e',
        `const t = await import(${JSON.stringify(join(dir, 'dist', 'index.js'))});
         const c = await t.capabilities();
         let e; try { t.nms(new Float32Array(4), new Float32Array(1)); } catch (err) { e = err; }
         console.log(JSON.stringify({ loaded: c.addon.loaded, reason: c.addon.reason, code: e?.code, isTrtjs: e instanceof t.TrtjsError, message: e?.message }));`,
      ]);
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.loaded).toBe(false);
      // dlopen would crash on the truncated file (SIGBUS) and call the foreign one "No such file": never reached.
      expect(out.reason).toContain(`could not be loaded (${join(dir, 'prebuilds', `${process.platform}-${process.arch}`, 'trtjs.glibc.node')} ${c.says}`);
      expect(out.reason).toContain('npm rebuild trtjs');
      expect(out).toMatchObject({ code: 'ERR_ADDON_UNAVAILABLE', isTrtjs: true });
      // The install script does not take it either: it builds from source instead.
      const d = spawnSync(process.execPath, [join(dir, 'scripts', 'install.mjs')], {
        encoding: 'utf8',
        env: { ...process.env, TRTJS_INSTALL_DRY_RUN: '1', TENSORRT_ROOT: '' },
      });
      expect(d.status, d.stderr).toBe(0);
      const decision = JSON.parse(d.stdout);
      expect(decision.prebuild).toBeUndefined();
      expect(decision.prebuildError).toBeTruthy();
      expect(decision.action).not.toBe('prebuild');
    });
  }
});
