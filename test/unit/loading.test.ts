import { existsSync, readdirSync } from 'node:fs';
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
      expect(Object.entries(r.layers as object).filter(([, v]) => v).map(([k]) => k).join('+')).toBe(main);
    }
  });

  it.skipIf(prebuilt.length === 0 && !prebuildsRequired)('loads from prebuilds/ with PREBUILDS_ONLY=1', () => {
    expect(prebuilt.length, `no prebuild in ${prebuildDir}`).toBeGreaterThan(0);
    const r = runNode(['-e', `const p = require('node-gyp-build').path('.'); const a = require('node-gyp-build')('.'); console.log(JSON.stringify({ p, layers: a.buildInfo().layers }))`], {
      PREBUILDS_ONLY: '1',
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.p.startsWith(prebuildDir)).toBe(true);
    expect(out.layers).toMatch(/^cpu/);
  });

  it('links no CUDA or TensorRT library (readelf -d)', () => {
    const check = runNode(['-e', `process.exit(require('child_process').spawnSync('bash', ['scripts/check-linkage.sh'], { stdio: 'inherit' }).status)`]);
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });
});
