import { afterAll, describe, expect, it } from 'vitest';

import {
  classifyHead,
  Detector,
  detectHead,
  headFor,
  letterbox,
  letterboxFrame,
  loadImage,
  OnnxRuntimeBackend,
  poseHead,
  probsOf,
  readModelInfo,
  segmentHead,
  taskOf,
  type TrtjsError,
  type ModelInfo,
  type PoseResult,
  type SegmentResult,
  type Tensor,
} from '../../lib/index.js';
import { floatToHalf } from '../../lib/onnx/half.js';
import { fixture } from '../helpers/fixtures.js';
import { constantModel, namesLiteral } from '../helpers/task-models.js';

const backends: OnnxRuntimeBackend[] = [];
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

const info = (task: string | undefined, outputs: ModelInfo['outputs'], extra: Partial<ModelInfo> = {}): ModelInfo => ({
  format: 'onnx',
  ...(task ? { task } : {}),
  inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
  outputs,
  metadata: {},
  ...extra,
});

describe('task registry', () => {
  it('takes the task from the metadata, else from the outputs', async () => {
    expect(taskOf(await readModelInfo(fixture('models/yolov8n_int8.onnx')))).toBe('detect');
    expect(taskOf(await readModelInfo(fixture('models/yolo11n-seg_int8_480x640.onnx')))).toBe('segment');
    expect(taskOf(await readModelInfo(fixture('models/yolo11n-pose_int8_zero_scores.onnx')))).toBe('pose');
    expect(
      taskOf(
        info(undefined, [
          { name: 'o', dtype: 'float32', shape: [1, 116, 8400] },
          { name: 'p', dtype: 'float32', shape: [1, 32, 160, 160] },
        ]),
      ),
    ).toBe('segment');
    expect(taskOf(info(undefined, [{ name: 'o', dtype: 'float32', shape: [1, 1000] }]))).toBe('classify');
    expect(taskOf(info(undefined, [{ name: 'o', dtype: 'float32', shape: [1, 84, 8400] }]))).toBe('detect');
  });

  it('refuses a model of another task than the one asked for, naming both', async () => {
    const seg = await readModelInfo(fixture('models/yolov8n-seg_int8_320.onnx'));
    let err: unknown;
    try {
      headFor(seg, 'detect');
    } catch (e) {
      err = e;
    }
    expect((err as TrtjsError).code).toBe('ERR_BAD_MODEL');
    expect((err as Error).message).toBe('expected a detect model, this one is a segment model');
  });

  it('refuses a classification model whose input is not square or whose names disagree with its output', () => {
    const code = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return (e as Error).message;
      }
      return 'none';
    };
    expect(code(() => classifyHead.check(info('classify', [{ name: 'o', dtype: 'float32', shape: [1, 10] }], { names: ['a', 'b'] })))).toBe(
      "classify model: output 'o' has 10 classes but the metadata names 2",
    );
    expect(
      code(() =>
        classifyHead.check(
          info('classify', [{ name: 'o', dtype: 'float32', shape: [1, 2] }], { inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 224, 256] }] }),
        ),
      ),
    ).toMatch(/input \[1, 3, 224, 256\] is not square/);
    expect(code(() => classifyHead.check(info('classify', [{ name: 'o', dtype: 'float32', shape: [1, 84, 8400] }])))).toMatch(
      /classify model: no output of shape \[batch, classes\]/,
    );
  });
});

describe('detect head', () => {
  it('gives what Detector gives on the real model', async () => {
    const backend = await OnnxRuntimeBackend.load(fixture('models/yolov8n_int8.onnx'));
    backends.push(backend);
    const detector = await Detector.create(fixture('models/yolov8n_int8.onnx'));
    for (const image of ['bus.jpg', 'zidane.jpg']) {
      const raw = await loadImage(fixture(`images/${image}`));
      const lb = letterbox(raw, { size: 640 });
      const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
      const [r] = detectHead.postprocess(outputs, [letterboxFrame(lb)], detectHead.options('test', {}), backend.info);
      const dets = await detector.detect(raw);
      expect(r.boxes.count).toBe(dets.length);
      dets.forEach((d, i) => {
        expect(Array.from(r.boxes.xyxy.subarray(i * 4, i * 4 + 4))).toEqual(d.box);
        expect(r.names[r.boxes.cls[i]]).toBe(d.className);
      });
    }
    await detector.dispose();
  });
});

