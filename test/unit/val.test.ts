import { describe, expect, it } from 'vitest';

import { DetectionMetrics, computeAp } from '../../lib/val/metrics.js';
import { val } from '../../lib/val/val.js';
import { fixture } from '../helpers/fixtures.js';

const f32 = (a: number[]) => Float32Array.from(a);
const i32 = (a: number[]) => Int32Array.from(a);

describe('metrics (Ultralytics DetectionValidator)', () => {
  it("perfect predictions give 0.995, Ultralytics' ceiling (np.interp at recall 1 returns the trailing 0)", () => {
    const m = new DetectionMetrics();
    m.add(
      { boxes: f32([0, 0, 10, 10, 20, 20, 40, 40]), scores: f32([0.9, 0.8]), classes: i32([0, 0]) },
      { boxes: f32([0, 0, 10, 10, 20, 20, 40, 40]), classes: i32([0, 0]) },
    );
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.995, 9);
    expect(r.map5095).toBeCloseTo(0.995, 9);
    expect(r.precision).toBeCloseTo(1, 6);
    expect(r.recall).toBeCloseTo(1, 6);
  });

  it('a false positive ranked above the true positive: AP 0.4975 (101-point trapezoid, derived by hand)', () => {
    expect(computeAp([0, 1], [0, 0.5])).toBeCloseTo(0.4975, 12);
    const m = new DetectionMetrics();
    m.add({ boxes: f32([50, 50, 60, 60, 0, 0, 10, 10]), scores: f32([0.9, 0.8]), classes: i32([0, 0]) }, { boxes: f32([0, 0, 10, 10]), classes: i32([0]) });
    expect(m.result().map50).toBeCloseTo(0.4975, 9);
  });

  it('a box counts only at the IoU thresholds it reaches', () => {
    // IoU 75 / (100 + 1e-7) is exactly 0.75 in float32, as torch computes it: a hit at 0.50..0.75, a miss at 0.80..0.95.
    const m = new DetectionMetrics();
    m.add({ boxes: f32([0, 0, 10, 7.5]), scores: f32([0.9]), classes: i32([0]) }, { boxes: f32([0, 0, 10, 10]), classes: i32([0]) });
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.995, 9);
    expect(r.map5095).toBeCloseTo(0.995 * 0.6, 9);
    // 0.7 of the box: a hit at 0.50..0.70 only.
    const n = new DetectionMetrics();
    n.add({ boxes: f32([0, 0, 10, 7]), scores: f32([0.9]), classes: i32([0]) }, { boxes: f32([0, 0, 10, 10]), classes: i32([0]) });
    expect(n.result().map5095).toBeCloseTo(0.995 * 0.5, 9);
  });

  it('the wrong class never matches; classes without labels are left out of the mean', () => {
    const m = new DetectionMetrics();
    m.add({ boxes: f32([0, 0, 10, 10]), scores: f32([0.9]), classes: i32([1]) }, { boxes: f32([0, 0, 10, 10]), classes: i32([0]) });
    const r = m.result();
    expect(r.perClass.map((c) => c.classId)).toEqual([0]);
    expect(r.map50).toBe(0);
  });

  it('each label is matched once: a duplicate detection is a false positive', () => {
    const m = new DetectionMetrics();
    m.add({ boxes: f32([0, 0, 10, 10, 0, 0, 10, 10]), scores: f32([0.9, 0.8]), classes: i32([0, 0]) }, { boxes: f32([0, 0, 10, 10]), classes: i32([0]) });
    // recall [1, 1], precision [1, 0.5]: the envelope is 1 up to recall 1.
    expect(m.result().map50).toBeCloseTo(1 - 0.005, 9);
  });

  it('background images and missing predictions are counted', () => {
    const m = new DetectionMetrics();
    m.add({ boxes: f32([]), scores: f32([]), classes: i32([]) }, { boxes: f32([0, 0, 5, 5]), classes: i32([3]) });
    m.add({ boxes: f32([0, 0, 5, 5]), scores: f32([0.5]), classes: i32([3]) }, { boxes: f32([]), classes: i32([]) });
    const r = m.result();
    expect(r.images).toBe(2);
    expect(r.instances).toBe(1);
    expect(r.map50).toBe(0);
    expect(new DetectionMetrics().result().map50).toBe(0);
  });
});

describe('val on coco128', () => {
  it('yolov8n_int8: mAP50-95 and mAP50 over all 128 images', async () => {
    let progress = 0;
    const r = await val({
      data: fixture('coco128/coco128.yaml'),
      root: fixture('coco128'),
      model: fixture('models/yolov8n_int8.onnx'),
      onProgress: (d) => (progress = d),
    });
    expect(progress).toBe(128);
    if (r.task !== 'detect') throw new Error(`expected a detection result, got ${r.task}`);
    expect(r.instances).toBe(929);
    // Measured here: 0.439 / 0.597 (published float YOLOv8n on coco128: about 0.45 / 0.61).
    expect(r.map5095).toBeGreaterThan(0.42);
    expect(r.map5095).toBeLessThan(0.46);
    expect(r.map50).toBeGreaterThan(0.58);
    expect(r.map50).toBeLessThan(0.62);
    console.log(
      `[unit] coco128 yolov8n_int8: mAP50-95 ${r.map5095.toFixed(4)}, mAP50 ${r.map50.toFixed(4)}, P ${r.precision.toFixed(3)}, R ${r.recall.toFixed(3)}, ${r.msPerImage.toFixed(0)} ms/image`,
    );
  });
});
