import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { Detector, TrtjsError, onnxToFloat16, onnxToFloat16WithReport, readModelInfo, type Detection } from '../../lib/index.js';
import { floatToHalf, halfToFloat } from '../../lib/onnx/half.js';
import { fixture } from '../helpers/fixtures.js';
import { halfToNumber } from '../helpers/random.js';

const f32Model = readFileSync(fixture('models/yolov8n_dynamic_f32.onnx'));

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

describe('float16 conversion of single values', () => {
  it('rounds to nearest even, with subnormals, overflow and NaN', () => {
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // rounds up to Inf
    expect(floatToHalf(2 ** -24)).toBe(0x0001);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // tie to even (0)
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // tie to even (2)
    expect(floatToHalf(0.1)).toBe(0x2e66);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(floatToHalf(Number.NaN) & 0x3ff).not.toBe(0);
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // halfway: even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
  });

  it('round-trips every finite half exactly, agreeing with an independent decoder', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && h & 0x3ff) continue; // NaN payloads
      expect(halfToFloat(h)).toBe(halfToNumber(h));
      expect(floatToHalf(halfToFloat(h))).toBe(h);
    }
  });
});

describe('onnxToFloat16', () => {
  it('converts weights and activations, keeping float32 IO behind Casts', async () => {
    const { bytes, report } = onnxToFloat16WithReport(f32Model);
    expect(bytes.length).toBeLessThan(f32Model.length * 0.55);
    expect(report.initializers).toBeGreaterThan(100);
    expect(report.float16Nodes).toBeGreaterThan(report.float32Nodes * 10);
    expect(report.casts).toBeGreaterThanOrEqual(2);
    const info = await readModelInfo(bytes);
    expect(info.inputs).toEqual([{ name: 'images', dtype: 'float32', shape: ['batch', 3, 'height', 'width'] }]);
    expect(info.outputs[0].dtype).toBe('float32');
    expect(info.names).toHaveLength(80);
  });

  it('declares float16 IO when keepIoTypes is false', async () => {
    const info = await readModelInfo(onnxToFloat16(f32Model, { keepIoTypes: false }));
    expect(info.inputs[0].dtype).toBe('float16');
    expect(info.outputs[0].dtype).toBe('float16');
  });

  it('the converted model detects what the float32 model detects on bus.jpg and zidane.jpg (IoU >= 0.9, scores within 0.02)', async () => {
    await using f32 = await Detector.create(f32Model, { rect: false });
    await using f16 = await Detector.create(onnxToFloat16(f32Model), { rect: false });
    for (const image of ['images/bus.jpg', 'images/zidane.jpg']) {
      const a = await f32.detect(fixture(image));
      const b = await f16.detect(fixture(image));
      expect(a.length).toBeGreaterThanOrEqual(3);
      // Every confident float32 detection has its float16 twin; borderline ones (near conf) may cross over.
      const confident = (list: Detection[]) => list.filter((d) => d.score > 0.3);
      for (const [from, to] of [[confident(a), b], [confident(b), a]] as const) {
        for (const d of from) {
          const twin = to.filter((e) => e.classId === d.classId).sort((x, y) => iou(y.box, d.box) - iou(x.box, d.box))[0];
          expect(twin, `${image}: ${d.className} ${d.score.toFixed(3)}`).toBeDefined();
          expect(iou(twin.box, d.box)).toBeGreaterThanOrEqual(0.9);
          expect(Math.abs(twin.score - d.score)).toBeLessThanOrEqual(0.02);
        }
      }
    }
  });

  it('refuses non-ONNX bytes and bad options', () => {
    expect(() => onnxToFloat16(new TextEncoder().encode('nope'))).toThrow(TrtjsError);
    try {
      onnxToFloat16(new TextEncoder().encode('nope'));
    } catch (e) {
      expect((e as TrtjsError).code).toBe('ERR_BAD_MODEL');
    }
    expect(() => onnxToFloat16(f32Model, { blockOps: 'Resize' as never })).toThrow(/options.blockOps must be an array of op type names/);
    expect(() => onnxToFloat16('model.onnx' as never)).toThrow(/must be a Uint8Array/);
  });
});
