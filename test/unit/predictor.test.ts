/**
 * The Predictor against the manual path (letterbox or classifyTransform → backend.run → the task head's
 * postprocess, as the phase-1 head tests run it): on the real segmentation models, and on small ONNX models of the
 * other tasks built here. Then batches, refusals at create, and the lifecycle it shares with Detector.
 */
import { afterAll, describe, expect, it } from 'vitest';

import {
  Detector,
  OnnxRuntimeBackend,
  Predictor,
  type TrtjsError,
  classifyTransform,
  headFor,
  letterbox,
  letterboxFrame,
  loadImage,
  segmentHead,
  type Backend,
  type RawImage,
  type TaskResult,
  type Tensor,
} from '../../lib/index.js';
import { rejection } from '../helpers/expect-error.js';
import { fixture } from '../helpers/fixtures.js';
import { colourClassifier, constantModel, namesLiteral, obbModel, poseModel } from '../helpers/task-models.js';

const backends: OnnxRuntimeBackend[] = [];
afterAll(async () => {
  for (const b of backends) await b.dispose();
});

const SEG_MODELS = ['yolov8n-seg_int8_480x640.onnx', 'yolo11n-seg_int8_480x640.onnx', 'yolov8n-seg_int8_320.onnx'];
const images = { bus: await loadImage(fixture('images/bus.jpg')), zidane: await loadImage(fixture('images/zidane.jpg')) };

/** The phase-1 path: letterbox to the model's fixed input, run, the head's postprocess. */
async function manual(model: string | Uint8Array, image: RawImage, options: object = {}): Promise<TaskResult> {
  const backend = await OnnxRuntimeBackend.load(model);
  backends.push(backend);
  const head = headFor(backend.info);
  const [, , h, w] = backend.info.inputs[0].shape as number[];
  if (head.preprocess === 'classify') {
    const t = classifyTransform(image, { size: h });
    const outputs = await backend.run({ images: { dtype: 'float32', dims: t.shape, data: t.data } });
    return head.postprocess(outputs, [t.frame], head.options('test', options), backend.info)[0];
  }
  const lb = letterbox(image, { size: [h, w] });
  const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
  return head.postprocess(outputs, [letterboxFrame(lb)], head.options('test', options), backend.info)[0];
}

/** Results as plain arrays, for deep equality (typed arrays compared element by element). */
function plain(r: TaskResult): unknown {
  return JSON.parse(JSON.stringify(r, (_, v) => (ArrayBuffer.isView(v) ? Array.from(v as Float32Array) : v)));
}

describe('Predictor on the real segmentation models equals the manual path', () => {
  for (const model of SEG_MODELS) {
    it(`${model}: bus.jpg and zidane.jpg, from paths and from pixels`, async () => {
      await using predictor = await Predictor.create(fixture(`models/${model}`));
      expect(predictor.task).toBe('segment');
      for (const name of ['bus', 'zidane'] as const) {
        const want = await manual(fixture(`models/${model}`), images[name]);
        const fromPath = await predictor.predict(fixture(`images/${name}.jpg`));
        const fromPixels = await predictor.predict(images[name]);
        if (fromPath.task !== 'segment') throw new Error(`expected a segment result, got ${fromPath.task}`);
        expect(fromPath.boxes.count).toBeGreaterThanOrEqual(3);
        expect(fromPath.masks.data).toHaveLength(fromPath.boxes.count);
        expect(plain(fromPath)).toEqual(plain(want));
        expect(plain(fromPixels)).toEqual(plain(want));
      }
    });
  }

  it('retinaMasks at create and per call, and a batch of two (one run each on a fixed-batch model) equals single runs', async () => {
    const model = fixture('models/yolov8n-seg_int8_320.onnx');
    await using retina = await Predictor.create(model, { retinaMasks: true });
    await using plainPredictor = await Predictor.create(model, { task: 'segment' });
    const want = await manual(model, images.zidane, { retinaMasks: true });
    expect(plain(await retina.predict(images.zidane))).toEqual(plain(want));
    expect(plain(await plainPredictor.predict(images.zidane, { retinaMasks: true }))).toEqual(plain(want));
    const batch = await plainPredictor.predictBatch([images.bus, images.zidane]);
    expect(batch.map(plain)).toEqual([plain(await plainPredictor.predict(images.bus)), plain(await plainPredictor.predict(images.zidane))]);
    // Per-call options override create's; classes filter.
    const people = await plainPredictor.predict(images.bus, { classes: [0], conf: 0.5 });
    expect(people.boxes.count).toBeGreaterThan(0);
    expect(Array.from(people.boxes.cls).every((c) => c === 0)).toBe(true);
    expect(Array.from(people.boxes.conf).every((c) => c > 0.5)).toBe(true);
  });

  it('infer gives the raw outputs and frame of the manual path', async () => {
    const model = fixture('models/yolov8n-seg_int8_320.onnx');
    await using predictor = await Predictor.create(model);
    const { outputs, frame } = await predictor.infer(fixture('images/bus.jpg'));
    expect(frame).toEqual(letterboxFrame(letterbox(images.bus, { size: 320 })));
    const [r] = segmentHead.postprocess(outputs, [frame], segmentHead.options('t', {}), predictor.info);
    expect(plain(r)).toEqual(plain(await manual(model, images.bus)));
  });
});

