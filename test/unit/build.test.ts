import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { TrtjsError, buildEngine, capabilities, parseBytes, parseShapesText, readModelInfo, resolveProfiles } from '../../lib/index.js';
import { engineMetadata } from '../../lib/build/metadata.js';
import { expectThrows } from '../helpers/expect-error.js';
import { fixture } from '../helpers/fixtures.js';

const dynamicInfo = await readModelInfo(fixture('models/yolov8n_dynamic_f32.onnx'));
const staticInfo = await readModelInfo(fixture('models/yolov5n_fp16.onnx'));
const defaults = { imgsz: [640, 640] as [number, number], batch: 1 };

const shapeError = (fn: () => unknown, message: RegExp) => expectThrows([[fn, message]], 'ERR_SHAPE');

describe('shape specs', () => {
  it("parses trtexec's text form: fixed, min/opt/max, several inputs", () => {
    expect(parseShapesText('images:1x3x640x640')).toEqual({ images: { min: [1, 3, 640, 640], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] } });
    expect(parseShapesText('images:1x3x320x320,4x3x640x640,8x3x1280x1280;mask:1x1')).toEqual({
      images: { min: [1, 3, 320, 320], opt: [4, 3, 640, 640], max: [8, 3, 1280, 1280] },
      mask: { min: [1, 1], opt: [1, 1], max: [1, 1] },
    });
    shapeError(() => parseShapesText('images=1x3'), /name:1x3x640x640/);
    shapeError(() => parseShapesText('images:1x3x0x640'), /not dimensions/);
    shapeError(() => parseShapesText('images:1x3,1x3'), /one shape or three/);
    shapeError(() => parseShapesText('images:1xax3'), /not dimensions/);
  });

  it("defaults a dynamic image input to Ultralytics' dynamic=True profile and keeps static inputs fixed", () => {
    expect(resolveProfiles(dynamicInfo.inputs, undefined, defaults)).toEqual([
      { images: { min: [1, 3, 32, 32], opt: [1, 3, 640, 640], max: [1, 3, 1280, 1280] } },
    ]);
    expect(resolveProfiles(dynamicInfo.inputs, undefined, { imgsz: [384, 640], batch: 8 })).toEqual([
      { images: { min: [1, 3, 32, 32], opt: [8, 3, 384, 640], max: [8, 3, 768, 1280] } },
    ]);
    expect(resolveProfiles(staticInfo.inputs, undefined, defaults)).toEqual([
      { images: { min: [1, 3, 640, 640], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] } },
    ]);
  });

  it('accepts several profiles and objects', () => {
    const p = resolveProfiles(
      dynamicInfo.inputs,
      ['images:1x3x320x320,1x3x320x320,1x3x320x320', { images: { min: [1, 3, 640, 640], opt: [4, 3, 640, 640], max: [8, 3, 640, 640] } }],
      defaults,
    );
    expect(p).toHaveLength(2);
    expect(p[1].images.max).toEqual([8, 3, 640, 640]);
  });

  it('rejects shapes the model cannot take, min > opt > max and unknown inputs with ERR_SHAPE', () => {
    shapeError(() => resolveProfiles(dynamicInfo.inputs, 'images:1x3x640x640,1x3x320x320,1x3x1280x1280', defaults), /min 1x3x640x640 <= opt 1x3x320x320/);
    shapeError(() => resolveProfiles(dynamicInfo.inputs, 'images:1x4x640x640', defaults), /dimension 1 is fixed at 3/);
    shapeError(() => resolveProfiles(dynamicInfo.inputs, 'images:1x3x640', defaults), /has rank 4/);
    shapeError(() => resolveProfiles(dynamicInfo.inputs, 'input:1x3x640x640', defaults), /no input 'input'/);
    shapeError(() => resolveProfiles(staticInfo.inputs, 'images:2x3x640x640', defaults), /dimension 0 is fixed at 1/);
    shapeError(() => resolveProfiles([{ name: 'tokens', dtype: 'int64', shape: ['n', 77] }], undefined, defaults), /has dynamic dimensions: give its shapes/);
  });
});

