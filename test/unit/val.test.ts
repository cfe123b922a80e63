import { describe, expect, it } from 'vitest';

import { DetectionMetrics, computeAp } from '../../lib/val/metrics.js';
import { labelPathFor, readYoloDataset, toPixelBoxes } from '../../lib/val/dataset.js';
import { val } from '../../lib/val/val.js';
import { fixture } from '../helpers/fixtures.js';

const f32 = (a: number[]) => Float32Array.from(a);
const i32 = (a: number[]) => Int32Array.from(a);

describe('metrics (Ultralytics DetectionValidator)', () => {
  it("perfect predictions give 0.995, Ultralytics' ceiling (np.interp at recall 1 returns the trailing 0)", () => {
    const m = new DetectionMetrics();
    m.add({ boxes: f32([0, 0, 10, 10, 20, 20, 40, 40]), scores: f32([0.9, 0.8]), classes: i32([0, 0]) }, { boxes: f32([0, 0, 10, 10, 20, 20, 40, 40]), classes: i32([0, 0]) });
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
    // IoU 0.75 (minus Ultralytics' 1e-7): a hit at 0.50..0.70, a miss at 0.75..0.95.
    const m = new DetectionMetrics();
    m.add({ boxes: f32([0, 0, 10, 7.5]), scores: f32([0.9]), classes: i32([0]) }, { boxes: f32([0, 0, 10, 10]), classes: i32([0]) });
    const r = m.result();
    expect(r.map50).toBeCloseTo(0.995, 9);
    expect(r.map5095).toBeCloseTo(0.4975, 9);
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

describe('YOLO dataset reader', () => {
  it('reads coco128: 128 images, 929 labelled boxes, 80 names, two background images', () => {
    const ds = readYoloDataset(fixture('coco128/coco128.yaml'), { root: fixture('coco128') });
    expect(ds.names).toHaveLength(80);
    expect(ds.names[0]).toBe('person');
    expect(ds.images).toHaveLength(128);
    expect(ds.images.filter((i) => i.classes.length > 0)).toHaveLength(126);
    expect(ds.images.reduce((a, i) => a + i.classes.length, 0)).toBe(929);
    const background = ds.images.filter((i) => i.classes.length === 0).map((i) => i.image.split('/').pop());
    expect(background).toEqual(['000000000250.jpg', '000000000508.jpg']);
  });

  it('maps image paths to label paths and normalized boxes to pixels', () => {
    expect(labelPathFor('/d/images/train2017/a.jpg')).toBe('/d/labels/train2017/a.txt');
    expect(Array.from(toPixelBoxes(f32([0.5, 0.5, 0.5, 0.25]), 200, 100))).toEqual([50, 37.5, 150, 62.5]);
  });

  it('rejects a YAML without names or a missing split path', () => {
    expect(() => readYoloDataset(fixture('coco128/coco128.yaml'), { root: '/nonexistent' })).toThrow(/does not exist/);
    expect(() => readYoloDataset(fixture('coco128/README.txt'))).toThrow(/names|mapping|YAML/);
  });
});

describe('val on coco128', () => {
  it('yolov8n_int8: mAP50-95 and mAP50 over all 128 images', async () => {
    let progress = 0;
    const r = await val({ data: fixture('coco128/coco128.yaml'), root: fixture('coco128'), model: fixture('models/yolov8n_int8.onnx'), onProgress: (d) => (progress = d) });
    expect(progress).toBe(128);
    expect(r.instances).toBe(929);
    // Measured here: 0.439 / 0.597 (published float YOLOv8n on coco128: about 0.45 / 0.61).
    expect(r.map5095).toBeGreaterThan(0.42);
    expect(r.map5095).toBeLessThan(0.46);
    expect(r.map50).toBeGreaterThan(0.58);
    expect(r.map50).toBeLessThan(0.62);
    console.log(`[unit] coco128 yolov8n_int8: mAP50-95 ${r.map5095.toFixed(4)}, mAP50 ${r.map50.toFixed(4)}, P ${r.precision.toFixed(3)}, R ${r.recall.toFixed(3)}, ${r.msPerImage.toFixed(0)} ms/image`);
  });
});
