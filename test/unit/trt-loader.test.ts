import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { capabilities } from '../../lib/index.js';
import { runNode } from '../helpers/run.js';

const caps = await capabilities();
const compiled = caps.addon.layers.tensorrt;
const cc = spawnSync('cc', ['--version']).status === 0;
if (!compiled) console.log('[unit] skipped TensorRT loader tests: this binary has no TensorRT layer (built without TensorRT headers)');

/**
 * Stand-ins for libnvinfer (reporting `version`), libnvonnxparser and libnvinfer_plugin, exporting TensorRT's entry
 * points. As in a real install, the parser and plugin libraries do not define getInferLibVersion: they link against
 * libnvinfer.so.<major>.
 */
const usesInfer = 'int getInferLibVersion(void);\n';

function fakeLibraries(version: number, withParser: boolean, withPlugins = false): string {
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-fake-trt-'));
  const major = Number(caps.addon.tensorrtHeaders!.split('.')[0]);
  const build = (lib: string, code: string, link: string[] = []) => {
    const src = join(dir, `${lib}.c`);
    writeFileSync(src, code);
    const out = `${lib}.so.${major}`;
    const r = spawnSync('cc', ['-shared', '-fPIC', `-Wl,-soname,${out}`, '-o', join(dir, out), src, ...link], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  build('libnvinfer', `int getInferLibVersion(void) { return ${version}; }
void* createInferBuilder_INTERNAL(void* l, int v) { (void)l; (void)v; return 0; }
void* createInferRuntime_INTERNAL(void* l, int v) { (void)l; (void)v; return 0; }\n`);
  const linkInfer = ['-Wl,--no-as-needed', '-L', dir, `-l:libnvinfer.so.${major}`];
  // Each calls into libnvinfer, as the real ones do, so the linker keeps the dependency.
  if (withParser) build('libnvonnxparser', `${usesInfer}void* createNvOnnxParser_INTERNAL(void* n, void* l, int v) { (void)n; (void)l; (void)v; return getInferLibVersion() ? 0 : n; }\n`, linkInfer);
  if (withPlugins) build('libnvinfer_plugin', `${usesInfer}int initLibNvInferPlugins(void* l, const char* ns) { return getInferLibVersion() && l != 0 && ns != 0; }\n`, linkInfer);
  return dir;
}

function tensorrtIn(dir: string) {
  const r = runNode(['-e', `import('./dist/index.js').then(async (t) => console.log(JSON.stringify((await t.capabilities()).tensorrt)))`], { TRTJS_TENSORRT_LIB_DIR: dir });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!compiled || !cc)('TensorRT loader (dlopen, never linked)', () => {
  it('refuses a library of another major, naming both versions, without calling into it', () => {
    const t = tensorrtIn(fakeLibraries(8601, true));
    expect(t.available).toBe(false);
    expect(t.reason).toMatch(new RegExp(`libnvinfer\\.so\\.\\d+ is TensorRT 8\\.6\\.1 but trtjs was compiled against TensorRT ${caps.addon.tensorrtHeaders!.replace(/\./g, '\\.')} headers`));
  });

  it('reports the version and path of the right major, and a missing ONNX parser separately', () => {
    const major = Number(caps.addon.tensorrtHeaders!.split('.')[0]);
    const version = major >= 10 ? major * 10000 + 507 : major * 1000 + 507;
    const dir = fakeLibraries(version, false);
    const t = tensorrtIn(dir);
    // Found, but unusable here without a CUDA device; the reason says both.
    expect(t.version).toBe(`${major}.5.7`);
    expect(t.libraryPath).toBe(join(dir, `libnvinfer.so.${major}`));
    expect(t.onnxParser.available).toBe(false);
    expect(t.onnxParser.reason).toMatch(/libnvonnxparser\.so\.\d+ \(TensorRT's ONNX parser\) could not be opened/);
    expect(t.plugins.available).toBe(false);
    expect(t.plugins.reason).toMatch(/libnvinfer_plugin\.so\.\d+ could not be opened; models that use TensorRT's standard plugins/);
    if (!caps.cuda.available) expect(t.reason).toMatch(new RegExp(`TensorRT ${major}\\.5\\.7 was found but no CUDA device is usable`));
  });

  it('refuses a library older than the headers within their major, and registers the standard plugins when present', () => {
    const [major, minor] = caps.addon.tensorrtHeaders!.split('.').map(Number);
    const encode = (mi: number) => (major >= 10 ? major * 10000 + mi * 100 + 1 : major * 1000 + mi * 100 + 1);
    if (minor > 0) {
      const t = tensorrtIn(fakeLibraries(encode(minor - 1), true));
      expect(t.reason).toMatch(new RegExp(`is TensorRT ${major}\\.${minor - 1}\\.1, older than the TensorRT ${caps.addon.tensorrtHeaders!.replace(/\./g, '\\.')} headers`));
    }
    const dir = fakeLibraries(encode(minor), true, true);
    const t = tensorrtIn(dir);
    expect(t.version).toBe(`${major}.${minor}.1`);
    expect(t.onnxParser).toEqual({ available: true, path: join(dir, `libnvonnxparser.so.${major}`) });
    // The fake initLibNvInferPlugins succeeds only when given a logger and a namespace, as TensorRT's needs.
    expect(t.plugins).toEqual({ available: true, path: join(dir, `libnvinfer_plugin.so.${major}`) });
  });

  it('refuses a plugin library linked against another TensorRT, naming it', () => {
    const [major, minor] = caps.addon.tensorrtHeaders!.split('.').map(Number);
    const dir = fakeLibraries(major >= 10 ? major * 10000 + minor * 100 : major * 1000 + minor * 100, true);
    // libnvinfer_plugin from another major's install: it pulls in its own libnvinfer.so.<other>.
    const other = mkdtempSync(join(tmpdir(), 'trtjs-other-trt-'));
    const otherMajor = major === 8 ? 10 : 8;
    const cc = (args: string[]) => expect(spawnSync('cc', args, { encoding: 'utf8' }).status).toBe(0);
    writeFileSync(join(other, 'v.c'), `int getInferLibVersion(void) { return ${otherMajor === 8 ? 8601 : 100300}; }\n`);
    cc(['-shared', '-fPIC', `-Wl,-soname,libnvinfer.so.${otherMajor}`, '-o', join(other, `libnvinfer.so.${otherMajor}`), join(other, 'v.c')]);
    writeFileSync(join(other, 'p.c'), `${usesInfer}int initLibNvInferPlugins(void* l, const char* ns) { return getInferLibVersion() && l != 0 && ns != 0; }\n`);
    cc(['-shared', '-fPIC', '-o', join(dir, `libnvinfer_plugin.so.${major}`), join(other, 'p.c'), '-Wl,--no-as-needed', '-L', other, `-l:libnvinfer.so.${otherMajor}`, `-Wl,-rpath,${other}`]);
    const t = tensorrtIn(dir);
    expect(t.onnxParser.available).toBe(true);
    expect(t.plugins.available).toBe(false);
    expect(t.plugins.reason).toContain(`libnvinfer_plugin.so.${major} is linked against TensorRT ${otherMajor === 8 ? '8.6.1' : '10.3.0'} (${join(other, `libnvinfer.so.${otherMajor}`)})`);
  });

  it('lists every path it tried when TensorRT is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-empty-'));
    const t = tensorrtIn(dir);
    expect(t.available).toBe(false);
    expect(t.reason).toContain(`${dir}/libnvinfer.so.`);
    expect(t.reason).toContain(`${dir}/libnvinfer.so:`);
  });
});
