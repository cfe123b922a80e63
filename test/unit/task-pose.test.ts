import { afterAll, describe, expect, it } from 'vitest';

import {
  headFor,
  kptShape,
  letterbox,
  letterboxFrame,
  loadImage,
  OnnxRuntimeBackend,
  poseHead,
  type TrtjsError,
  type ModelInfo,
  type PoseResult,
  type RawImage,
} from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';
import { constantModel, namesLiteral } from '../helpers/task-models.js';

const f32 = Math.fround;
const NK = 17;
const A = 6; // anchors

/**
 * A pose head [1, 4 + 1 + 17 * 3, A] (channels first, as exported): per anchor cx, cy, w, h, score and 17 keypoints,
 * keypoint j of anchor a at (100 + 10 a + j, 150 + 20 j) in model-input pixels, visibility j / 17.
 */
function poseHeadOutput(): Float32Array {
  const C = 5 + NK * 3;
  const out = new Float32Array(C * A);
  const set = (c: number, a: number, v: number) => (out[c * A + a] = v);
  const anchors = [
    // cx, cy, w, h, score
    [200, 300, 100, 200, 0.9], // kept
    [202, 301, 100, 200, 0.8], // overlaps anchor 0 (IoU > 0.7): suppressed
    [500, 400, 80, 160, 0.6], // kept
    [50, 150, 60, 120, 0.2], // below conf 0.25
    [600, 200, 40, 60, 0.6], // same score as anchor 2: kept after it (stable order)
    [320, 600, 100, 100, 0.95], // box and keypoints partly in the padding / off the image
  ];
  anchors.forEach(([cx, cy, w, h, s], a) => {
    [cx, cy, w, h, s].forEach((v, c) => {
      set(c, a, v);
    });
    for (let j = 0; j < NK; j++) {
      set(5 + j * 3, a, a === 5 ? -40 + 50 * j : 100 + 10 * a + j);
      set(5 + j * 3 + 1, a, a === 5 ? 600 + 10 * j : 150 + 20 * j);
      set(5 + j * 3 + 2, a, j / NK);
    }
  });
  return out;
}

const metadata = { task: 'pose', kpt_shape: '[17, 3]', names: namesLiteral(['person']), imgsz: '[640, 640]', stride: '32' };
const backends: OnnxRuntimeBackend[] = [];
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

async function run(model: Uint8Array, source: RawImage, options: object = {}): Promise<PoseResult> {
  const backend = await OnnxRuntimeBackend.load(model);
  backends.push(backend);
  const head = headFor(backend.info, 'pose');
  const lb = letterbox(source, { size: 640 });
  const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
  return head.postprocess(outputs, [letterboxFrame(lb)], head.options('test', options), backend.info)[0] as PoseResult;
}

const landscape: RawImage = { data: new Uint8Array(1280 * 720 * 3).fill(90), width: 1280, height: 720, channels: 3, order: 'rgb' };

