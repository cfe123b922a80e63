/**
 * One error discipline: every way a user can point the public API or the CLI at the wrong thing (a missing path, a
 * directory, an empty file, a file that is not a model, a truncated model, an unwritable output) gets a TrtjsError
 * with a code whose message names what the user gave, and the CLI prints exactly one line and exits 1.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import {
  Detector,
  ModelHost,
  OnnxRuntimeBackend,
  Predictor,
  TensorRtBackend,
  TrtjsError,
  buildEngine,
  inspectEngine,
  loadImage,
  readModelInfo,
  val,
} from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';
import { runCli } from '../helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'trtjs-errors-'));
const paths = {
  missing: join(dir, 'nope.onnx'),
  directory: dir,
  empty: join(dir, 'empty.onnx'),
  text: join(dir, 'notes.onnx'),
  jpeg: join(dir, 'photo.engine'),
  truncated: join(dir, 'truncated.onnx'),
};
writeFileSync(paths.empty, '');
writeFileSync(paths.text, 'these are my notes, not a model\n');
writeFileSync(paths.jpeg, readFileSync(fixture('images/bus.jpg')));
writeFileSync(paths.truncated, readFileSync(fixture('models/yolo11n_int8_320.onnx')).subarray(0, 100_000));

const expected: Record<keyof typeof paths, { code: string; message: RegExp }> = {
  missing: { code: 'ERR_BAD_INPUT', message: /cannot read .*nope\.onnx: no such file/ },
  directory: { code: 'ERR_BAD_INPUT', message: /cannot read .*trtjs-errors-\w+: it is a directory/ },
  empty: { code: 'ERR_BAD_MODEL', message: /empty\.onnx: the file is empty/ },
  text: { code: 'ERR_BAD_MODEL', message: /notes\.onnx is not an ONNX model or TensorRT engine/ },
  jpeg: { code: 'ERR_BAD_MODEL', message: /photo\.engine is not an ONNX model or TensorRT engine/ },
  truncated: { code: 'ERR_BAD_MODEL', message: /truncated\.onnx: not a valid ONNX file/ },
};

async function expectCoded(what: string, p: () => Promise<unknown>, want: { code: string; message: RegExp }): Promise<void> {
  const err = await p().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${what}: expected a rejection`).toBeInstanceOf(TrtjsError);
  expect((err as TrtjsError).code, `${what}: ${(err as Error).message}`).toBe(want.code);
  expect((err as Error).message, what).toMatch(want.message);
}

describe('the API names what the user gave, with a code', () => {
  const openers: Array<[string, (path: string) => Promise<unknown>]> = [
    ['Detector.create', (p) => Detector.create(p)],
    ['Predictor.create', (p) => Predictor.create(p)],
    ['OnnxRuntimeBackend.load', (p) => OnnxRuntimeBackend.load(p)],
    ['ModelHost.open', (p) => ModelHost.open(p)],
    ['readModelInfo', (p) => readModelInfo(p)],
  ];
  for (const [name, open] of openers) {
    it(`${name}: missing path, directory, empty, not a model, truncated`, async () => {
      for (const [kind, path] of Object.entries(paths) as Array<[keyof typeof paths, string]>) {
        // An engine-named JPEG is refused by what it is; for ONNX Runtime a .engine name is itself the problem.
        await expectCoded(`${name}(${kind})`, () => open(path), expected[kind]);
      }
    });
  }

  it('TensorRtBackend.load and inspectEngine: the same files, checked before TensorRT is needed', async () => {
    for (const kind of ['missing', 'directory', 'empty', 'jpeg'] as const) {
      await expectCoded(`TensorRtBackend.load(${kind})`, () => TensorRtBackend.load(paths[kind]), expected[kind]);
      await expectCoded(`inspectEngine(${kind})`, () => inspectEngine(paths[kind]), expected[kind]);
    }
  });

  it('buildEngine: a missing, empty or non-ONNX input', async () => {
    for (const kind of ['missing', 'empty', 'text', 'truncated'] as const) {
      await expectCoded(`buildEngine(${kind})`, () => buildEngine({ onnx: paths[kind], output: join(dir, 'out.engine') }), expected[kind]);
    }
  });

  it('loadImage and val: missing, directory, not an image', async () => {
    await expectCoded('loadImage(missing)', () => loadImage(join(dir, 'nope.jpg')), {
      code: 'ERR_BAD_INPUT',
      message: /cannot read .*nope\.jpg: no such file/,
    });
    await expectCoded('loadImage(directory)', () => loadImage(dir), { code: 'ERR_BAD_INPUT', message: /it is a directory/ });
    await expectCoded('loadImage(text)', () => loadImage(paths.text), { code: 'ERR_BAD_INPUT', message: /cannot decode .*notes\.onnx/ });
    await expectCoded('val(missing yaml)', () => val({ data: join(dir, 'nope.yaml'), model: fixture('models/yolo11n_int8_320.onnx') }), {
      code: 'ERR_BAD_INPUT',
      message: /nope\.yaml/,
    });
    await expectCoded(
      'val(missing model)',
      () => val({ data: fixture('coco128/coco128.yaml'), root: fixture('coco128'), model: paths.missing }),
      expected.missing,
    );
  });
});

describe('the CLI prints one line with the code and exits 1', () => {
  const model = fixture('models/yolo11n_int8_320.onnx');
  const cases: Array<[string, string[], RegExp]> = [
    ['inspect a missing file', ['inspect', paths.missing], /no such file \[ERR_BAD_INPUT\]/],
    ['inspect a text file', ['inspect', paths.text], /not an ONNX model or TensorRT engine.*\[ERR_BAD_MODEL\]/],
    ['inspect a truncated model', ['inspect', paths.truncated], /truncated\.onnx: not a valid ONNX file.*\[ERR_BAD_MODEL\]/],
    ['detect with a missing model', ['detect', fixture('images/bus.jpg'), '-m', paths.missing], /nope\.onnx: no such file \[ERR_BAD_INPUT\]/],
    ['predict with a missing model', ['predict', fixture('images/bus.jpg'), '-m', paths.missing], /nope\.onnx: no such file \[ERR_BAD_INPUT\]/],
    [
      'predict with a truncated model',
      ['predict', fixture('images/bus.jpg'), '-m', paths.truncated],
      /truncated\.onnx: not a valid ONNX file.*\[ERR_BAD_MODEL\]/,
    ],
    [
      'detect with a JPEG as the model',
      ['detect', fixture('images/bus.jpg'), '-m', paths.jpeg],
      /photo\.engine is not an ONNX model or TensorRT engine.*\[ERR_BAD_MODEL\]/,
    ],
    ['val with a missing dataset', ['val', '--data', join(dir, 'nope.yaml'), '-m', model], /nope\.yaml.*\[ERR_BAD_INPUT\]/],
    ['build from a text file', ['build', paths.text, '-o', join(dir, 'out.engine')], /notes\.onnx is not an ONNX model or TensorRT engine.*\[ERR_BAD_MODEL\]/],
    [
      'build into a missing directory',
      ['build', fixture('models/yolov8n_dynamic_f32.onnx'), '-o', join(dir, 'no', 'such', 'dir', 'out.engine')],
      /out\.engine.*\[ERR_(BAD_INPUT|TRT_UNAVAILABLE)\]/,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const r = runCli(args);
      expect(r.status, r.stderr).toBe(1);
      expect(r.stderr.split('\n').filter(Boolean), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^trtjs: /);
      expect(r.stderr).toMatch(message);
    });
  }
});
