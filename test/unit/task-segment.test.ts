import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  decode,
  headFor,
  letterbox,
  letterboxFrame,
  loadImage,
  OnnxRuntimeBackend,
  processMasks,
  scaleBoxes,
  segmentHead,
  TrtjsError,
  type InstanceMask,
  type LetterboxResult,
  type MaskSet,
  type ModelInfo,
  type RawImage,
  type SegmentResult,
  type Tensor,
} from '../../lib/index.js';
import { floatToHalf, halfToFloat } from '../../lib/onnx/half.js';
import { fixture } from '../helpers/fixtures.js';

const MODELS = ['yolov8n-seg_int8_480x640.onnx', 'yolo11n-seg_int8_480x640.onnx', 'yolov8n-seg_int8_320.onnx'];
const IMAGES = ['bus.jpg', 'zidane.jpg'];

// ---------------------------------------------------------------------------------------------------------------
// An independent implementation of Ultralytics' process_mask / process_mask_native / scale_image, written from
// ultralytics/utils/ops.py in plain double-precision loops (nothing shared with native/cpu/segment.cpp).
// ---------------------------------------------------------------------------------------------------------------

/** Python's round(): halves to even. */
const pyRound = (v: number) => {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
};

/** masks_in @ protos for one instance. */
function logits(protos: Float32Array, nm: number, mh: number, mw: number, coeff: ArrayLike<number>): Float64Array {
  const out = new Float64Array(mh * mw);
  for (let k = 0; k < nm; k++) for (let p = 0; p < mh * mw; p++) out[p] += coeff[k] * protos[k * mh * mw + p];
  return out;
}

/**
 * crop_mask on a grid: with `round` (the CPU path for < 50 masks) zero outside the box rounded to whole pixels
 * (negative edges taken as 0), else keep pixel indices i with a <= i < b.
 */
function inCrop(i: number, a: number, b: number, round: boolean): boolean {
  return round ? i >= Math.max(0, pyRound(a)) && i < Math.max(0, pyRound(b)) : i >= a && i < b;
}

/** F.interpolate(mode='bilinear', align_corners=False) of a (h x w) map to (H x W), value at (Y, X). */
function bilinearAt(map: Float64Array, h: number, w: number, H: number, W: number, Y: number, X: number): number {
  const sy = Math.max(0, ((Y + 0.5) * h) / H - 0.5);
  const sx = Math.max(0, ((X + 0.5) * w) / W - 0.5);
  const y0 = Math.min(Math.floor(sy), h - 1);
  const x0 = Math.min(Math.floor(sx), w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const x1 = Math.min(x0 + 1, w - 1);
  const ly = sy - y0;
  const lx = sx - x0;
  return (1 - ly) * ((1 - lx) * map[y0 * w + x0] + lx * map[y0 * w + x1]) + ly * ((1 - lx) * map[y1 * w + x0] + lx * map[y1 * w + x1]);
}

/** process_mask(protos, coeff, box, (H, W), upsample=True): a full H x W 0/1 mask. */
function refProcessMask(
  protos: Float32Array,
  dims: number[],
  coeff: ArrayLike<number>,
  box: ArrayLike<number>,
  H: number,
  W: number,
  round: boolean,
): Uint8Array {
  const [nm, mh, mw] = dims;
  const l = logits(protos, nm, mh, mw, coeff);
  const [x1, y1, x2, y2] = [(box[0] * mw) / W, (box[1] * mh) / H, (box[2] * mw) / W, (box[3] * mh) / H];
  for (let y = 0; y < mh; y++) for (let x = 0; x < mw; x++) if (!(inCrop(x, x1, x2, round) && inCrop(y, y1, y2, round))) l[y * mw + x] = 0;
  const out = new Uint8Array(H * W);
  for (let Y = 0; Y < H; Y++) for (let X = 0; X < W; X++) out[Y * W + X] = bilinearAt(l, mh, mw, H, W, Y, X) > 0 ? 1 : 0;
  return out;
}

/** process_mask_native: prototypes cropped by scale_masks' padding, resized to the source, cropped to the source box. */
function refProcessMaskNative(
  protos: Float32Array,
  dims: number[],
  coeff: ArrayLike<number>,
  box: ArrayLike<number>,
  h0: number,
  w0: number,
  round: boolean,
): Uint8Array {
  const [nm, mh, mw] = dims;
  const l = logits(protos, nm, mh, mw, coeff);
  const gain = Math.min(mh / h0, mw / w0);
  const pw = (mw - w0 * gain) / 2;
  const ph = (mh - h0 * gain) / 2;
  const [top, left] = [pyRound(ph - 0.1), pyRound(pw - 0.1)];
  const [bottom, right] = [mh - pyRound(ph + 0.1), mw - pyRound(pw + 0.1)];
  const ch = bottom - top;
  const cw = right - left;
  const crop = new Float64Array(ch * cw);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) crop[y * cw + x] = l[(y + top) * mw + x + left];
  const out = new Uint8Array(h0 * w0);
  for (let Y = 0; Y < h0; Y++) {
    if (!inCrop(Y, box[1], box[3], round)) continue;
    for (let X = 0; X < w0; X++) if (inCrop(X, box[0], box[2], round)) out[Y * w0 + X] = bilinearAt(crop, ch, cw, h0, w0, Y, X) > 0 ? 1 : 0;
  }
  return out;
}

