import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

import { Detector, letterbox, parsePythonLiteral, readEngineFile, scaleBoxes, type RawImage } from '../../lib/index.js';
import { expectThrows, rejection } from '../helpers/expect-error.js';
import { fixture } from '../helpers/fixtures.js';

const require = createRequire(import.meta.url);
const { onnx } = require('onnx-proto') as typeof import('onnx-proto');

// Inputs an earlier fuzzing pass found; each must stay a coded TrtjsError whose message names the argument in the
// caller's terms, or (the extreme aspect ratios) keep working.

/** A uniform gray RGB image. */
function gray(width: number, height: number, level = 200): RawImage {
  return { data: new Uint8Array(width * height * 3).fill(level), width, height, channels: 3, order: 'rgb' };
}

/** yolo11n (320) with one metadata entry replaced, as a file with hand-edited metadata would arrive. */
function withMetadata(key: string, value: string): Uint8Array {
  const model = onnx.ModelProto.decode(readFileSync(fixture('models/yolo11n_int8_320.onnx')));
  const prop = model.metadataProps.find((p) => p.key === key);
  if (!prop) throw new Error(`the fixture has no metadata '${key}'`);
  prop.value = value;
  return onnx.ModelProto.encode(model).finish();
}

describe('fuzz cases: arguments of the wrong type', () => {
  it('readEngineFile and parsePythonLiteral name what they take', () => {
    expectThrows([
      [() => readEngineFile(undefined as never), /^readEngineFile: bytes must be a Uint8Array or Buffer of the engine file's content, received undefined$/],
      [() => readEngineFile(7 as never), /^readEngineFile: bytes must be a Uint8Array or Buffer of the engine file's content, received 7$/],
      [() => readEngineFile(new ArrayBuffer(8) as never), /^readEngineFile: bytes must be .*, received an ArrayBuffer of 8 bytes$/],
      [() => parsePythonLiteral(undefined as never), /^parsePythonLiteral: text must be a string, received undefined$/],
    ]);
  });

  it('scaleBoxes refuses a mapping without scale and a negative count', () => {
    const dets = { count: 1, boxes: new Float32Array([1, 2, 3, 4]), scores: new Float32Array([0.5]), classes: new Int32Array([0]) };
    expectThrows([
      [() => scaleBoxes(dets, { pad: [0, 0] } as never, [10, 10]), /^scaleBoxes: from.scale must be \[x, y\], received undefined$/],
      [
        () => scaleBoxes({ ...dets, count: -1 }, { scale: 1, pad: [0, 0] }, [10, 10]),
        /^scaleBoxes: detections.count must be an integer in \[0, 2147483647\], received -1$/,
      ],
    ]);
  });

  it('Detector.create refuses an object that only looks like a Backend', async () => {
    const err = await rejection(Detector.create({ run() {}, dispose() {} } as never));
    expect(err.code).toBe('ERR_BAD_INPUT');
    expect(err.message).toBe(
      'Detector.create: model must be a model path, model bytes, or a Backend (with run, dispose and info.inputs/outputs), received an object (Object)',
    );
  });
});

describe('fuzz cases: letterbox extremes', () => {
  const at = (data: Float32Array, c: number, y: number, x: number) => data[c * 640 * 640 + y * 640 + x];

  it('a 1x65535 image becomes one centred column of pixels', () => {
    const lb = letterbox(gray(1, 65535));
    expect(lb.shape).toEqual([1, 3, 640, 640]);
    expect(lb.resized).toEqual([1, 640]);
    expect(lb.pad).toEqual([319, 0]);
    expect(lb.sourceSize).toEqual([1, 65535]);
    for (const y of [0, 320, 639]) {
      expect(at(lb.data, 0, y, 319)).toBeCloseTo(200 / 255, 6);
      expect(at(lb.data, 2, y, 318)).toBeCloseTo(114 / 255, 6);
      expect(at(lb.data, 1, y, 320)).toBeCloseTo(114 / 255, 6);
    }
  });

  it('a 65535x1 image becomes one centred row of pixels', () => {
    const lb = letterbox(gray(65535, 1));
    expect(lb.shape).toEqual([1, 3, 640, 640]);
    expect(lb.resized).toEqual([640, 1]);
    expect(lb.pad).toEqual([0, 319]);
    for (const x of [0, 320, 639]) {
      expect(at(lb.data, 0, 319, x)).toBeCloseTo(200 / 255, 6);
      expect(at(lb.data, 2, 318, x)).toBeCloseTo(114 / 255, 6);
      expect(at(lb.data, 1, 320, x)).toBeCloseTo(114 / 255, 6);
    }
  });

  it('a 100000-wide image and a SharedArrayBuffer out are refused', () => {
    expectThrows([
      [() => letterbox(gray(100_000, 1)), /^letterbox: image.width must be an integer in \[1, 65536\], received 100000$/],
      [
        () => letterbox(gray(10, 10), { out: new Float32Array(new SharedArrayBuffer(640 * 640 * 3 * 4)) }),
        /^letterbox: options.out must be a Float32Array on an ArrayBuffer \(a SharedArrayBuffer cannot be written safely from a native thread\)/,
      ],
    ]);
  });
});

describe('fuzz cases: metadata no model can work with', () => {
  const cases: Array<[string, string, string]> = [
    ['names', '{}', "Detector: the model's metadata names no classes (names: {})"],
    ['stride', '5000', "Detector: the model's stride 5000 is above 4096"],
    ['imgsz', '100000', "Detector: the model's imgsz [100000, 100000] is above 8192"],
  ];
  for (const [key, value, message] of cases) {
    it(`${key}: ${value} is refused at Detector.create with ERR_BAD_MODEL`, async () => {
      const err = await rejection(Detector.create(withMetadata(key, value)));
      expect(err.code).toBe('ERR_BAD_MODEL');
      expect(err.message).toBe(message);
    });
  }
});