describe('classify head', () => {
  it('ranks classes by probability, equal ones in class order', () => {
    const p = probsOf(Float32Array.of(0.1, 0.3, 0.05, 0.3, 0.2, 0.05));
    expect(p.top1).toBe(1);
    expect(p.top5).toEqual([1, 3, 4, 0, 2]);
    expect(p.top5conf).toEqual([0.3, 0.3, 0.2, 0.1, 0.05].map(Math.fround));
    expect(probsOf(Float32Array.of(0.4, 0.6)).top5).toEqual([1, 0]);
  });

  it('ranks NaN last and infinities at their ends, as torch argsort does', () => {
    const p = probsOf(Float32Array.of(Number.NaN, 0.2, Number.POSITIVE_INFINITY, Number.NaN, 0.7, Number.NEGATIVE_INFINITY, 0.2));
    expect(p.top5).toEqual([2, 4, 1, 6, 5]);
    expect(p.top1).toBe(2);
    expect(probsOf(Float32Array.of(Number.NaN, Number.NaN, 0.1)).top5).toEqual([2, 0, 1]);
  });

  it('reads float16 probabilities and one result per image of a batch', () => {
    const probs = [0.125, 0.5, 0.375, 0.25, 0.25, 0.5];
    const out: Tensor = { dtype: 'float16', dims: [2, 3], data: Uint16Array.from(probs, floatToHalf) };
    const frame = {
      kind: 'classify' as const,
      inputSize: [8, 8] as [number, number],
      resized: [8, 8] as [number, number],
      crop: [0, 0] as [number, number],
      sourceSize: [8, 8] as [number, number],
    };
    const m = info('classify', [{ name: 'output0', dtype: 'float16', shape: [-1, 3] }], { names: ['a', 'b', 'c'] });
    const r = classifyHead.postprocess({ output0: out }, [frame, frame], {}, m);
    expect(r.map((x) => x.probs.top1)).toEqual([1, 2]);
    expect(Array.from(r[1].probs.data)).toEqual([0.25, 0.25, 0.5]);
    expect(r[0].names).toEqual(['a', 'b', 'c']);
  });
});

