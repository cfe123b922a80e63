import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { addon } from '../../lib/native/binding.js';
import { projectRoot } from '../helpers/fixtures.js';

/** npm's own node-gyp (what a node-gyp-only toolchain uses when CMake is missing), next to this node. */
function findNodeGyp(): string | undefined {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  return candidates.find((c): c is string => !!c && existsSync(c));
}

const nodeGyp = findNodeGyp();
if (!nodeGyp) console.log("[unit] skipped binding.gyp build: npm's node-gyp not found");

describe.skipIf(!nodeGyp)('binding.gyp (CPU core for node-gyp-only toolchains)', () => {
  it('builds a CPU-only addon whose ops give the same bytes as the full build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-gyp-'));
    const files = execFileSync('git', ['ls-files'], { cwd: projectRoot, encoding: 'utf8' }).split('\n').filter(Boolean);
    execFileSync('tar', ['-cf', join(dir, 'src.tar'), ...files], { cwd: projectRoot });
    execFileSync('tar', ['-xf', 'src.tar'], { cwd: dir });
    symlinkSync(join(projectRoot, 'node_modules'), join(dir, 'node_modules'));
    const r = spawnSync(process.execPath, [nodeGyp!, 'rebuild', `--nodedir=${dirname(dirname(process.execPath))}`], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const cpu = createRequire(import.meta.url)(join(dir, 'build', 'Release', 'trtjs.node'));
    expect(cpu.buildInfo().layers).toBe('cpu');
    expect(cpu.cudaInfo).toBeUndefined();
    const src = new Uint8Array(37 * 23 * 3).map((_, i) => (i * 31) & 255);
    const params = {
      width: 37,
      height: 23,
      channels: 3,
      stride: 111,
      order: 1,
      resizedWidth: 64,
      resizedHeight: 40,
      outWidth: 64,
      outHeight: 64,
      padLeft: 0,
      padTop: 12,
      padValue: 114,
      dtype: 2,
      layout: 0,
    };
    const a = new Uint8Array(64 * 64 * 3);
    const b = new Uint8Array(64 * 64 * 3);
    cpu.letterbox(src, params, a);
    addon().letterbox(src, params, b);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
  }, 600_000);
});