/** scale_image: the letterbox padding (rounded as the letterbox rounds it) removed, bilinear resize, >= 0.5. */
function refScaleImage(mask: Uint8Array, H: number, W: number, h0: number, w0: number): Uint8Array {
  const gain = Math.min(H / h0, W / w0);
  const pw = (W - w0 * gain) / 2;
  const ph = (H - h0 * gain) / 2;
  const [top, left] = [pyRound(ph - 0.1), pyRound(pw - 0.1)];
  const [bottom, right] = [H - pyRound(ph + 0.1), W - pyRound(pw + 0.1)];
  const ch = bottom - top;
  const cw = right - left;
  const crop = new Float64Array(ch * cw);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) crop[y * cw + x] = mask[(y + top) * W + x + left];
  const out = new Uint8Array(h0 * w0);
  for (let Y = 0; Y < h0; Y++) for (let X = 0; X < w0; X++) out[Y * w0 + X] = bilinearAt(crop, ch, cw, h0, w0, Y, X) >= 0.5 ? 1 : 0;
  return out;
}

function toFull(m: InstanceMask, w: number, h: number): Uint8Array {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < m.height; y++) out.set(m.data.subarray(y * m.width, (y + 1) * m.width), (m.y + y) * w + m.x);
  return out;
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    inter += a[i] & b[i];
    union += a[i] | b[i];
  }
  return union ? inter / union : 1;
}

// ---------------------------------------------------------------------------------------------------------------

interface Case {
  model: string;
  image: string;
  raw: RawImage;
  lb: LetterboxResult;
  info: ModelInfo;
  outputs: Record<string, Tensor>;
}

const cases: Case[] = [];
const backends: OnnxRuntimeBackend[] = [];

beforeAll(async () => {
  for (const model of MODELS) {
    const backend = await OnnxRuntimeBackend.load(fixture(`models/${model}`));
    backends.push(backend);
    const [, , h, w] = backend.info.inputs[0].shape as number[];
    for (const image of IMAGES) {
      const raw = await loadImage(fixture(`images/${image}`));
      const lb = letterbox(raw, { size: [h, w] });
      const outputs = await backend.run({ [backend.info.inputs[0].name]: { dtype: 'float32', dims: lb.shape, data: lb.data } });
      cases.push({ model, image, raw, lb, info: backend.info, outputs });
    }
  }
});

afterAll(async () => {
  for (const b of backends) await b.dispose();
});

/** The detections of output0 as the detection path gives them (decode + scaleBoxes), with each one's coefficients. */
function detections(c: Case, conf = 0.25) {
  const out = c.outputs.output0;
  const [, rows, anchors] = out.dims;
  const data = out.data as Float32Array;
  const [d] = decode(data, out.dims, { nc: 80, conf });
  const nm = rows - 84;
  // Find each detection's anchor from its box and score, and read its coefficients from the raw output.
  const coeffs = Array.from({ length: d.count }, (_, i) => {
    const want = d.boxes.subarray(i * 4, i * 4 + 4);
    for (let a = 0; a < anchors; a++) {
      const [cx, cy, w, h] = [0, 1, 2, 3].map((k) => data[k * anchors + a]);
      const box = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
      if (data[(4 + d.classes[i]) * anchors + a] === d.scores[i] && box.every((v, k) => Math.abs(v - want[k]) < 1e-3)) {
        return Array.from({ length: nm }, (_, k) => data[(84 + k) * anchors + a]);
      }
    }
    throw new Error(`no anchor for detection ${i}`);
  });
  return { d, coeffs, source: scaleBoxes(d, c.lb) };
}

