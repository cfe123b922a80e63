import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { TrtjsError, parsePythonLiteral, readEngineFile, readModelInfo, writeEngineFile } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';

const COCO_FIRST = ['person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus'];

async function expectCode(p: Promise<unknown> | (() => unknown), code: string, message?: RegExp) {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, 'expected a rejection').toBeInstanceOf(TrtjsError);
  expect((err as TrtjsError).code).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
}

describe('parsePythonLiteral', () => {
  it('parses what Ultralytics writes', () => {
    expect(parsePythonLiteral("{0: 'person', 1: \"bi'cycle\"}")).toEqual({ 0: 'person', 1: "bi'cycle" });
    expect(parsePythonLiteral('[640, 640]')).toEqual([640, 640]);
    expect(parsePythonLiteral('(1, 2.5, -3e2)')).toEqual([1, 2.5, -300]);
    expect(parsePythonLiteral("{'batch': 1, 'half': False, 'data': None, 'nms': True}")).toEqual({ batch: 1, half: false, data: null, nms: true });
    expect(parsePythonLiteral("'a\\nb\\x41\\u00e9'")).toBe('a\nbAé');
    expect(parsePythonLiteral('[]')).toEqual([]);
  });

  it('rejects anything that is not a literal, naming the position', () => {
    for (const bad of ["__import__('os')", '{0: person}', '[1, 2', "{'a' 1}", '1 2', '', "'open", 'lambda: 0']) {
      expect(() => parsePythonLiteral(bad), bad).toThrow(/at position \d+/);
    }
  });
});

describe('readModelInfo on every fixture model', () => {
  const cases: Array<
    [string, { imgsz?: [number, number]; end2end?: boolean; input: Array<number | string>; output: Array<number | string>; dtype: string; dynamic: boolean }]
  > = [
    ['yolov8n_int8.onnx', { imgsz: [640, 640], input: [1, 3, 640, 640], output: [1, 84, 8400], dtype: 'float32', dynamic: false }],
    [
      'yolov8n_int8_dynamic.onnx',
      { imgsz: [640, 640], input: ['batch', 3, 'height', 'width'], output: ['batch', 'Concatoutput0_dim_1', 'anchors'], dtype: 'float32', dynamic: true },
    ],
    ['yolo11n_int8.onnx', { imgsz: [640, 640], input: [1, 3, 640, 640], output: [1, 84, 8400], dtype: 'float32', dynamic: false }],
    ['yolo11n_int8_320.onnx', { imgsz: [320, 320], end2end: false, input: [1, 3, 320, 320], output: [1, 84, 2100], dtype: 'float32', dynamic: false }],
    ['yolov10n_int8.onnx', { imgsz: [640, 640], end2end: true, input: [1, 3, 640, 640], output: [1, 300, 6], dtype: 'float32', dynamic: false }],
    ['yolo26n_int8.onnx', { imgsz: [640, 640], end2end: true, input: [1, 3, 640, 640], output: [1, 300, 6], dtype: 'float32', dynamic: false }],
    [
      'yolov8n_dynamic_f32.onnx',
      { imgsz: [640, 640], input: ['batch', 3, 'height', 'width'], output: ['batch', 'Concatoutput0_dim_1', 'anchors'], dtype: 'float32', dynamic: true },
    ],
    ['yolov5n_fp16.onnx', { input: [1, 3, 640, 640], output: [1, 25200, 85], dtype: 'float16', dynamic: false }],
  ];
  for (const [file, want] of cases) {
    it(file, async () => {
      const info = await readModelInfo(fixture(`models/${file}`));
      expect(info.format).toBe('onnx');
      expect(info.names).toHaveLength(80);
      expect(info.names!.slice(0, 6)).toEqual(COCO_FIRST);
      expect(info.names![79]).toBe('toothbrush');
      expect(info.stride).toBe(32);
      if (want.imgsz) {
        expect(info.imgsz).toEqual(want.imgsz);
        expect(info.task).toBe('detect');
      } else {
        expect(info.imgsz).toBeUndefined(); // yolov5 writes only stride and names
      }
      if (want.end2end !== undefined) expect(info.end2end).toBe(want.end2end);
      expect(info.inputs).toEqual([{ name: 'images', dtype: want.dtype, shape: want.input }]);
      expect(info.outputs).toEqual([{ name: 'output0', dtype: want.dtype, shape: want.output }]);
      expect(info.dynamic).toBe(want.dynamic);
      expect(info.half).toBe(want.dtype === 'float16');
      expect(info.opset).toBeGreaterThanOrEqual(12);
    });
  }
});

