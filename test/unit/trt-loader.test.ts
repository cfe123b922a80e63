import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { capabilities } from '../../lib/index.js';
import { runNode } from '../helpers/run.js';

const caps = await capabilities();
const compiled = caps.addon.layers.tensorrt;
const cc = spawnSync('cc', ['--version']).status === 0;
if (!compiled) console.log('[unit] skipped TensorRT loader tests: this binary has no TensorRT layer (built without TensorRT headers)');

/** The compiled layers as { major, minor, headers }, newest major first. */
const layers = caps.addon.tensorrtLayers.map((headers) => {
  const [major, minor] = headers.split('.').map(Number);
  return { major, minor, headers };
});
/** getInferLibVersion() of a TensorRT version: MAJOR*1000+MINOR*100+PATCH up to 8.x, MAJOR*10000+MINOR*100+PATCH from 10. */
const encode = (major: number, minor: number, patch: number) => (major >= 10 ? major * 10000 + minor * 100 + patch : major * 1000 + minor * 100 + patch);
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** "11.x (headers 11.1.0) and 10.x (headers 10.3.0)", as the loader lists the compiled layers. */
const layerList = layers.map((l, i) => `${i === 0 ? '' : i === layers.length - 1 ? ' and ' : ', '}${l.major}.x (headers ${l.headers})`).join('');

/**
 * Stand-ins for libnvinfer.so.<major> (reporting `version`), libnvonnxparser and libnvinfer_plugin, exporting
 * TensorRT's entry points. As in a real install, the parser and plugin libraries do not define getInferLibVersion:
 * they link against libnvinfer.so.<major>.
 */
const usesInfer = 'int getInferLibVersion(void);\n';