const protosOf = (c: Case) => ({ data: c.outputs.output1.data as Float32Array, dims: c.outputs.output1.dims.slice(1) });

/** Bit-identical mask sets (toEqual on the typed arrays takes seconds here). */
function expectSameMasks(a: MaskSet, b: MaskSet, label: string): void {
  expect(a.size, label).toEqual(b.size);
  expect(a.masks.length, label).toBe(b.masks.length);
  a.masks.forEach((m, i) => {
    const n = b.masks[i];
    expect([m.x, m.y, m.width, m.height], `${label} #${i}`).toEqual([n.x, n.y, n.width, n.height]);
    expect(Buffer.compare(m.data, n.data), `${label} #${i}`).toBe(0);
  });
}

describe('segmentation on the real models (bus.jpg, zidane.jpg)', () => {
  it('recognises the models as segment models and their layout', () => {
    for (const c of cases) expect(headFor(c.info).task, c.model).toBe('segment');
  });

  it('each mask agrees with an independent process_mask at input resolution (IoU >= 0.99)', () => {
    for (const c of cases) {
      const { d, coeffs } = detections(c);
      const [H, W] = [c.lb.shape[2], c.lb.shape[3]];
      const ours = processMasks(protosOf(c), Float32Array.from(coeffs.flat()), d.boxes, { shape: [H, W] });
      expect(ours.size).toEqual([W, H]);
      expect(ours.masks.length).toBe(d.count);
      for (let i = 0; i < d.count; i++) {
        const ref = refProcessMask(protosOf(c).data, protosOf(c).dims, coeffs[i], d.boxes.subarray(i * 4, i * 4 + 4), H, W, d.count < 50);
        expect(iou(toFull(ours.masks[i], W, H), ref), `${c.model} ${c.image} #${i}`).toBeGreaterThanOrEqual(0.99);
      }
    }
  });

  it('with 50 or more masks, crops at the exact box edges (crop_mask vectorised path) and still agrees', () => {
    const c = cases.find((x) => x.model.startsWith('yolov8n-seg_int8_480') && x.image === 'zidane.jpg')!;
    const { d, coeffs } = detections(c, 0.005);
    expect(d.count).toBeGreaterThanOrEqual(50);
    const [H, W] = [c.lb.shape[2], c.lb.shape[3]];
    const ours = processMasks(protosOf(c), Float32Array.from(coeffs.flat()), d.boxes, { shape: [H, W] });
    for (let i = 0; i < d.count; i += 7) {
      const ref = refProcessMask(protosOf(c).data, protosOf(c).dims, coeffs[i], d.boxes.subarray(i * 4, i * 4 + 4), H, W, false);
      expect(iou(toFull(ours.masks[i], W, H), ref), `#${i}`).toBeGreaterThanOrEqual(0.99);
    }
  });

  it("processMasks takes the model's prototype output as the backend returns it, float32 or float16", () => {
    for (const c of cases) {
      const { d, coeffs } = detections(c);
      const flat = Float32Array.from(coeffs.flat());
      const shape: [number, number] = [c.lb.shape[2], c.lb.shape[3]];
      const output1 = c.outputs.output1;
      expect(output1.dims.length, c.model).toBe(4);
      expect(output1.dtype).toBe('float32');
      const label = `${c.model} ${c.image}`;
      const fromTensor = processMasks(output1, flat, d.boxes, { shape });
      expect(fromTensor.masks.length, label).toBe(d.count);
      expectSameMasks(fromTensor, processMasks(protosOf(c), flat, d.boxes, { shape }), label);
      // float16 as a model exported with half=True gives it: the same masks as from the float32 values it holds
      // (on one model: the JS float16 round trip is what costs here).
      if (c.model !== 'yolov8n-seg_int8_320.onnx') continue;
      const bits = Uint16Array.from(output1.data as Float32Array, (v) => floatToHalf(v));
      const half = processMasks({ dtype: 'float16', dims: output1.dims, data: bits }, flat, d.boxes, { shape });
      const widened = { data: Float32Array.from(bits, (h) => halfToFloat(h)), dims: protosOf(c).dims };
      expectSameMasks(half, processMasks(widened, flat, d.boxes, { shape }), label);
      for (let i = 0; i < d.count; i++) {
        const [a, b] = [toFull(half.masks[i], shape[1], shape[0]), toFull(fromTensor.masks[i], shape[1], shape[0])];
        expect(iou(a, b), `${label} #${i}`).toBeGreaterThanOrEqual(0.98);
      }
    }
  });

  it('predict: boxes as for detection, masks at source resolution matching scale_image of the reference, inside their boxes', () => {
    for (const c of cases) {
      const { d, coeffs, source } = detections(c);
      const [H, W] = [c.lb.shape[2], c.lb.shape[3]];
      const [w0, h0] = c.lb.sourceSize;
      const [r] = segmentHead.postprocess(c.outputs, [letterboxFrame(c.lb)], segmentHead.options('test', {}), c.info) as SegmentResult[];
      // Ultralytics keeps only detections whose mask is not empty.
      const refs = coeffs.map((k, i) => refProcessMask(protosOf(c).data, protosOf(c).dims, k, d.boxes.subarray(i * 4, i * 4 + 4), H, W, d.count < 50));
      const kept = refs.map((m, i) => (m.some((v) => v) ? i : -1)).filter((i) => i >= 0);
      expect(r.boxes.count, `${c.model} ${c.image}`).toBe(kept.length);
      expect(r.boxes.count).toBeGreaterThan(0);
      kept.forEach((i, k) => {
        expect(Array.from(r.boxes.xyxy.subarray(k * 4, k * 4 + 4))).toEqual(Array.from(source.boxes.subarray(i * 4, i * 4 + 4)));
        expect(r.boxes.conf[k]).toBe(d.scores[i]);
        expect(r.boxes.cls[k]).toBe(d.classes[i]);
        const m = r.masks.data[k];
        const label = `${c.model} ${c.image} #${k}`;
        expect(iou(toFull(m, w0, h0), refScaleImage(refs[i], H, W, h0, w0)), label).toBeGreaterThanOrEqual(0.98);
        // Inside the box, give or take the one prototype pixel that bilinear upsampling spreads a crop edge by.
        const slack = (protosOf(c).dims[2] ? W / protosOf(c).dims[2] : 4) / c.lb.scale[0] + 1;
        const [x1, y1, x2, y2] = r.boxes.xyxy.subarray(k * 4, k * 4 + 4);
        expect(m.x, label).toBeGreaterThanOrEqual(x1 - slack);
        expect(m.y, label).toBeGreaterThanOrEqual(y1 - slack);
        expect(m.x + m.width, label).toBeLessThanOrEqual(x2 + slack);
        expect(m.y + m.height, label).toBeLessThanOrEqual(y2 + slack);
        expect(m.x + m.width).toBeLessThanOrEqual(w0);
        expect(m.y + m.height).toBeLessThanOrEqual(h0);
      });
    }
  });

  it('polygons (masks.xy) trace the model-input mask: every vertex maps back onto a mask pixel at input resolution', () => {
    for (const c of cases) {
      const [H, W] = [c.lb.shape[2], c.lb.shape[3]];
      const [w0, h0] = c.lb.sourceSize;
      const [r] = segmentHead.postprocess(c.outputs, [letterboxFrame(c.lb)], segmentHead.options('test', {}), c.info) as SegmentResult[];
      const { d, coeffs } = detections(c);
      const refs = coeffs
        .map((k, i) => refProcessMask(protosOf(c).data, protosOf(c).dims, k, d.boxes.subarray(i * 4, i * 4 + 4), H, W, d.count < 50))
        .filter((m) => m.some((v) => v));
      // scale_coords: x_source = (x_input - pad) / gain with pad = (W - w0 * gain) / 2, not rounded.
      const gain = Math.min(H / h0, W / w0);
      const [pw, ph] = [(W - w0 * gain) / 2, (H - h0 * gain) / 2];
      r.masks.xy.forEach((poly, k) => {
        expect(poly.length, `${c.model} ${c.image} #${k}`).toBeGreaterThanOrEqual(6);
        for (let p = 0; p < poly.length; p += 2) {
          expect(poly[p]).toBeGreaterThanOrEqual(0);
          expect(poly[p]).toBeLessThanOrEqual(w0);
          expect(poly[p + 1]).toBeLessThanOrEqual(h0);
          const x = Math.round(poly[p] * gain + pw);
          const y = Math.round(poly[p + 1] * gain + ph);
          if (poly[p] > 0 && poly[p] < w0 && poly[p + 1] > 0 && poly[p + 1] < h0) expect(refs[k][y * W + x], `${c.image} #${k} vertex (${x}, ${y})`).toBe(1);
        }
      });
    }
  });

  it('retinaMasks: masks by process_mask_native at source resolution agree with the independent one (IoU >= 0.99)', () => {
    for (const c of cases.filter((x) => x.image === 'bus.jpg' || x.model.includes('320'))) {
      const { d, coeffs, source } = detections(c);
      const [w0, h0] = c.lb.sourceSize;
      const [r] = segmentHead.postprocess(c.outputs, [letterboxFrame(c.lb)], segmentHead.options('test', { retinaMasks: true }), c.info) as SegmentResult[];
      const refs = coeffs.map((k, i) =>
        refProcessMaskNative(protosOf(c).data, protosOf(c).dims, k, source.boxes.subarray(i * 4, i * 4 + 4), h0, w0, d.count < 50),
      );
      const kept = refs.map((m, i) => (m.some((v) => v) ? i : -1)).filter((i) => i >= 0);
      expect(r.boxes.count).toBe(kept.length);
      kept.forEach((i, k) => {
        expect(iou(toFull(r.masks.data[k], w0, h0), refs[i]), `${c.model} ${c.image} #${k}`).toBeGreaterThanOrEqual(0.99);
        for (let p = 0; p < r.masks.xy[k].length; p += 2) expect(r.masks.xy[k][p]).toBeLessThanOrEqual(w0);
      });
    }
  });

  it('handles a 1x1 image: masks within the 1x1 frame, no crash', async () => {
    const c = cases[0];
    const backend = backends[0];
    const raw: RawImage = { data: Uint8Array.of(200, 30, 30), width: 1, height: 1, channels: 3, order: 'rgb' };
    const lb = letterbox(raw, { size: [c.lb.shape[2], c.lb.shape[3]] });
    const outputs = await backend.run({ images: { dtype: 'float32', dims: lb.shape, data: lb.data } });
    for (const retinaMasks of [false, true]) {
      const [r] = segmentHead.postprocess(outputs, [letterboxFrame(lb)], segmentHead.options('test', { conf: 0.001, retinaMasks }), c.info) as SegmentResult[];
      expect(r.masks.data.length).toBe(r.boxes.count);
      for (const m of r.masks.data) expect(m.x + m.width <= 1 && m.y + m.height <= 1).toBe(true);
    }
  });
});