describe('engine file layout (Ultralytics: int32 LE length, JSON, plan)', () => {
  const plan = new Uint8Array([0x66, 0x74, 0x72, 0x74, 1, 2, 3, 4, 5, 6, 7, 8]);
  const metadata = { names: { 0: 'person', 1: 'vélo' }, imgsz: [640, 640], stride: 32, task: 'detect', end2end: false };

  it('round-trips metadata and plan, with an ASCII-only header like json.dumps', () => {
    const file = writeEngineFile(plan, metadata);
    const len = new DataView(file.buffer).getInt32(0, true);
    const header = new TextDecoder().decode(file.subarray(4, 4 + len));
    expect(header).toContain('v\\u00e9lo');
    expect([...header].every((c) => c.charCodeAt(0) < 0x80)).toBe(true);
    const back = readEngineFile(file);
    expect(back.metadata).toEqual({ ...metadata, names: { 0: 'person', 1: 'vélo' } });
    expect(Array.from(back.plan)).toEqual(Array.from(plan));
  });

  it('reads a plain plan (trtexec) as no metadata', () => {
    const r = readEngineFile(plan);
    expect(r.metadata).toBeUndefined();
    expect(r.plan).toBe(plan);
  });

  it('gives ModelInfo from an engine header like from ONNX', async () => {
    const onnxInfo = await readModelInfo(fixture('models/yolov10n_int8.onnx'));
    const raw: Record<string, unknown> = { ...onnxInfo.metadata };
    raw.names = Object.fromEntries(onnxInfo.names!.map((n, i) => [String(i), n]));
    raw.imgsz = onnxInfo.imgsz;
    raw.stride = onnxInfo.stride;
    raw.end2end = true;
    const info = await readModelInfo(writeEngineFile(plan, raw));
    expect(info.format).toBe('engine');
    expect(info.names).toEqual(onnxInfo.names);
    expect(info.imgsz).toEqual([640, 640]);
    expect(info.end2end).toBe(true);
  });

  it('rejects truncated, absurd and non-JSON headers with ERR_BAD_MODEL', async () => {
    const good = writeEngineFile(plan, metadata);
    await expectCode(() => readEngineFile(good.subarray(0, 6)), 'ERR_BAD_MODEL', /too short/);
    const absurd = new Uint8Array(good);
    new DataView(absurd.buffer).setInt32(0, 0x7fffffff, true);
    await expectCode(() => readEngineFile(absurd), 'ERR_BAD_MODEL', /does not fit/);
    const negative = new Uint8Array(good);
    new DataView(negative.buffer).setInt32(0, -5, true);
    await expectCode(() => readEngineFile(negative), 'ERR_BAD_MODEL', /does not fit/);
    const notObject = new Uint8Array(good);
    notObject[4] = 0x5b; // '[': not Ultralytics' layout, so not an engine at all
    await expectCode(() => readEngineFile(notObject), 'ERR_BAD_MODEL', /is not a TensorRT engine or an ONNX model/);
    const badJson = new Uint8Array(good);
    badJson[5] = 0x7d; // '{}' followed by more text
    await expectCode(() => readEngineFile(badJson), 'ERR_BAD_MODEL', /JSON/);
    await expectCode(() => readEngineFile(good.subarray(0, good.length - plan.length)), 'ERR_BAD_MODEL');
    const noPlan = new Uint8Array(good);
    noPlan[noPlan.length - plan.length] = 0;
    await expectCode(() => readEngineFile(noPlan), 'ERR_BAD_MODEL', /no TensorRT plan/);
  });
});

