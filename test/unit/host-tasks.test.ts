/**
 * ModelHost for every task: hot swap of real segmentation models under load, candidates of another task refused at
 * validate with the tasks named, detect() kept for detection hosts, and the golden check of each task (boxes,
 * rotated boxes by probabilistic IoU, the top-1 class).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { ModelHost, OnnxRuntimeBackend, Predictor, TrtjsError, loadImage, type RawImage } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';
import { colourClassifier, obbModel, poseModel } from '../helpers/task-models.js';

const dir = mkdtempSync(join(tmpdir(), 'trtjs-host-tasks-'));
const file = (name: string, bytes: Uint8Array) => {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};
const v8seg = fixture('models/yolov8n-seg_int8_480x640.onnx');
const v11seg = fixture('models/yolo11n-seg_int8_480x640.onnx');
const zidane = await loadImage(fixture('images/zidane.jpg'));
const bus = await loadImage(fixture('images/bus.jpg'));

async function expectRejection(p: Promise<unknown>, code: string, stage?: string): Promise<TrtjsError & { stage?: string }> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as TrtjsError & { stage?: string };
  expect(err, 'expected a rejection').toBeInstanceOf(TrtjsError);
  expect(err.code, err.message).toBe(code);
  if (stage) expect(err.stage, err.message).toBe(stage);
  return err;
}

const solid = (rgb: number[], w = 40, h = 30): RawImage => ({
  data: Uint8Array.from({ length: w * h * 3 }, (_, i) => rgb[i % 3]),
  width: w,
  height: h,
  channels: 3,
  order: 'rgb',
});

describe('ModelHost serving segmentation models', () => {
  it('hot-swaps yolov8n-seg and yolo11n-seg under load, refuses a detection candidate naming both tasks, fails no request', async () => {
    const live = OnnxRuntimeBackend.live;
    const host = await ModelHost.open(v8seg, { minSwapIntervalMs: 0, golden: { image: bus }, warmup: 1 });
    expect(host.task).toBe('segment');
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const loop = async () => {
      while (!stop) {
        try {
          const r = await host.predict(zidane);
          if (r.task !== 'segment') failures.push(`a ${r.task} result`);
          else if (Array.from(r.boxes.cls).filter((c, i) => c === 0 && r.boxes.conf[i] > 0.5).length !== 2 || r.masks.data.length !== r.boxes.count)
            failures.push('not the two people with masks');
          else ok++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const loops = [loop(), loop()];
    for (const next of [v11seg, v8seg, v11seg]) {
      expect((await host.swap(next)).source).toBe(next);
    }
    const detector = await expectRejection(host.swap(fixture('models/yolov8n_int8.onnx')), 'ERR_VALIDATION', 'validate');
    expect(detector.message).toBe(
      'candidate rejected at validate: the candidate is a detect model; this host serves a segment model (a host serves one task: open another ModelHost for detect)',
    );
    const smaller = await expectRejection(host.swap(fixture('models/yolov8n-seg_int8_320.onnx')), 'ERR_VALIDATION', 'validate');
    expect(smaller.message).toMatch(/inputs differ: serving images float32 \[1, 3, 480, 640\], candidate images float32 \[1, 3, 320, 320\]/);
    stop = true;
    await Promise.all(loops);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(3);

    const misuse = await expectRejection(host.detect(zidane), 'ERR_BAD_INPUT');
    expect(misuse.message).toBe('ModelHost.detect: this host serves a segment model; detect() is for detect models, use predict() (it gives segment results)');
    const batch = await host.predictBatch([bus, zidane], { conf: 0.5 });
    expect(batch.map((r) => r.task)).toEqual(['segment', 'segment']);
    const direct = await Predictor.create(v11seg);
    const [want] = await direct.predictBatch([bus], { conf: 0.5 });
    await direct.dispose();
    if (batch[0].task !== 'segment' || want.task !== 'segment') throw new Error('expected segment results');
    expect(Array.from(batch[0].boxes.xyxy)).toEqual(Array.from(want.boxes.xyxy));
    expect(host.status().swaps.filter((s) => s.result === 'swapped')).toHaveLength(3);
    await host.close();
    expect(OnnxRuntimeBackend.live).toBe(live);
  });

  it('a detection host still answers detect(); a segmentation candidate is refused there', async () => {
    await using host = await ModelHost.open(fixture('models/yolo11n_int8_320.onnx'), { minSwapIntervalMs: 0, warmup: 0 });
    expect(host.task).toBe('detect');
    expect((await host.detect(bus)).some((d) => d.className === 'bus')).toBe(true);
    const r = await host.predict(bus);
    expect(r.task).toBe('detect');
    const err = await expectRejection(host.swap(fixture('models/yolov8n-seg_int8_320.onnx')), 'ERR_VALIDATION', 'validate');
    expect(err.message).toMatch(/the candidate is a segment model; this host serves a detect model/);
  });
});

describe('ModelHost golden check for every task', () => {
  it('classify: the top-1 class on the golden image must agree', async () => {
    const good = file('colour.onnx', colourClassifier({ size: 16 }));
    const swapped = file('colour-swapped.onnx', colourClassifier({ size: 16, order: [0, 1, 2] }));
    await using host = await ModelHost.open(good, { minSwapIntervalMs: 0, golden: { image: solid([20, 30, 220]) } });
    expect(host.task).toBe('classify');
    expect((await host.swap(good)).version).toBe(2);
    const err = await expectRejection(host.swap(swapped), 'ERR_VALIDATION', 'golden');
    expect(err.message).toBe('candidate rejected at golden: expected top-1 blue 1.00, the candidate says red 1.00');
    const detections = await expectRejection(ModelHost.open(good, { golden: { image: solid([20, 30, 220]), expected: [] } }), 'ERR_BAD_INPUT');
    expect(detections.message).toMatch(/options.golden.expected is a list of detections, which fits detect, segment and pose models; this is a classify model/);
  });

  it('obb: rotated boxes matched by probabilistic IoU', async () => {
    const image = solid([100, 100, 100], 64, 64);
    await using host = await ModelHost.open(file('obb.onnx', obbModel(64)), { minSwapIntervalMs: 0, golden: { image } });
    expect(host.task).toBe('obb');
    await host.swap(file('obb-same.onnx', obbModel(64)));
    const err = await expectRejection(host.swap(file('obb-moved.onnx', obbModel(64, 0.3))), 'ERR_VALIDATION', 'golden');
    expect(err.message).toMatch(
      /^candidate rejected at golden: expected plane 0\.90 at \[32, 32, 38, 16\] \(cx, cy, w, h\), closest is 0\.90 at probabilistic IoU 0\.\d\d$/,
    );
    // The same expectation given as a result of the host's task.
    await using predictor = await Predictor.create(file('obb-expected.onnx', obbModel(64)));
    const expected = await predictor.predict(image);
    await using strict = await ModelHost.open(file('obb2.onnx', obbModel(64)), { minSwapIntervalMs: 0, golden: { image, expected } });
    await expectRejection(strict.swap(file('obb-moved2.onnx', obbModel(64, 0.3))), 'ERR_VALIDATION', 'golden');
    const wrongTask = await expectRejection(ModelHost.open(file('pose.onnx', poseModel(64)), { golden: { image, expected } }), 'ERR_BAD_INPUT');
    expect(wrongTask.message).toBe('ModelHost.open: options.golden.expected is an obb result; this is a pose model: give a pose result');
  });

  it('pose: boxes compared as for detection; detect() refused', async () => {
    const image = solid([100, 100, 100], 64, 64);
    await using host = await ModelHost.open(file('pose-a.onnx', poseModel(64)), { minSwapIntervalMs: 0, golden: { image } });
    await host.swap(file('pose-b.onnx', poseModel(64)));
    const r = await host.predict(image);
    if (r.task !== 'pose') throw new Error(`expected pose, got ${r.task}`);
    expect(r.keypoints.count).toBe(1);
    await expectRejection(host.detect(image), 'ERR_BAD_INPUT');
  });
});