describe('segmentation: bad models and bad input', () => {
  const seg = (outputs: ModelInfo['outputs'], extra: Partial<ModelInfo> = {}): ModelInfo => ({
    format: 'onnx',
    task: 'segment',
    names: Array.from({ length: 80 }, (_, i) => `c${i}`),
    inputs: [{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }],
    outputs,
    metadata: {},
    ...extra,
  });
  const expectBadModel = (fn: () => unknown, message: RegExp) => {
    let err: unknown;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TrtjsError);
    expect((err as TrtjsError).code).toBe('ERR_BAD_MODEL');
    expect((err as Error).message).toMatch(message);
  };

  it('refuses prototypes whose channels differ from the mask coefficients', () => {
    const info = seg([
      { name: 'output0', dtype: 'float32', shape: [1, 116, 8400] },
      { name: 'output1', dtype: 'float32', shape: [1, 16, 160, 160] },
    ]);
    expectBadModel(() => segmentHead.check(info), /prototypes 'output1' have 16 channels but 'output0' \[1, 116, 8400\] carries 32 mask coefficients/);
  });

  it('refuses to make masks from a detection model', () => {
    const det: ModelInfo = { ...seg([{ name: 'output0', dtype: 'float32', shape: [1, 84, 8400] }]), task: 'detect' };
    expectBadModel(() => headFor(det, 'segment'), /expected a segment model, this one is a detect model/);
    expectBadModel(() => segmentHead.check(det), /no mask prototype output .*a detection model cannot give masks/);
  });

  it('refuses an unknown task by name, and a segment output that matches no head', () => {
    expectBadModel(() => headFor({ ...seg([]), task: 'depth' }), /the model's task is 'depth'; trtjs supports 'detect', 'segment', 'pose', 'obb', 'classify'/);
    const info = seg([
      { name: 'output0', dtype: 'float32', shape: [1, 90, 8400] },
      { name: 'output1', dtype: 'float32', shape: [1, 32, 160, 160] },
    ]);
    expectBadModel(() => segmentHead.check(info), /'output0' \[1, 90, 8400\] carries 6 mask coefficients/);
  });

  it('checks the frames given against the batch', () => {
    const c = cases[0];
    let err: unknown;
    try {
      segmentHead.postprocess(c.outputs, [], segmentHead.options('test', {}), c.info);
    } catch (e) {
      err = e;
    }
    expect((err as TrtjsError).code).toBe('ERR_SHAPE');
  });

  it('validates options with exact messages', () => {
    expect(() => segmentHead.options('segment: options', { retinaMasks: 1 })).toThrow(/segment: options.retinaMasks must be true or false, received 1/);
    expect(() => segmentHead.options('segment: options', { conf: 2 })).toThrow(/segment: options.conf must be a finite number in \[0, 1\], received 2/);
    expect(() => processMasks({ data: new Float32Array(4), dims: [1, 2, 2] }, new Float32Array(3), new Float32Array(4), { shape: [8, 8] })).toThrow(
      /processMasks: coeffs must be a Float32Array of 1 x 1 coefficients, received a Float32Array of length 3/,
    );
    const [coeffs, boxes, opts] = [new Float32Array(2), new Float32Array(4), { shape: [8, 8] as [number, number] }];
    const bad: Array<[unknown, string]> = [
      [{ dtype: 'int32', dims: [1, 2, 2, 2], data: new Int32Array(8) }, "protos.dtype must be one of 'float32', 'float16', received \"int32\""],
      [
        { dtype: 'float32', dims: [1, 2, 2, 2], data: new Uint16Array(8) },
        "protos.data must be a Float32Array for dtype 'float32', received a Uint16Array of length 8",
      ],
      [
        { dtype: 'float16', dims: [1, 2, 2, 2], data: new Float32Array(8) },
        "protos.data must be a Uint16Array (float16 bits) for dtype 'float16', received a Float32Array of length 8",
      ],
      [{ dims: [2, 2, 2], data: new Int8Array(8) }, 'protos.data must be a Float32Array, or a Uint16Array of float16 bits, received a Int8Array of length 8'],
      [
        { dims: [2, 2, 2, 2], data: new Float32Array(16) },
        "protos.dims[0] (batch) must be 1 (one image's prototypes; pass each image's [nm, mh, mw] slice of a larger batch), received 2",
      ],
      [
        { dims: [16, 1], data: new Float32Array(16) },
        "protos.dims must be [nm, mh, mw], or [1, nm, mh, mw] as a model's prototype output, received an array of length 2",
      ],
      [{ dims: [1, 2, 0, 2], data: new Float32Array(0) }, 'protos.dims[2] must be an integer in [1, 65536], received 0'],
      [
        { dtype: 'float32', dims: [1, 2, 2, 2], data: new Float32Array(6) },
        'protos.data must be 8 values for [1, 2, 2, 2], received a Float32Array of length 6',
      ],
    ];
    for (const [protos, message] of bad) {
      let err: unknown;
      try {
        processMasks(protos as Tensor, coeffs, boxes, opts);
      } catch (e) {
        err = e;
      }
      expect(err, message).toBeInstanceOf(TrtjsError);
      expect((err as TrtjsError).code).toBe('ERR_BAD_INPUT');
      expect((err as TrtjsError).message).toBe(`processMasks: ${message}`);
    }
  });
});