describe('Predictor on small models of the other tasks equals the manual path', () => {
  const landscape: RawImage = { data: new Uint8Array(128 * 96 * 3).fill(90), width: 128, height: 96, channels: 3, order: 'rgb' };

  it('pose: boxes and keypoints scaled to the source', async () => {
    await using predictor = await Predictor.create(poseModel(64));
    const r = await predictor.predict(landscape);
    if (r.task !== 'pose') throw new Error(`expected pose, got ${r.task}`);
    expect(r.boxes.count).toBe(1);
    expect(r.keypoints.shape).toEqual([17, 3]);
    // 128x96 into 64: gain 0.5, 8 px of padding on top and bottom. The box (32, 32, 32, 51.2) spans x 16..48 and
    // y 6.4..57.6 in the input: x 32..96, y -3.2..99.2 in the source, clipped to 0..96.
    expect(Array.from(r.boxes.xyxy, (v) => Number(v.toFixed(2)))).toEqual([32, 0, 96, 96]);
    expect(plain(r)).toEqual(plain(await manual(poseModel(64), landscape)));
  });

  it('obb: rotated boxes scaled to the source', async () => {
    await using predictor = await Predictor.create(obbModel(64));
    const r = await predictor.predict(landscape);
    if (r.task !== 'obb') throw new Error(`expected obb, got ${r.task}`);
    expect(r.obb.count).toBe(2);
    // Centre (32, 32) in the input → ((32 - 0) / 0.5, (32 - 8) / 0.5) = (64, 48); sizes doubled.
    expect(Array.from(r.obb.xywhr.subarray(0, 4), (v) => Number(v.toFixed(2)))).toEqual([64, 48, 76.8, 32]);
    expect(plain(r)).toEqual(plain(await manual(obbModel(64), landscape)));
  });

  it('classify: resize + centre crop, not a letterbox; the colour of the crop decides', async () => {
    // Left quarter red, the rest green; the probabilities are a softmax of the crop's mean colour, so they show any
    // difference in the pre-processing.
    const data = new Uint8Array(128 * 96 * 3);
    for (let y = 0; y < 96; y++) for (let x = 0; x < 128; x++) data.set(x < 32 ? [230, 20, 20] : [20, 200, 30], (y * 128 + x) * 3);
    const image: RawImage = { data, width: 128, height: 96, channels: 3, order: 'rgb' };
    await using predictor = await Predictor.create(colourClassifier({ size: 32 }));
    expect(predictor.imgsz).toEqual([32, 32]);
    const r = await predictor.predict(image);
    if (r.task !== 'classify') throw new Error(`expected classify, got ${r.task}`);
    expect(r.names[r.probs.top1]).toBe('green');
    expect(r.probs.top5).toHaveLength(3);
    expect(plain(r)).toEqual(plain(await manual(colourClassifier({ size: 32 }), image)));
    // The resize takes the shorter side to 32 (128x96 → 42x32) and the crop starts at column round(10 / 2) = 5.
    expect(r.sourceSize).toEqual([128, 96]);
  });

  it('batches: one inference for a dynamic batch, results in input order equal to single runs', async () => {
    const inner = await OnnxRuntimeBackend.load(colourClassifier({ size: 16, batch: 'dynamic' }));
    const calls: number[][] = [];
    const spy = {
      kind: inner.kind,
      info: inner.info,
      run: (feeds: Record<string, Tensor>, o?: { signal?: AbortSignal }) => {
        calls.push(feeds.images.dims);
        return inner.run(feeds, o);
      },
      dispose: () => inner.dispose(),
    } as Backend;
    await using predictor = await Predictor.create(spy);
    const solid = (rgb: number[]): RawImage => ({
      data: Uint8Array.from({ length: 20 * 20 * 3 }, (_, i) => rgb[i % 3]),
      width: 20,
      height: 20,
      channels: 3,
      order: 'rgb',
    });
    const batch = await predictor.predictBatch([solid([200, 10, 10]), solid([10, 10, 200]), solid([10, 200, 10])]);
    expect(calls).toEqual([[3, 3, 16, 16]]);
    expect(batch.map((r) => (r.task === 'classify' ? r.names[r.probs.top1] : r.task))).toEqual(['red', 'blue', 'green']);
    const single = await predictor.predict(solid([10, 10, 200]));
    expect(plain(single)).toEqual(plain(batch[1]));
  });
});