describe('pose decoding on a synthetic head (through ONNX Runtime with Ultralytics metadata)', () => {
  it('keeps the NMS survivors with their own keypoints, scaled like scale_coords and clipped, visibility unchanged', async () => {
    const r = await run(constantModel(640, 640, [{ name: 'output0', dims: [1, 5 + NK * 3, A], data: poseHeadOutput() }], metadata), landscape);
    // 1280x720 into 640x640: gain 0.5; scale_boxes pads round(140 - 0.1) = 140 px on top; scale_coords uses
    // (640 - 720 * 0.5) / 2 = 140 too (no rounding needed here).
    expect(r.task).toBe('pose');
    expect(Array.from(r.boxes.conf)).toEqual([0.95, 0.9, 0.6, 0.6].map(f32));
    const kept = [5, 0, 2, 4];
    expect(r.keypoints.count).toBe(4);
    expect(r.keypoints.shape).toEqual([17, 3]);
    const expectedBox = (cx: number, cy: number, w: number, h: number) =>
      [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2].map((v, k) => Math.min(Math.max((k % 2 ? v - 140 : v) / 0.5, 0), k % 2 ? 720 : 1280));
    const rows = [
      [320, 600, 100, 100],
      [200, 300, 100, 200],
      [500, 400, 80, 160],
      [600, 200, 40, 60],
    ];
    rows.forEach((b, i) => {
      expect(Array.from(r.boxes.xyxy.subarray(i * 4, i * 4 + 4))).toEqual(expectedBox(b[0], b[1], b[2], b[3]).map(f32));
    });
    kept.forEach((a, i) => {
      for (let j = 0; j < NK; j++) {
        const x = a === 5 ? -40 + 50 * j : 100 + 10 * a + j;
        const y = a === 5 ? 600 + 10 * j : 150 + 20 * j;
        const ex = Math.min(Math.max(x / 0.5, 0), 1280);
        const ey = Math.min(Math.max((y - 140) / 0.5, 0), 720);
        const at = (i * NK + j) * 3;
        expect([r.keypoints.data[at], r.keypoints.data[at + 1]], `instance ${i} keypoint ${j}`).toEqual([f32(ex), f32(ey)]);
        expect(r.keypoints.data[at + 2]).toBe(f32(j / NK));
        expect([r.keypoints.xy[(i * NK + j) * 2], r.keypoints.xy[(i * NK + j) * 2 + 1]]).toEqual([f32(ex), f32(ey)]);
        expect(r.keypoints.conf![i * NK + j]).toBe(f32(j / NK));
      }
    });
    // The off-image instance really was clipped on both sides.
    const xs = Array.from({ length: NK }, (_, j) => r.keypoints.xy[j * 2]);
    const ys = Array.from({ length: NK }, (_, j) => r.keypoints.xy[j * 2 + 1]);
    expect(Math.min(...xs)).toBe(0);
    expect(Math.max(...xs)).toBe(1280);
    expect(Math.max(...ys)).toBe(720);
  });

  it('end-to-end heads ([1, N, 6 + 51]: x1, y1, x2, y2, score, class, keypoints) are thresholded and scaled', async () => {
    const N = 3;
    const rows = new Float32Array(N * (6 + NK * 3));
    const put = (r: number, v: number[]) => rows.set(v, r * (6 + NK * 3));
    put(0, [100, 200, 300, 400, 0.9, 0, ...Array.from({ length: NK }, (_, j) => [320 + j, 320 - j, 1]).flat()]);
    put(1, [110, 210, 310, 410, 0.85, 0, ...new Array(NK * 3).fill(0)]); // overlaps row 0 but NMS-free: kept
    put(2, [0, 0, 10, 10, 0.1, 0, ...new Array(NK * 3).fill(0)]);
    const model = constantModel(640, 640, [{ name: 'output0', dims: [1, N, 6 + NK * 3], data: rows }], { ...metadata, end2end: 'True' });
    const square: RawImage = { data: new Uint8Array(64 * 64 * 3), width: 64, height: 64, channels: 3, order: 'rgb' };
    const r = await run(model, square);
    expect(r.boxes.count).toBe(2);
    expect(Array.from(r.boxes.xyxy.subarray(0, 4))).toEqual([10, 20, 30, 40]); // gain 10, no padding
    expect(r.keypoints.data[0]).toBe(32);
    expect(r.keypoints.data[1]).toBe(32);
    expect(r.keypoints.data[2]).toBe(1);
  });

  it('loads the real pose export, recognises it as pose [17, 3], and finds nobody (its scores are all 0)', async () => {
    const backend = await OnnxRuntimeBackend.load(fixture('models/yolo11n-pose_int8_zero_scores.onnx'));
    backends.push(backend);
    expect(headFor(backend.info).task).toBe('pose');
    expect(kptShape(backend.info)).toEqual([17, 3]);
    const raw = await loadImage(fixture('images/bus.jpg'));
    const lb = letterbox(raw, { size: 640 });
    const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
    expect(outputs.output0.dims).toEqual([1, 56, 8400]);
    const [r] = poseHead.postprocess(outputs, [letterboxFrame(lb)], poseHead.options('test', { conf: 0 }), backend.info);
    expect(r.boxes.count).toBe(0);
    expect(r.keypoints).toMatchObject({ count: 0, shape: [17, 3] });
    expect(r.keypoints.data.length).toBe(0);
    expect(r.sourceSize).toEqual([810, 1080]);
  });
});

describe('pose: bad metadata and layouts', () => {
  const info = (kpt: string | undefined, channels = 56): ModelInfo => ({
    format: 'onnx',
    task: 'pose',
    names: ['person'],
    inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
    outputs: [{ name: 'output0', dtype: 'float32', shape: [1, channels, 8400] }],
    metadata: kpt === undefined ? {} : { kpt_shape: kpt },
  });
  const code = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return [(e as TrtjsError).code, (e as Error).message];
    }
    return ['none', ''];
  };

  it('refuses a missing or malformed kpt_shape with ERR_BAD_MODEL saying what it found', () => {
    expect(code(() => headFor(info(undefined)))).toEqual([
      'ERR_BAD_MODEL',
      "pose model: the metadata has no 'kpt_shape' (e.g. [17, 3]); without it the keypoint layout is unknown",
    ]);
    for (const bad of ['[17]', '[17, 4]', '[0, 3]', "'17, 3'", '[17.5, 3]']) {
      expect(
        code(() => headFor(info(bad))),
        bad,
      ).toEqual(['ERR_BAD_MODEL', `pose model: metadata 'kpt_shape' must be [keypoints >= 1, 2 or 3], got ${JSON.stringify(bad)}`]);
    }
    expect(code(() => headFor(info('[17, 3')))[0]).toBe('ERR_BAD_MODEL');
  });

  it('refuses an output whose channels do not match kpt_shape', () => {
    const [c, m] = code(() => headFor(info('[17, 2]')));
    expect(c).toBe('ERR_BAD_MODEL');
    expect(m).toMatch(/pose model: output 'output0' \[1, 56, 8400\]: with 1 classes and 34 extra values the head has 39 channels/);
    expect(code(() => headFor(info('[17, 2]', 39)))[0]).toBe('none');
  });
});
