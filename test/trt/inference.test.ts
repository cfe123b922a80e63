import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';

import { Detector, ModelHost, OnnxRuntimeBackend, TensorRtBackend, buildEngine, deviceMemory, letterbox, loadImage, type Detection } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';
import { halfToNumber } from '../helpers/random.js';
import { describeTier, tierStatus } from '../helpers/tiers.js';

const trt = await tierStatus('trt');

function iou(a: number[], b: number[]): number {
  const w = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const h = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  return (w * h) / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h);
}

function sameDetections(a: Detection[], b: Detection[], scoreTol: number) {
  for (const d of a.filter((x) => x.score > 0.3)) {
    const twin = b.filter((e) => e.classId === d.classId).sort((x, y) => iou(y.box, d.box) - iou(x.box, d.box))[0];
    expect(twin, `${d.className} ${d.score}`).toBeDefined();
    expect(iou(twin.box, d.box)).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(twin.score - d.score)).toBeLessThanOrEqual(scoreTol);
  }
}

describeTier(trt, 'TensorRT inference', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trtjs-infer-'));
  const fp32 = join(dir, 'fp32.engine');
  const fp16 = join(dir, 'fp16.engine');
  // Resolved when the tier runs, not while a skipped suite is collected.
  let onnx = '';

  beforeAll(async () => {
    onnx = fixture('models/yolov8n_dynamic_f32.onnx');
    writeFileSync(fp32, (await buildEngine({ onnx, shapes: 'images:1x3x320x320,1x3x640x640,2x3x1280x1280' })).engine);
    writeFileSync(fp16, (await buildEngine({ onnx, fp16: true, shapes: 'images:1x3x320x320,1x3x640x640,2x3x1280x1280' })).engine);
  }, 1_200_000);

  it('FP32 and FP16 engine outputs match ONNX Runtime within tolerance', async () => {
    const lb = letterbox(await loadImage(fixture('images/bus.jpg')));
    const feeds = { images: { dtype: 'float32' as const, dims: lb.shape, data: lb.data } };
    await using ort = await OnnxRuntimeBackend.load(onnx);
    const ref = (await ort.run(feeds)).output0.data as Float32Array;
    for (const [engine, tol] of [
      [fp32, 1e-2],
      [fp16, 5e-2],
    ] as const) {
      await using backend = await TensorRtBackend.load(engine);
      const out = (await backend.run(feeds)).output0;
      expect(out.dims).toEqual([1, 84, 8400]);
      const data = out.data as Float32Array;
      let maxCls = 0;
      for (let i = 4 * 8400; i < data.length; i++) maxCls = Math.max(maxCls, Math.abs(data[i] - ref[i]));
      expect(maxCls, engine).toBeLessThan(tol);
    }
  });

  it('Detector on engines finds what ONNX Runtime finds', async () => {
    await using ort = await Detector.create(onnx, { rect: false });
    for (const engine of [fp32, fp16]) {
      await using d = await Detector.create(engine, { rect: false });
      expect(d.backend.kind).toBe('tensorrt');
      for (const image of ['images/bus.jpg', 'images/zidane.jpg']) sameDetections(await ort.detect(fixture(image)), await d.detect(fixture(image)), 0.02);
    }
  });

  it('serves every profile of a multi-profile engine with several requests at once, then frees it on dispose', async () => {
    const multi = join(dir, 'multi.engine');
    const shapes = ['images:1x3x320x320,1x3x320x320,1x3x320x320', 'images:1x3x640x640,2x3x640x640,4x3x640x640'];
    writeFileSync(multi, (await buildEngine({ onnx, shapes })).engine);
    const bus = await loadImage(fixture('images/bus.jpg'));
    const batch = (b: number, size: number) => {
      const lb = letterbox(bus, { size });
      const data = new Float32Array(lb.data.length * b);
      for (let i = 0; i < b; i++) data.set(lb.data, i * lb.data.length);
      return { images: { dtype: 'float32' as const, dims: [b, 3, size, size], data } };
    };
    await using ort = await OnnxRuntimeBackend.load(onnx);
    const backend = await TensorRtBackend.load(multi, { contexts: 2 });
    expect(backend.info.profiles).toHaveLength(2);
    const requests = [
      [1, 320],
      [2, 640],
      [1, 640],
      [4, 640],
      [1, 320],
      [3, 640],
      [1, 320],
      [1, 640],
    ] as const;
    const outs = await Promise.all(requests.map(([b, s]) => backend.run(batch(b, s))));
    expect(backend.load).toEqual({ running: 0, waiting: 0 });
    for (let k = 0; k < requests.length; k++) {
      const [b, s] = requests[k];
      const ref = (await ort.run(batch(b, s))).output0;
      expect(outs[k].output0.dims).toEqual(ref.dims);
      const got = outs[k].output0.data as Float32Array;
      const want = ref.data as Float32Array;
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
      expect(worst, `[${b}, 3, ${s}, ${s}]`).toBeLessThan(1e-2);
    }
    await expect(backend.run(batch(2, 320))).rejects.toMatchObject({ code: 'ERR_SHAPE', message: /no optimization profile/ });
    const pending = backend.run(batch(1, 320));
    await backend.dispose();
    await pending; // a request already running finishes before the engine goes
    await expect(backend.run(batch(1, 320))).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });

  it('runs a static-shape engine (YOLOv5 FP16, float16 IO) on several contexts at once, as ONNX Runtime does', async () => {
    const v5 = fixture('models/yolov5n_fp16.onnx');
    const path = join(dir, 'v5.engine');
    writeFileSync(path, (await buildEngine({ onnx: v5, fp16: true })).engine);
    const backend = await TensorRtBackend.load(path, { contexts: 2 });
    expect(backend.info.profiles.every((p) => Object.keys(p).length === 0)).toBe(true);
    expect(backend.info.inputs[0]).toEqual({ name: 'images', dtype: 'float16', shape: [1, 3, 640, 640] });
    await using ort = await OnnxRuntimeBackend.load(v5);
    for (const image of ['images/bus.jpg', 'images/zidane.jpg']) {
      const lb = letterbox(await loadImage(fixture(image)), { dtype: 'float16' });
      const feeds = { images: { dtype: 'float16' as const, dims: lb.shape, data: lb.data } };
      const ref = (await ort.run(feeds)).output0;
      const outs = await Promise.all([1, 2, 3, 4].map(() => backend.run(feeds)));
      for (const out of outs.map((o) => o.output0)) {
        expect(out.dims).toEqual(ref.dims);
        // float16 bits compared as numbers, relative to the value (coordinates reach 640).
        let worst = 0;
        const got = out.data as Uint16Array,
          want = ref.data as Uint16Array;
        for (let i = 0; i < got.length; i++)
          worst = Math.max(worst, Math.abs(halfToNumber(got[i]) - halfToNumber(want[i])) / Math.max(1, Math.abs(halfToNumber(want[i]))));
        expect(worst, image).toBeLessThan(5e-2);
      }
    }
    await backend.dispose();
  });

  it('hot swaps between engines under load without failing a request, and rejects bad engines', async () => {
    const host = await ModelHost.open(fp32, { minSwapIntervalMs: 0 });
    const zidane = await loadImage(fixture('images/zidane.jpg'));
    let stop = false;
    let failures = 0;
    const loop = async () => {
      while (!stop) await host.detect(zidane).catch(() => failures++);
    };
    const loops = [loop(), loop(), loop()];
    const truncated = join(dir, 'truncated.engine');
    writeFileSync(truncated, readFileSync(fp16).subarray(0, 100_000));
    const narrow = join(dir, 'narrow.engine');
    writeFileSync(narrow, (await buildEngine({ onnx, shapes: 'images:1x3x320x320' })).engine);
    const MiB = 2 ** 20;
    let settled = 0;
    for (let i = 0; i < 8; i++) {
      await host.swap(i % 2 ? fp32 : fp16);
      await expect(host.swap(truncated)).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
      await expect(host.swap(narrow)).rejects.toMatchObject({ code: 'ERR_VALIDATION', message: /do not cover the serving range/ });
      if (i === 1) settled = (await deviceMemory()).free;
    }
    stop = true;
    await Promise.all(loops);
    expect(failures).toBe(0);
    // Six more swaps (and twelve rejected candidates) later, the engines that drained gave their device memory back.
    const lost = (settled - (await deviceMemory()).free) / MiB;
    console.log(`[trt] device memory after 6 more swaps: ${lost >= 0 ? '-' : '+'}${Math.abs(lost).toFixed(1)} MiB free`);
    expect(lost).toBeLessThan(64);
    await host.close();
  }, 600_000);
});