describe('Predictor refuses at create what it cannot run, naming it', () => {
  it('an unknown task, a pose model without kpt_shape, a task other than asked for, a non-square classify size', async () => {
    const head = { name: 'output0', dims: [1, 6, 4], data: new Float32Array(24) };
    const depth = await rejection(Predictor.create(constantModel(32, 32, [head], { task: 'depth', names: namesLiteral(['a', 'b']) })));
    expect(depth.code).toBe('ERR_BAD_MODEL');
    expect(depth.message).toBe("Predictor: the model's task is 'depth'; trtjs supports 'detect', 'segment', 'pose', 'obb', 'classify'");
    const pose = await rejection(Predictor.create(constantModel(32, 32, [head], { task: 'pose', names: namesLiteral(['a']) })));
    expect(pose.code).toBe('ERR_BAD_MODEL');
    expect(pose.message).toMatch(/^Predictor: pose model: the metadata has no 'kpt_shape'/);
    const seg = fixture('models/yolov8n-seg_int8_320.onnx');
    const asked = await rejection(Predictor.create(seg, { task: 'detect' }));
    expect(asked.message).toBe('Predictor: expected a detect model (options.task), this one is a segment model');
    const classify = await rejection(Predictor.create(colourClassifier({ dynamicSize: true }), { imgsz: [32, 48] }));
    expect(classify.code).toBe('ERR_BAD_INPUT');
    expect(classify.message).toMatch(/Predictor.create: options.imgsz must be one size \(a square\) for a classify model/);
    expect((await rejection(Predictor.create(seg, { conf: 3 }))).message).toMatch(
      /Predictor.create: options.conf must be a finite number in \[0, 1\], received 3/,
    );
    expect((await rejection(Predictor.create(seg, { task: 'depth' as 'detect' }))).message).toMatch(/options.task must be one of 'detect'/);
  });

  it("Detector refuses a segmentation model and points to Predictor; the detect head's messages stay", async () => {
    const err = await rejection(Detector.create(fixture('models/yolov8n-seg_int8_320.onnx')));
    expect(err.code).toBe('ERR_BAD_MODEL');
    expect(err.message).toBe(
      'Detector: the model is a segment model, not a detect model (a Detector would misread its outputs); open it with Predictor (`trtjs predict` on the command line)',
    );
  });
});

describe('Predictor lifecycle (the Detector guarantees)', () => {
  const model = fixture('models/yolov8n-seg_int8_320.onnx');

  it('dispose one tick after 30 predicts: every request settles with a result or ERR_DISPOSED; nothing stays alive', async () => {
    const live = OnnxRuntimeBackend.live;
    const predictor = await Predictor.create(model);
    const calls = Array.from({ length: 30 }, (_, i) =>
      predictor.predict(i % 2 ? images.bus : fixture('images/zidane.jpg')).then(
        (r) => r.task,
        (e: TrtjsError) => e.code,
      ),
    );
    await new Promise((r) => setImmediate(r));
    await predictor.dispose();
    const outcomes = await Promise.all(calls);
    expect(outcomes.filter((o) => o !== 'segment' && o !== 'ERR_DISPOSED')).toEqual([]);
    expect(outcomes).toContain('ERR_DISPOSED');
    expect((await rejection(predictor.predict(images.bus))).code).toBe('ERR_DISPOSED');
    expect(OnnxRuntimeBackend.live).toBe(live);
  });

  it('a bounded queue, abort, image limits and bad images: coded errors, and the predictor keeps working', async () => {
    await using predictor = await Predictor.create(model, { concurrency: 1, maxQueue: 2, maxPixels: 1_000_000 });
    const controller = new AbortController();
    const calls = [0, 1, 2, 3].map(() =>
      predictor.predict(images.zidane, { signal: controller.signal }).then(
        (r) => r.task,
        (e: TrtjsError) => e.code,
      ),
    );
    expect(predictor.load).toEqual({ running: 1, waiting: 2 });
    controller.abort();
    expect(await Promise.all(calls)).toEqual(['ERR_ABORTED', 'ERR_ABORTED', 'ERR_ABORTED', 'ERR_QUEUE_FULL']);
    expect((await rejection(predictor.predict(new TextEncoder().encode('not an image')))).code).toBe('ERR_BAD_INPUT');
    expect((await rejection(predictor.predict(images.bus, { retinaMasks: 1 as unknown as boolean }))).message).toMatch(
      /predict: options.retinaMasks must be true or false, received 1/,
    );
    expect((await rejection(predictor.predictBatch([images.bus, 'x' as unknown as RawImage, 7 as unknown as RawImage]))).message).toMatch(
      /predictBatch: images\[2\] must be a file path/,
    );
    await using small = await Predictor.create(model, { maxPixels: 1000 });
    const big = await rejection(small.predict(fixture('images/bus.jpg')));
    expect(big.code).toBe('ERR_BAD_INPUT');
    expect(big.message).toMatch(/above the 0\.0 MP limit \(options\.maxPixels\)/);
    expect((await predictor.predict(fixture('images/bus.jpg'))).task).toBe('segment');
  });
});