describe('engine metadata for the header', () => {
  it('turns Ultralytics literals into typed JSON and records dynamic/half', () => {
    const m = engineMetadata(dynamicInfo, { dynamic: true, half: true, batch: 4 });
    expect(m.names).toMatchObject({ 0: 'person', 79: 'toothbrush' });
    expect(m.imgsz).toEqual([640, 640]);
    expect(m.stride).toBe(32);
    expect(m.task).toBe('detect');
    expect(m).toMatchObject({ dynamic: true, half: true, batch: 4, author: 'Ultralytics', version: '8.2.48' });
  });
});

describe('buildEngine without TensorRT', () => {
  it('parses byte sizes', () => {
    expect(parseBytes('w', '2G')).toBe(2 * 2 ** 30);
    expect(parseBytes('w', '512M')).toBe(512 * 2 ** 20);
    expect(parseBytes('w', '1.5GiB')).toBe(1.5 * 2 ** 30);
    expect(parseBytes('w', 4096)).toBe(4096);
    expect(() => parseBytes('w', 'lots')).toThrow(/w must be a number of bytes/);
  });

  it('checks options, the ONNX and the shapes before anything else', async () => {
    const onnx = fixture('models/yolov8n_dynamic_f32.onnx');
    const codeOf = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: TrtjsError) => e.code,
      );
    expect(await codeOf(buildEngine({ onnx, optimizationLevel: 9 }))).toBe('ERR_BAD_INPUT');
    expect(await codeOf(buildEngine({ onnx, workspace: 'much' }))).toBe('ERR_BAD_INPUT');
    expect(await codeOf(buildEngine({ onnx: new TextEncoder().encode('not onnx') }))).toBe('ERR_BAD_MODEL');
    expect(await codeOf(buildEngine({ onnx: readFileSync(onnx).subarray(0, 4096) }))).toBe('ERR_BAD_MODEL');
    expect(await codeOf(buildEngine({ onnx, shapes: 'images:8x3x640x640,1x3x640x640,1x3x640x640' }))).toBe('ERR_SHAPE');
    expect(await codeOf(buildEngine({ onnx, shapes: 'x:1x3x640x640' }))).toBe('ERR_SHAPE');
  });

  it('rejects a valid request with ERR_TRT_UNAVAILABLE and the reason from capabilities()', async () => {
    const caps = await capabilities();
    if (caps.tensorrt.available) return;
    const err = (await buildEngine({ onnx: fixture('models/yolov8n_dynamic_f32.onnx'), fp16: true }).catch((e: unknown) => e)) as TrtjsError;
    expect(err).toBeInstanceOf(TrtjsError);
    expect(err.code).toBe('ERR_TRT_UNAVAILABLE');
    expect(err.message).toContain(caps.tensorrt.reason!);
  });
});

describe('engine inspector JSON', async () => {
  const { parseEngineInfo, fp32Layers } = await import('../../lib/build/engine-info.js');
  it('lists layers and finds those that fell back to FP32', () => {
    const json = JSON.stringify({
      Layers: [
        { Name: 'conv1', LayerType: 'CaskConvolution', Outputs: [{ Name: 'a', 'Format/Datatype': 'Channel major FP16 format where channel % 8 == 0' }] },
        { Name: 'softmax', LayerType: 'Softmax', Outputs: [{ Name: 'b', 'Format/Datatype': 'Row major linear FP32' }] },
        { Name: 'reformat', LayerType: 'Reformat', Outputs: [{ Name: 'c', 'Format/Datatype': 'Row major linear FP32' }] },
      ],
      Bindings: ['images', 'output0'],
    });
    const layers = parseEngineInfo(json);
    expect(layers.map((l) => l.name)).toEqual(['conv1', 'softmax', 'reformat']);
    expect(fp32Layers(layers)).toEqual(['softmax']);
    expect(parseEngineInfo('{"Layers": ["a", "b"]}')).toEqual([
      { name: 'a', type: '', outputFormats: [] },
      { name: 'b', type: '', outputFormats: [] },
    ]);
    expect(parseEngineInfo('not json')).toEqual([]);
  });
});
