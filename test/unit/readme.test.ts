/**
 * Every example in README.md runs as written, in a fresh project where `trtjs` is a dependency: `js` blocks as ES
 * modules and `cjs` blocks as CommonJS on this Node (20), `ts` blocks type-checked by the current TypeScript (7) with
 * its defaults and --strict and no tsconfig, then run, and every `npx trtjs` line of the `sh` blocks. The files the
 * examples name are the fixtures: yolo11n.onnx is yolo11n_int8.onnx, yolov8n-dynamic.onnx is yolov8n_dynamic_f32.onnx,
 * yolo11n-seg.onnx is yolo11n-seg_int8_480x640.onnx.
 * (`npm install` lines are checked by installing the packed package: scripts/check-package.sh.)
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { capabilities } from '../../lib/index.js';
import { fixture, projectRoot } from '../helpers/fixtures.js';

interface Block {
  lang: string;
  code: string;
  line: number;
}

const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
const blocks: Block[] = [];
for (const m of readme.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
  blocks.push({ lang: m[1], code: m[2], line: readme.slice(0, m.index).split('\n').length });
}

/** A project that depends on trtjs (this checkout), with the files the examples name. */
function project(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-readme-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'readme-examples', private: true, type: 'module' }));
  mkdirSync(join(dir, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(projectRoot, join(dir, 'node_modules', 'trtjs'));
  const bin = join(dir, 'node_modules', '.bin', 'trtjs');
  writeFileSync(bin, `#!/bin/sh\nexec "${process.execPath}" "${join(projectRoot, 'dist', 'cli', 'main.js')}" "$@"\n`);
  chmodSync(bin, 0o755);
  for (const [name, from] of [
    ['bus.jpg', 'images/bus.jpg'],
    ['zidane.jpg', 'images/zidane.jpg'],
    ['yolo11n.onnx', 'models/yolo11n_int8.onnx'],
    ['yolov8n-dynamic.onnx', 'models/yolov8n_dynamic_f32.onnx'],
    ['yolo11n-seg.onnx', 'models/yolo11n-seg_int8_480x640.onnx'],
  ]) copyFileSync(fixture(from), join(dir, name));
  symlinkSync(fixture('coco128'), join(dir, 'coco128'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(fixture('models/yolo11n_int8.onnx'), join(dir, 'models', 'current.onnx'));
  return dir;
}

function run(cmd: string, args: string[], cwd: string) {
  const env = { ...process.env, PATH: `${join(cwd, 'node_modules', '.bin')}:${process.env.PATH}`, npm_config_update_notifier: 'false' };
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env, timeout: 180_000 });
}

const dir = project();
const trt = (await capabilities()).tensorrt.available;

describe('README examples run as written', () => {
  it('has examples of each kind', () => {
    const langs = new Set(blocks.map((b) => b.lang));
    for (const lang of ['js', 'cjs', 'ts', 'sh']) expect(langs.has(lang), lang).toBe(true);
  });

  blocks.forEach((b, i) => {
    if (b.lang === 'js' || b.lang === 'cjs') {
      it(`${b.lang} block at README.md:${b.line}`, () => {
        const file = join(dir, `example-${i}.${b.lang === 'js' ? 'mjs' : 'cjs'}`);
        writeFileSync(file, b.code);
        const r = run(process.execPath, [file], dir);
        expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
        expect(r.stderr).not.toMatch(/Error|Warning/);
        expect(r.stdout.trim().length).toBeGreaterThan(0);
      }, 180_000);
    } else if (b.lang === 'ts') {
      it(`ts block at README.md:${b.line}: tsc --strict (TypeScript 7 defaults, no tsconfig), then run on Node 20`, () => {
        const sub = join(dir, `ts-${i}`);
        mkdirSync(sub);
        writeFileSync(join(sub, 'example.ts'), b.code);
        const tsc = join(projectRoot, 'node_modules', 'typescript-7', 'bin', 'tsc');
        const version = run(process.execPath, [tsc, '--version'], dir);
        expect(version.stdout).toMatch(/^Version 7\./);
        const compiled = run(process.execPath, [tsc, '--strict', '--outDir', sub, join(sub, 'example.ts')], dir);
        expect(compiled.status, compiled.stdout + compiled.stderr).toBe(0);
        const r = run(process.execPath, [join(sub, 'example.js')], dir);
        expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
        expect(r.stdout.trim().length).toBeGreaterThan(0);
      }, 180_000);
    } else if (b.lang === 'sh') {
      for (const line of b.code.split('\n').filter((l) => l.startsWith('npx trtjs '))) {
        const needsTrt = /needs TensorRT/.test(line);
        it(`${line.replace(/\s+#.*/, '')} (README.md:${b.line})`, () => {
          const r = run('bash', ['-c', line], dir);
          // npx itself may warn about this machine's npm configuration: not trtjs's output.
          const stderr = r.stderr.split('\n').filter((l) => !l.startsWith('npm warn')).join('\n');
          if (needsTrt && !trt) {
            // Without TensorRT the command must say so, in one line, and fail.
            expect(r.status).toBe(1);
            expect(stderr).toMatch(/^trtjs: .*\[ERR_TRT_UNAVAILABLE\]\n$/);
          } else {
            expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
            expect(r.stdout.trim().length).toBeGreaterThan(0);
          }
        }, 180_000);
      }
    }
  });
});