describe("plans without TensorRT's ftrt tag (a version-compatible plan may not carry it)", () => {
  const untagged = new Uint8Array([0x76, 0x74, 0x72, 0x74, 0, 0, 0, 0, 1, 2, 3, 4]);
  it('are left to TensorRT when the file name says plan (.engine, .plan, .trt), marked untagged', () => {
    for (const name of ['m.engine', 'm.plan', 'm.TRT']) expect(readEngineFile(untagged, name)).toEqual({ plan: untagged, tagged: false });
    expect(readEngineFile(writeEngineFile(new TextEncoder().encode('ftrt-plan'), {}), 'm.engine').tagged).toBe(true);
  });

  it('are still not plans under another name, nor when they are an image, an archive or ONNX', async () => {
    await expectCode(() => readEngineFile(untagged, 'm.bin'), 'ERR_BAD_MODEL', /is not a TensorRT engine or an ONNX model/);
    const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);
    await expectCode(() => readEngineFile(jpeg, 'photo.engine'), 'ERR_BAD_MODEL', /is not a TensorRT engine or an ONNX model/);
    const zip = new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0]);
    await expectCode(() => readEngineFile(zip, 'weights.plan'), 'ERR_BAD_MODEL', /is not a TensorRT engine or an ONNX model/);
  });
});

describe('bad model files', () => {
  it('non-ONNX bytes, truncated ONNX, empty files and invalid metadata give ERR_BAD_MODEL', async () => {
    const bytes = readFileSync(fixture('models/yolo11n_int8_320.onnx'));
    await expectCode(readModelInfo(new Uint8Array(bytes.subarray(0, bytes.length >> 1))), 'ERR_BAD_MODEL', /truncated|not an ONNX/);
    await expectCode(readModelInfo(new TextEncoder().encode('definitely not a model, just text')), 'ERR_BAD_MODEL');
    await expectCode(readModelInfo(new Uint8Array(0)), 'ERR_BAD_MODEL', /empty/);
    await expectCode(readModelInfo('/nonexistent/model.onnx'), 'ERR_BAD_INPUT', /cannot read/);
    const badNames = writeEngineFile(new Uint8Array([0x66, 0x74, 0x72, 0x74, 0]), { names: "{0: 'person', 1: }" });
    await expectCode(readModelInfo(badNames), 'ERR_BAD_MODEL', /metadata 'names'/);
    const gappy = writeEngineFile(new Uint8Array([0x66, 0x74, 0x72, 0x74, 0]), { names: { 0: 'a', 5: 'b' } });
    await expectCode(readModelInfo(gappy), 'ERR_BAD_MODEL', /keys 0\.\.n-1/);
  });
});

describe('engine inspection without TensorRT', async () => {
  const { inspectEngine } = await import('../../lib/index.js');
  const { runCli } = await import('../helpers/run.js');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');

  it('inspectEngine rejects with ERR_TRT_UNAVAILABLE and the reason; bad files still get ERR_BAD_MODEL first', async () => {
    const engine = writeEngineFile(new Uint8Array([0x66, 0x74, 0x72, 0x74, 1, 2]), { names: { 0: 'a' }, imgsz: [320, 320] });
    await expectCode(inspectEngine(engine), 'ERR_TRT_UNAVAILABLE', /TensorRT is unavailable/);
    await expectCode(inspectEngine(new Uint8Array(3)), 'ERR_BAD_MODEL');
  });

  it('trtjs inspect on an engine shows its header and says what needs TensorRT', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'trtjs-engine-')), 'm.engine');
    writeFileSync(
      path,
      writeEngineFile(new Uint8Array([0x66, 0x74, 0x72, 0x74, 1, 2]), {
        names: { 0: 'cat', 1: 'dog' },
        imgsz: [320, 320],
        stride: 32,
        task: 'detect',
        tensorrt: '10.3.0',
      }),
    );
    const r = runCli(['inspect', path]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\(engine\)/);
    expect(r.stdout).toMatch(/classes\s+2 \(cat, dog\)/);
    expect(r.stdout).toMatch(/imgsz\s+320x320/);
    expect(r.stdout).toMatch(/IO tensors, profiles and device memory need TensorRT/);
  });
});
