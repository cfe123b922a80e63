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
  ])
    copyFileSync(fixture(from), join(dir, name));
  symlinkSync(fixture('coco128'), join(dir, 'coco128'));
  mkdirSync(join(dir, 'models'));
  copyFileSync(fixture('models/yolo11n_int8.onnx'), join(dir, 'models', 'current.onnx'));
  // frames/ for end-to-end benches; coco8: 8 COCO images with their labels, laid out as Ultralytics' coco8.
  mkdirSync(join(dir, 'frames'));
  copyFileSync(fixture('images/bus.jpg'), join(dir, 'frames', 'bus.jpg'));
  copyFileSync(fixture('images/zidane.jpg'), join(dir, 'frames', 'zidane.jpg'));
  const coco8 = join(dir, 'datasets', 'coco8');
  for (const sub of ['images/val', 'labels/val']) mkdirSync(join(coco8, sub), { recursive: true });
  for (const id of ['000000000009', '000000000025', '000000000030', '000000000034', '000000000036', '000000000042', '000000000049', '000000000061']) {
    symlinkSync(fixture(`coco128/images/train2017/${id}.jpg`), join(coco8, 'images', 'val', `${id}.jpg`));
    symlinkSync(fixture(`coco128/labels/train2017/${id}.txt`), join(coco8, 'labels', 'val', `${id}.txt`));
  }
  const names = readFileSync(fixture('coco128/coco128.yaml'), 'utf8').split('\nnames:')[1];
  writeFileSync(join(dir, 'coco8.yaml'), `path: ${coco8}\ntrain: images/val\nval: images/val\nnames:${names}`);
  if (!trt) {
    // Without TensorRT an engine cannot be made; a file with a plan's magic lets each engine command run up to the
    // point where it needs TensorRT, where it must say so.
    const plan = new Uint8Array(64);
    plan.set(new TextEncoder().encode('ftrt'));
    for (const name of ['yolo11n.engine', 'yolo11n.plan']) writeFileSync(join(dir, name), plan);
  }
  return dir;
}

function run(cmd: string, args: string[], cwd: string) {
  const env = { ...process.env, PATH: `${join(cwd, 'node_modules', '.bin')}:${process.env.PATH}`, npm_config_update_notifier: 'false' };
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env, timeout: 180_000 });
}

const trt = (await capabilities()).tensorrt.available;
const dir = project();
if (trt) {
  // With TensorRT, the engines the examples name are real: FP16 builds of the buildable fixture at 640.
  const { buildEngine } = await import('../../lib/index.js');
  await buildEngine({
    onnx: fixture('models/yolov8n_dynamic_f32.onnx'),
    output: join(dir, 'yolo11n.engine'),
    fp16: true,
    shapes: 'images:1x3x640x640,1x3x640x640,1x3x640x640',
  });
  await buildEngine({
    onnx: fixture('models/yolov8n_dynamic_f32.onnx'),
    output: join(dir, 'yolo11n.plan'),
    fp16: true,
    metadata: false,
    shapes: 'images:1x3x640x640,1x3x640x640,1x3x640x640',
  });
}

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
        // Engines (and lines that say so) need TensorRT.
        const needsTrt = /needs TensorRT|\.(engine|plan)\b/.test(line);
        it(`${line.replace(/\s+#.*/, '')} (README.md:${b.line})`, () => {
          const r = run('bash', ['-c', line], dir);
          // npx itself may warn about this machine's npm configuration: not trtjs's output.
          const stderr = r.stderr
            .split('\n')
            .filter((l) => !l.startsWith('npm warn'))
            .join('\n');
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