function fakeLibraries(major: number, version: number, withParser: boolean, withPlugins = false, dir = mkdtempSync(join(tmpdir(), 'trtjs-fake-trt-'))): string {
  const build = (lib: string, code: string, link: string[] = []) => {
    const src = join(dir, `${lib}.c`);
    writeFileSync(src, code);
    const out = `${lib}.so.${major}`;
    const r = spawnSync('cc', ['-shared', '-fPIC', `-Wl,-soname,${out}`, '-o', join(dir, out), src, ...link], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(r.stderr);
  };
  build(
    'libnvinfer',
    `int getInferLibVersion(void) { return ${version}; }
void* createInferBuilder_INTERNAL(void* l, int v) { (void)l; (void)v; return 0; }
void* createInferRuntime_INTERNAL(void* l, int v) { (void)l; (void)v; return 0; }\n`,
  );
  const linkInfer = ['-Wl,--no-as-needed', '-L', dir, `-l:libnvinfer.so.${major}`];
  // Each calls into libnvinfer, as the real ones do, so the linker keeps the dependency.
  if (withParser)
    build(
      'libnvonnxparser',
      `${usesInfer}void* createNvOnnxParser_INTERNAL(void* n, void* l, int v) { (void)n; (void)l; (void)v; return getInferLibVersion() ? 0 : n; }\n`,
      linkInfer,
    );
  if (withPlugins)
    build(
      'libnvinfer_plugin',
      `${usesInfer}int initLibNvInferPlugins(void* l, const char* ns) { return getInferLibVersion() && l != 0 && ns != 0; }\n`,
      linkInfer,
    );
  return dir;
}

function tensorrtIn(dir: string, env: NodeJS.ProcessEnv = {}) {
  const r = runNode(['-e', `import('./dist/index.js').then(async (t) => console.log(JSON.stringify((await t.capabilities()).tensorrt)))`], {
    TRTJS_TENSORRT_LIB_DIR: dir,
    TRTJS_TENSORRT_MAJOR: '',
    ...env,
  });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe.skipIf(!compiled || !cc)('TensorRT loader (dlopen, never linked)', () => {
  it('lists one layer per major, newest first', () => {
    expect(layers.length).toBeGreaterThan(0);
    expect(new Set(layers.map((l) => l.major)).size).toBe(layers.length);
    expect([...layers].sort((a, b) => b.major - a.major)).toEqual(layers);
  });

  it('serves each libnvinfer with the layer of its major, one process each', () => {
    for (const l of layers) {
      // A newer minor than the headers: accepted by the layer of that major.
      const dir = fakeLibraries(l.major, encode(l.major, l.minor + 2, 7), true);
      const t = tensorrtIn(dir);
      expect(t.layer).toBe(l.headers);
      expect(t.version).toBe(`${l.major}.${l.minor + 2}.7`);
      expect(t.libraryPath).toBe(join(dir, `libnvinfer.so.${l.major}`));
      expect(t.onnxParser).toEqual({ available: true, path: join(dir, `libnvonnxparser.so.${l.major}`) });
      // Found, but unusable here without a CUDA device; the reason says both.
      if (!caps.cuda.available) expect(t.reason).toMatch(new RegExp(`TensorRT ${re(t.version)} was found but no CUDA device is usable`));
    }
  });

  it('refuses a libnvinfer of a major not compiled in, naming the compiled layers and the rebuild that adds one', () => {
    const foreign = layers.some((l) => l.major === 8) ? 7 : 8;
    const dir = fakeLibraries(foreign, encode(foreign, 6, 1), true);
    const t = tensorrtIn(dir);
    expect(t.available).toBe(false);
    expect(t.layer).toBeUndefined();
    expect(t.reason).toContain(
      `TensorRT ${foreign}.6.1 was found at ${join(dir, `libnvinfer.so.${foreign}`)}, but this trtjs binary has TensorRT layers for ${layerList} only`,
    );
    // No headers next to it: the fix says which to install.
    expect(t.reason).toContain(`Add a layer for it by installing TensorRT ${foreign}.6.1's headers`);

    // A tarball layout (lib/ and include/ side by side): the fix is the exact command.
    const root = mkdtempSync(join(tmpdir(), 'trtjs-tarball-'));
    mkdirSync(join(root, 'lib'));
    mkdirSync(join(root, 'include'));
    writeFileSync(
      join(root, 'include', 'NvInferVersion.h'),
      `#define NV_TENSORRT_MAJOR ${foreign}\n#define NV_TENSORRT_MINOR 6\n#define NV_TENSORRT_PATCH 1\n`,
    );
    fakeLibraries(foreign, encode(foreign, 6, 1), false, false, join(root, 'lib'));
    expect(tensorrtIn(join(root, 'lib')).reason).toContain(`Add a layer for it by \`TENSORRT_ROOT=${root} npm rebuild trtjs\``);
  });

  it('refuses a libnvinfer.so.<major> that reports another major, naming both', () => {
    const l = layers[layers.length - 1];
    const other = l.major === 8 ? 7 : 8;
    const dir = fakeLibraries(l.major, encode(other, 6, 1), true);
    const t = tensorrtIn(dir);
    expect(t.available).toBe(false);
    expect(t.reason).toContain(
      `libnvinfer.so.${l.major} is TensorRT ${other}.6.1, not ${l.major}.x (the layer compiled against TensorRT ${l.headers} headers)`,
    );
  });

  it("refuses a library older than its layer's headers, saying which minor it needs and how to add a layer for it", () => {
    const l = layers.find((x) => x.minor > 0);
    if (!l) return;
    const dir = fakeLibraries(l.major, encode(l.major, l.minor - 1, 1), true);
    const t = tensorrtIn(dir);
    expect(t.available).toBe(false);
    expect(t.reason).toContain(
      `TensorRT ${l.major}.${l.minor - 1}.1 was found at ${join(dir, `libnvinfer.so.${l.major}`)}, but this trtjs binary's ${l.major}.x layer was compiled against TensorRT ${l.headers} headers and needs ${l.major}.${l.minor} or newer`,
    );
    expect(t.reason).toMatch(new RegExp(`is TensorRT ${l.major}\\.${l.minor - 1}\\.1, older than the TensorRT ${re(l.headers)} headers`));
  });

  it('reports a missing ONNX parser and plugin library separately', () => {
    const l = layers[0];
    const dir = fakeLibraries(l.major, encode(l.major, l.minor, 7), false);
    const t = tensorrtIn(dir);
    expect(t.version).toBe(`${l.major}.${l.minor}.7`);
    expect(t.libraryPath).toBe(join(dir, `libnvinfer.so.${l.major}`));
    expect(t.onnxParser.available).toBe(false);
    expect(t.onnxParser.reason).toMatch(/libnvonnxparser\.so\.\d+ \(TensorRT's ONNX parser\) could not be opened/);
    expect(t.plugins.available).toBe(false);
    expect(t.plugins.reason).toMatch(/libnvinfer_plugin\.so\.\d+ could not be opened; models that use TensorRT's standard plugins/);
  });

  it('registers the standard plugins when present', () => {
    const l = layers[layers.length - 1];
    const dir = fakeLibraries(l.major, encode(l.major, l.minor, 1), true, true);
    const t = tensorrtIn(dir);
    expect(t.version).toBe(`${l.major}.${l.minor}.1`);
    // The fake initLibNvInferPlugins succeeds only when given a logger and a namespace, as TensorRT's needs.
    expect(t.plugins).toEqual({ available: true, path: join(dir, `libnvinfer_plugin.so.${l.major}`) });
  });

  it('refuses a plugin library linked against another TensorRT, naming it', () => {
    const l = layers[0];
    const dir = fakeLibraries(l.major, encode(l.major, l.minor, 0), true);
    // libnvinfer_plugin from another major's install: it pulls in its own libnvinfer.so.<other>.
    const other = mkdtempSync(join(tmpdir(), 'trtjs-other-trt-'));
    const otherMajor = l.major === 8 ? 10 : 8;
    const run = (args: string[]) => expect(spawnSync('cc', args, { encoding: 'utf8' }).status).toBe(0);
    writeFileSync(join(other, 'v.c'), `int getInferLibVersion(void) { return ${otherMajor === 8 ? 8601 : 100300}; }\n`);
    run(['-shared', '-fPIC', `-Wl,-soname,libnvinfer.so.${otherMajor}`, '-o', join(other, `libnvinfer.so.${otherMajor}`), join(other, 'v.c')]);
    writeFileSync(join(other, 'p.c'), `${usesInfer}int initLibNvInferPlugins(void* l, const char* ns) { return getInferLibVersion() && l != 0 && ns != 0; }\n`);
    run([
      '-shared',
      '-fPIC',
      '-o',
      join(dir, `libnvinfer_plugin.so.${l.major}`),
      join(other, 'p.c'),
      '-Wl,--no-as-needed',
      '-L',
      other,
      `-l:libnvinfer.so.${otherMajor}`,
      `-Wl,-rpath,${other}`,
    ]);
    const t = tensorrtIn(dir);
    expect(t.onnxParser.available).toBe(true);
    expect(t.plugins.available).toBe(false);
    expect(t.plugins.reason).toContain(
      `libnvinfer_plugin.so.${l.major} is linked against TensorRT ${otherMajor === 8 ? '8.6.1' : '10.3.0'} (${join(other, `libnvinfer.so.${otherMajor}`)})`,
    );
  });

  it('lists every path it tried for every layer when TensorRT is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-empty-'));
    const t = tensorrtIn(dir);
    expect(t.available).toBe(false);
    expect(t.reason).toContain(
      `TensorRT not found: this trtjs binary has layers for TensorRT ${layers
        .map((l) => `${l.major}.x`)
        .join(', ')
        .replace(/, ([^,]*)$/, ' and $1')}`,
    );
    for (const l of layers) expect(t.reason).toContain(`${dir}/libnvinfer.so.${l.major}:`);
    expect(t.reason).toContain(`${dir}/libnvinfer.so:`);
  });

  it('TRTJS_TENSORRT_MAJOR keeps one layer when several libraries are installed, and is refused for a major not compiled in', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trtjs-two-trt-'));
    for (const l of layers) fakeLibraries(l.major, encode(l.major, l.minor, 3), false, false, dir);
    // Newest major first by default.
    expect(tensorrtIn(dir).layer).toBe(layers[0].headers);
    const last = layers[layers.length - 1];
    expect(tensorrtIn(dir, { TRTJS_TENSORRT_MAJOR: String(last.major) }).layer).toBe(last.headers);
    const t = tensorrtIn(dir, { TRTJS_TENSORRT_MAJOR: '7' });
    expect(t.available).toBe(false);
    expect(t.reason).toContain(`TRTJS_TENSORRT_MAJOR=7 asks for a TensorRT layer this trtjs binary does not have: it has ${layerList}`);
  });
});