describe('segment head on synthetic outputs', () => {
  // Input 32x32, 2 classes, 2 prototypes of 8x8: prototype 0 is +1 on the left half and -1 on the right, prototype 1
  // is +1 on the top half and -1 on the bottom.
  const protos = new Float32Array(2 * 8 * 8);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      protos[y * 8 + x] = x < 4 ? 1 : -1;
      protos[64 + y * 8 + x] = y < 4 ? 1 : -1;
    }
  }

  it('end-to-end heads ([1, N, 6 + nm] and prototypes) give boxes and masks without NMS', async () => {
    // Row 0: box over the whole image, coefficients (1, 0): the left half. Row 1: same box, coefficients (0, -1):
    // the bottom half. Row 2 is below conf.
    const rows = Float32Array.of(0, 0, 32, 32, 0.9, 1, 1, 0, 0, 0, 32, 32, 0.8, 0, 0, -1, 1, 1, 5, 5, 0.1, 0, 1, 1);
    const model = constantModel(
      32,
      32,
      [
        { name: 'output0', dims: [1, 3, 8], data: rows },
        { name: 'output1', dims: [1, 2, 8, 8], data: protos },
      ],
      { task: 'segment', names: namesLiteral(['a', 'b']), end2end: 'True', imgsz: '[32, 32]' },
    );
    const backend = await OnnxRuntimeBackend.load(model);
    backends.push(backend);
    const head = headFor(backend.info, 'segment');
    const raw = { data: new Uint8Array(32 * 32 * 3), width: 32, height: 32, channels: 3 as const, order: 'rgb' as const };
    const lb = letterbox(raw, { size: 32 });
    const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
    const [r] = head.postprocess(outputs, [letterboxFrame(lb)], head.options('test', {}), backend.info) as SegmentResult[];
    expect(r.boxes.count).toBe(2);
    expect(Array.from(r.boxes.cls)).toEqual([1, 0]);
    // Prototype pixel 3 is +1 and pixel 4 is -1: upsampled x4 with half-pixel centres, the sign changes at 16.
    expect(r.masks.data[0]).toMatchObject({ x: 0, y: 0, width: 16, height: 32 });
    expect(r.masks.data[1]).toMatchObject({ x: 0, y: 16, width: 32, height: 16 });
    expect(r.masks.data.every((m) => m.data.every((v) => v === 1))).toBe(true);
    expect(Array.from(r.masks.xy[0])).toEqual([0, 0, 0, 31, 15, 31, 15, 0]);
  });

  it('reads float16 outputs like float32 ones', async () => {
    const backend = await OnnxRuntimeBackend.load(fixture('models/yolov8n-seg_int8_320.onnx'));
    backends.push(backend);
    const raw = await loadImage(fixture('images/bus.jpg'));
    const lb = letterbox(raw, { size: 320 });
    const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
    // The same outputs rounded to float16, as a half-precision engine would give them.
    const half = (t: Tensor): Tensor => ({ dtype: 'float16', dims: t.dims, data: Uint16Array.from(t.data as Float32Array, floatToHalf) });
    const rounded = (t: Tensor): Tensor => ({ dtype: 'float32', dims: t.dims, data: Float32Array.from(half(t).data as Uint16Array, halfBits) });
    const o = segmentHead.options('test', {});
    const [a] = segmentHead.postprocess({ output0: half(outputs.output0), output1: half(outputs.output1) }, [letterboxFrame(lb)], o, backend.info);
    const [b] = segmentHead.postprocess({ output0: rounded(outputs.output0), output1: rounded(outputs.output1) }, [letterboxFrame(lb)], o, backend.info);
    expect(a.boxes.count).toBeGreaterThan(0);
    expect(Array.from(a.boxes.xyxy)).toEqual(Array.from(b.boxes.xyxy));
    expect(a.masks.data.map((m) => [m.x, m.y, m.width, m.height])).toEqual(b.masks.data.map((m) => [m.x, m.y, m.width, m.height]));
  });
});

/** IEEE half bits to a number, written out here (independent of lib/onnx/half.ts). */
function halfBits(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

describe('pose head on float16 outputs', () => {
  it('decodes half-precision heads like their float32 values', () => {
    const A = 4;
    const out = new Float32Array(56 * A);
    for (let a = 0; a < A; a++) {
      [100 + 50 * a, 100, 40, 80, 0.5 + 0.1 * a].forEach((v, c) => {
        out[c * A + a] = v;
      });
      for (let k = 0; k < 51; k++) out[(5 + k) * A + a] = k % 3 === 2 ? 0.5 : 60 + k + a;
    }
    const m = info('pose', [{ name: 'output0', dtype: 'float16', shape: [1, 56, A] }], { names: ['person'], metadata: { kpt_shape: '[17, 3]' } });
    const frame = {
      kind: 'letterbox' as const,
      inputSize: [640, 640] as [number, number],
      scale: [1, 1] as [number, number],
      pad: [0, 0] as [number, number],
      resized: [640, 640] as [number, number],
      sourceSize: [640, 640] as [number, number],
    };
    const bits = Uint16Array.from(out, floatToHalf);
    const [h] = poseHead.postprocess({ output0: { dtype: 'float16', dims: [1, 56, A], data: bits } }, [frame], poseHead.options('t', {}), m) as PoseResult[];
    const [f] = poseHead.postprocess(
      { output0: { dtype: 'float32', dims: [1, 56, A], data: Float32Array.from(bits, halfBits) } },
      [frame],
      poseHead.options('t', {}),
      m,
    ) as PoseResult[];
    expect(h.boxes.count).toBe(4);
    expect(Array.from(h.keypoints.data)).toEqual(Array.from(f.keypoints.data));
    expect(Array.from(h.boxes.conf)).toEqual(Array.from(f.boxes.conf));
  });
});
