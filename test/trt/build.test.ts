import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { TrtjsError, buildEngine, capabilities, inspectEngine, readEngineFile, readModelInfo, writeEngineFile, type BuildProgress } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';
import { describeTier, tierStatus } from '../helpers/tiers.js';

const trt = await tierStatus('trt');

describeTier(trt, 'buildEngine on TensorRT', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-build-'));

  it('builds an FP32 engine with a dynamic profile, with the Ultralytics header', async () => {
    const progress: BuildProgress[] = [];
    const output = join(dir, 'v8-fp32.engine');
    const { engine, report } = await buildEngine({
      onnx: fixture('models/yolov8n_dynamic_f32.onnx'),
      output,
      shapes: 'images:1x3x320x320,1x3x640x640,4x3x1280x1280',
      onProgress: (p) => progress.push(p),
    });
    expect(report.precision).toBe('fp32');
    expect(report.profiles).toEqual(['images:1x3x320x320,1x3x640x640,4x3x1280x1280']);
    expect(report.layers).toBeGreaterThan(10);
    expect(progress.some((p) => p.phase === 'build')).toBe(true);
    expect(readFileSync(output)).toEqual(Buffer.from(engine));
    const { metadata, plan } = readEngineFile(engine);
    expect(plan.length).toBeGreaterThan(1_000_000);
    expect(metadata).toMatchObject({ task: 'detect', stride: 32, imgsz: [640, 640], dynamic: true, half: false });
    const info = await readModelInfo(output);
    expect(info.names).toHaveLength(80);
  });

  it('builds FP16 (builder flag up to TensorRT 10, ONNX conversion on 11) and reports FP32 fallbacks', async () => {
    const caps = await capabilities();
    const { report } = await buildEngine({ onnx: fixture('models/yolov8n_dynamic_f32.onnx'), fp16: true, timingCache: join(dir, 'cache.bin') });
    expect(report.precision).toBe('fp16');
    expect(report.fp16Mode).toBe(Number(caps.tensorrt.version!.split('.')[0]) >= 11 ? 'onnx-conversion' : 'builder-flag');
    expect(Array.isArray(report.fp32Layers)).toBe(true);
    expect(existsSync(join(dir, 'cache.bin'))).toBe(true);
  });

  it('builds the half-precision YOLOv5 export with its static shape', async () => {
    const { report } = await buildEngine({ onnx: fixture('models/yolov5n_fp16.onnx'), fp16: true });
    expect(report.profiles).toEqual(['images:1x3x640x640,1x3x640x640,1x3x640x640']);
  });

  it('rejects ONNX the parser cannot take with ERR_BUILD listing node and op', async () => {
    const err = (await buildEngine({ onnx: fixture('models/yolov8n_int8.onnx') }).catch((e: unknown) => e)) as TrtjsError;
    expect(err).toBeInstanceOf(TrtjsError);
    expect(err.code).toBe('ERR_BUILD');
    expect(err.message).toMatch(/node \d+/);
  });

  it('inspects a built engine: IO tensors, profiles, device memory, provenance', async () => {
    const path = join(dir, 'v8-fp32.engine');
    const e = await inspectEngine(path);
    expect(e.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: [-1, 3, -1, -1] }]);
    expect(e.outputs[0].name).toBe('output0');
    expect(e.profiles[0].images).toEqual({ min: [1, 3, 320, 320], opt: [1, 3, 640, 640], max: [4, 3, 1280, 1280] });
    expect(e.deviceMemory).toBeGreaterThan(0);
    expect(e.tensorrt.builtWith).toBe(e.tensorrt.loaded);
  });

  it('refuses a plan it cannot deserialize with ERR_ENGINE_INCOMPATIBLE naming both sides', async () => {
    const fake = new Uint8Array(4096).fill(7);
    fake.set([0x66, 0x74, 0x72, 0x74]);
    const err = (await inspectEngine(writeEngineFile(fake, { tensorrt: '8.6.1', device: 'Orin' })).catch((e: unknown) => e)) as TrtjsError;
    expect(err.code).toBe('ERR_ENGINE_INCOMPATIBLE');
    expect(err.message).toMatch(/built with TensorRT 8\.6\.1 on Orin; TensorRT \d+/);
  });

  it('cancels through an AbortSignal', async () => {
    const controller = new AbortController();
    const build = buildEngine({ onnx: fixture('models/yolov8n_dynamic_f32.onnx'), signal: controller.signal, onProgress: () => controller.abort() });
    const err = (await build.catch((e: unknown) => e)) as TrtjsError;
    expect(err.code).toBe('ERR_ABORTED');
  });
});
