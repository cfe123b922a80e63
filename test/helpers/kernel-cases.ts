/**
 * Cases for the CUDA pre/post-processing kernels, shared by the unit tier (the kernels' code run on the CPU by its
 * host emulation) and the gpu tier (the kernels on a device): both must give the CPU ops' results exactly.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

import { letterbox, loadImage, type LetterboxOptions, type RawImage } from '../../lib/index.js';
import { addon, type NativeDecodeParams, type NativeDeviceDetections, type NativeLetterboxParams } from '../../lib/native/binding.js';
import { fixture, projectRoot } from './fixtures.js';
import { runFixtureModel } from './ort.js';
import { halfToNumber, rng } from './random.js';

const f32 = Math.fround;

export const sha256 = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');
export const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** OpenCV's letterbox hashes (test/reference/letterbox_opencv.py). */
export const letterboxReference = JSON.parse(readFileSync(`${projectRoot}/test/reference/letterbox_opencv.json`, 'utf8')) as {
  cases: Array<{ image: string; options: LetterboxOptions; sha256: string }>;
};

export async function fixtureImages(): Promise<Record<string, RawImage>> {
  return { 'bus.jpg': await loadImage(fixture('images/bus.jpg')), 'zidane.jpg': await loadImage(fixture('images/zidane.jpg')) };
}

// The enum values the addon takes, from the addon itself (native/napi/constants.cpp), as lib/ passes them.
const C = addon().constants;
const HEAD = C.headFormat;
const ARRAY_OF_DTYPE = new Map<number, typeof Float32Array | typeof Uint16Array | typeof Uint8Array>([
  [C.outDtype.float32, Float32Array],
  [C.outDtype.float16, Uint16Array],
  [C.outDtype.uint8, Uint8Array],
]);
export type LetterboxParams = NativeLetterboxParams & { batch?: number };

/** The native parameters of a CPU letterbox call (its geometry comes from lib/ops/geometry.ts). */
export function letterboxParams(img: RawImage, options: LetterboxOptions): NativeLetterboxParams {
  const lb = letterbox(img, options);
  const [outW, outH] = lb.layout === 'nchw' ? [lb.shape[3], lb.shape[2]] : [lb.shape[2], lb.shape[1]];
  return {
    width: img.width,
    height: img.height,
    channels: img.channels,
    stride: img.stride ?? img.width * img.channels,
    order: C.pixelOrder[img.order],
    resizedWidth: lb.resized[0],
    resizedHeight: lb.resized[1],
    outWidth: outW,
    outHeight: outH,
    padLeft: lb.pad[0],
    padTop: lb.pad[1],
    padValue: options.padValue ?? 114,
    dtype: C.outDtype[lb.dtype],
    layout: C.outLayout[lb.layout],
  };
}

export function outputFor(p: LetterboxParams) {
  const Out = ARRAY_OF_DTYPE.get(p.dtype)!;
  return new Out((p.batch ?? 1) * p.outWidth * p.outHeight * 3);
}

/** The same pixels in another channel order (gray: a weighted sum). */
export function reorder(img: RawImage, order: 'bgr' | 'rgba' | 'bgra' | 'gray'): RawImage {
  const n = img.width * img.height;
  const cn = order === 'gray' ? 1 : order === 'bgr' ? 3 : 4;
  const out = new Uint8Array(n * cn);
  for (let i = 0; i < n; i++) {
    const [r, g, b] = [img.data[i * 3], img.data[i * 3 + 1], img.data[i * 3 + 2]];
    const px = order === 'gray' ? [(r * 3 + g * 5 + b) >> 3] : order === 'rgba' ? [r, g, b, 9] : order === 'bgra' ? [b, g, r, 250] : [b, g, r];
    out.set(px, i * cn);
  }
  return { data: out, width: img.width, height: img.height, channels: cn as 1 | 3 | 4, order };
}

/** The same frame with a row stride 13 bytes wider. */
export function strided(img: RawImage): RawImage {
  const stride = img.width * img.channels + 13;
  const data = new Uint8Array(stride * img.height);
  for (let y = 0; y < img.height; y++) data.set(img.data.subarray(y * img.width * img.channels, (y + 1) * img.width * img.channels), y * stride);
  return { ...img, data, stride };
}

/** Three different frames of one size back to back. */
export function frameBatch(img: RawImage): { frames: Uint8Array; images: RawImage[] } {
  const images = [img, { ...img, data: img.data.map((v, i) => (v * 7 + i) & 255) }, { ...img, data: img.data.slice().reverse() }];
  const frames = new Uint8Array(img.data.length * images.length);
  images.forEach((f, i) => {
    frames.set(f.data, i * img.data.length);
  });
  return { frames, images };
}

export interface RandomLetterbox {
  src: Uint8Array;
  params: NativeLetterboxParams;
  mode: 'linear' | 'area' | 'copy';
}

/** Random frames, orders, strides, geometries, dtypes and layouts, through all three resize paths. */
export function randomLetterboxCases(seed: number, count: number): RandomLetterbox[] {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const cases: RandomLetterbox[] = [];
  for (let it = 0; it < count; it++) {
    const order = int(0, 4);
    const channels = [1, 3, 3, 4, 4][order];
    let width = int(1, 160);
    let height = int(1, 120);
    const kind = int(0, 3);
    if (kind === 1) {
      width = 2 * int(1, 80);
      height = 2 * int(1, 60);
    }
    const stride = width * channels + int(0, 7);
    const src = new Uint8Array(stride * height).map(() => int(0, 255));
    const [rw, rh] = kind === 0 ? [width, height] : kind === 1 ? [width / 2, height / 2] : [int(1, 200), int(1, 200)];
    const outW = rw + int(0, 40);
    const outH = rh + int(0, 40);
    const params: NativeLetterboxParams = {
      width,
      height,
      channels,
      stride,
      order,
      resizedWidth: rw,
      resizedHeight: rh,
      outWidth: outW,
      outHeight: outH,
      padLeft: int(0, outW - rw),
      padTop: int(0, outH - rh),
      padValue: int(0, 255),
      dtype: int(0, 2),
      layout: int(0, 1),
    };
    const mode = rw === width && rh === height ? 'copy' : rw * 2 === width && rh * 2 === height ? 'area' : 'linear';
    cases.push({ src, params, mode });
  }
  return cases;
}

/** The CPU letterbox on native parameters. */
export function cpuLetterbox(src: Uint8Array, p: NativeLetterboxParams) {
  const out = outputFor(p);
  addon().letterbox(src, p, out);
  return out;
}

// ---- decode ----------------------------------------------------------------------------------------------------------

export const DECODE_DEFAULTS: NativeDecodeParams = {
  format: HEAD.yolov8,
  channelsFirst: true,
  rows: 84,
  cols: 8400,
  nc: 80,
  conf: 0.25,
  iou: 0.7,
  maxDet: 300,
  maxNms: 30000,
  agnostic: false,
  multiLabel: false,
  classes: null,
};
export type DecodeData = Float32Array | Uint16Array;
export interface DecodeCase {
  label: string;
  data: DecodeData;
  params: NativeDecodeParams;
  batch: number;
}

/** Option sets for heads with NMS, from Ultralytics' defaults to validation settings. */
export const NMS_OPTIONS: Array<Partial<NativeDecodeParams>> = [
  {},
  { conf: 0.001 },
  { conf: 0.001, multiLabel: true, maxDet: 1000 },
  { conf: 0.05, agnostic: true },
  { conf: 0.05, classes: Int32Array.from([0, 5, 27]) },
  { conf: 0.001, maxNms: 50 },
  { maxDet: 3 },
  { conf: 0.01, iou: 0.45 },
];

/** Real outputs: yolov8n [1,84,8400] f32 (and transposed), yolov5n [1,25200,85] f16, yolov10n/yolo26n [1,300,6]. */
export async function fixtureDecodeCases(): Promise<DecodeCase[]> {
  const images = await fixtureImages();
  const cases: DecodeCase[] = [];
  for (const [name, img] of Object.entries(images)) {
    const lb = letterbox(img);
    const v8 = await runFixtureModel('yolov8n_int8.onnx', lb.data, lb.shape);
    expect(v8.dims).toEqual([1, 84, 8400]);
    const data = v8.data as Float32Array;
    const t = new Float32Array(data.length);
    for (let c = 0; c < 84; c++) for (let a = 0; a < 8400; a++) t[a * 84 + c] = data[c * 8400 + a];
    for (const o of NMS_OPTIONS) {
      cases.push({ label: `yolov8n ${name} ${JSON.stringify(o)}`, data, params: { ...DECODE_DEFAULTS, ...o }, batch: 1 });
      cases.push({
        label: `yolov8n transposed ${name} ${JSON.stringify(o)}`,
        data: t,
        params: { ...DECODE_DEFAULTS, ...o, channelsFirst: false, rows: 8400, cols: 84 },
        batch: 1,
      });
    }
    const lb16 = letterbox(img, { dtype: 'float16' });
    const v5 = await runFixtureModel('yolov5n_fp16.onnx', lb16.data, lb16.shape);
    expect(v5.dims).toEqual([1, 25200, 85]);
    expect(v5.data).toBeInstanceOf(Uint16Array);
    for (const o of NMS_OPTIONS) {
      cases.push({
        label: `yolov5n fp16 ${name} ${JSON.stringify(o)}`,
        data: v5.data,
        params: { ...DECODE_DEFAULTS, format: HEAD.yolov5, channelsFirst: false, rows: 25200, cols: 85, ...o },
        batch: 1,
      });
    }
    for (const model of ['yolov10n_int8.onnx', 'yolo26n_int8.onnx']) {
      const e2e = await runFixtureModel(model, lb.data, lb.shape);
      expect(e2e.dims).toEqual([1, 300, 6]);
      for (const o of [{}, { conf: 0.01 }, { conf: 0.001, maxDet: 10, classes: Int32Array.from([0]) }, { conf: 0.001, classes: Int32Array.from([0, 27]) }]) {
        cases.push({
          label: `${model} ${name} ${JSON.stringify(o)}`,
          data: e2e.data,
          params: { ...DECODE_DEFAULTS, format: HEAD.end2end, channelsFirst: false, rows: 300, cols: 6, ...o },
          batch: 1,
        });
      }
    }
  }
  return cases;
}

/** A random YOLOv8/YOLOv5-style output: clustered boxes, scores on a 1/64 grid (many exact ties), optional NaN. */
export function randomHead(
  seed: number,
  anchors: number,
  nc: number,
  opts: { format: 'yolov5' | 'yolov8'; channelsFirst: boolean; nan?: boolean; high?: number },
): Float32Array {
  const r = rng(seed);
  const first = opts.format === 'yolov5' ? 5 : 4;
  const channels = first + nc;
  const data = new Float32Array(anchors * channels);
  const set = (a: number, c: number, v: number) => {
    data[opts.channelsFirst ? c * anchors + a : a * channels + c] = v;
  };
  for (let a = 0; a < anchors; a++) {
    // Boxes gather around a few centres so that NMS has real work.
    set(a, 0, 64 * Math.floor(r() * 10) + r() * 40);
    set(a, 1, 64 * Math.floor(r() * 10) + r() * 40);
    set(a, 2, 8 + r() * 120);
    set(a, 3, 8 + r() * 120);
    if (opts.format === 'yolov5') set(a, 4, Math.floor(r() * 64) / 64);
    for (let c = 0; c < nc; c++) set(a, first + c, r() < (opts.high ?? 0.05) ? Math.floor(16 + r() * 48) / 64 : Math.floor(r() * 12) / 64);
    if (opts.nan && r() < 0.01) set(a, first + Math.floor(r() * nc), Number.NaN);
  }
  return data;
}

/** float32 → float16 bits, round to nearest even (normal values, zero and NaN; enough for randomHead's values). */
export function toHalfBits(data: Float32Array): Uint16Array {
  const half = new Uint16Array(data.length);
  const view = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < data.length; i++) {
    if (Number.isNaN(data[i])) {
      half[i] = 0x7e00;
      continue;
    }
    if (data[i] === 0) continue;
    view.setFloat32(0, data[i]);
    const x = view.getUint32(0);
    const e = ((x >>> 23) & 0xff) - 127 + 15;
    const m = x & 0x7fffff;
    let h = ((x >>> 16) & 0x8000) | (e << 10) | (m >>> 13);
    const rem = m & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
    half[i] = h;
  }
  return half;
}

/** Random heads of every kind: long candidate lists (several 2048-key chunks), ties, NaN, batches, every option. */
export function randomDecodeCases(): DecodeCase[] {
  const cases: DecodeCase[] = [];
  const anchors = 6000;
  const nc = 12;
  for (const channelsFirst of [true, false]) {
    const a = randomHead(1 + Number(channelsFirst), anchors, nc, { format: 'yolov8', channelsFirst, nan: true });
    const b = randomHead(7 + Number(channelsFirst), anchors, nc, { format: 'yolov8', channelsFirst, high: 0.3 });
    const both = new Float32Array([...a, ...b]);
    const shape = channelsFirst ? { rows: 4 + nc, cols: anchors } : { rows: anchors, cols: 4 + nc };
    for (const o of [
      {},
      { conf: 0.01, maxDet: 5000 },
      { conf: 0.01, maxDet: 5000, multiLabel: true, maxNms: 9000 },
      { conf: 0.01, maxNms: 3000, agnostic: true },
      { conf: 0.1, classes: Int32Array.from([1, 3, 11]), iou: 0.3 },
      { conf: 0.01, maxDet: 1 },
    ] as Array<Partial<NativeDecodeParams>>) {
      cases.push({
        label: `random yolov8 channelsFirst=${channelsFirst} ${JSON.stringify(o)}`,
        data: both,
        params: { ...DECODE_DEFAULTS, ...shape, channelsFirst, nc, ...o },
        batch: 2,
      });
    }
  }
  const v5 = randomHead(99, 5000, 6, { format: 'yolov5', channelsFirst: false, nan: true, high: 0.2 });
  for (const d of [v5, toHalfBits(v5)]) {
    for (const o of [
      {},
      { conf: 0.01, maxDet: 4000 },
      { conf: 0.01, multiLabel: true, maxDet: 4000 },
      { conf: 0.02, agnostic: true, classes: Int32Array.from([0, 2]) },
    ] as Array<Partial<NativeDecodeParams>>) {
      cases.push({
        label: `random yolov5 ${d.constructor.name} ${JSON.stringify(o)}`,
        data: d,
        params: { ...DECODE_DEFAULTS, format: HEAD.yolov5, channelsFirst: false, rows: 5000, cols: 11, nc: 6, ...o },
        batch: 1,
      });
    }
  }
  const r = rng(5);
  const e2e = new Float32Array(700 * 6).map((_, i) => {
    const c = i % 6;
    if (c === 4) return r() < 0.02 ? Number.NaN : Math.floor(r() * 64) / 64;
    if (c === 5) return r() < 0.02 ? 3e9 : Math.floor(r() * 8);
    return r() * 640;
  });
  for (const o of [{}, { conf: 0.01, maxDet: 1000 }, { conf: 0.1, maxDet: 40, classes: Int32Array.from([2, 5]) }] as Array<Partial<NativeDecodeParams>>) {
    cases.push({
      label: `random end2end ${JSON.stringify(o)}`,
      data: e2e,
      params: { ...DECODE_DEFAULTS, format: HEAD.end2end, channelsFirst: false, rows: 700, cols: 6, ...o },
      batch: 1,
    });
  }
  return cases;
}

/** The CPU decode, item by item. */
export function cpuDecode(c: DecodeCase) {
  const item = c.params.rows * c.params.cols;
  return Array.from({ length: c.batch }, (_, b) => addon().decode(c.data.subarray(b * item, (b + 1) * item), c.params));
}

/**
 * Asserts that `got` (kernels, emulated or on a device) equals the CPU decode of the case, detection for detection
 * and in order, with no broken kernel invariant; and checks each detection's anchor independently: its row of the
 * raw output gives the detection's box and score. Returns the detections and the most chunks an item needed.
 */
export function expectSameDetections(c: DecodeCase, got: NativeDeviceDetections[], where = c.label): { detections: number; chunks: number } {
  const p = c.params;
  const value = (i: number) => (c.data instanceof Uint16Array ? halfToNumber(c.data[i]) : c.data[i]);
  const expected = cpuDecode(c);
  expect(got.length, where).toBe(c.batch);
  let detections = 0;
  let chunks = 0;
  for (let b = 0; b < c.batch; b++) {
    const e = expected[b];
    const g = got[b];
    const at = `${where} item ${b}`;
    expect(g.faults, `${at}: broken kernel invariants`).toBe(0);
    expect(g.scores.length, at).toBe(e.scores.length);
    expect(bytes(g.boxes).equals(bytes(e.boxes)), `${at} boxes`).toBe(true);
    expect(bytes(g.scores).equals(bytes(e.scores)), `${at} scores`).toBe(true);
    expect(bytes(g.classes).equals(bytes(e.classes)), `${at} classes`).toBe(true);
    const base = b * p.rows * p.cols;
    const cf = p.format === HEAD.yolov8 && p.channelsFirst;
    for (let i = 0; i < g.anchors.length; i++) {
      const a = g.anchors[i];
      const v = (k: number) => value(base + (cf ? k * p.cols + a : a * p.cols + k));
      if (p.format === HEAD.end2end) {
        expect([v(0), v(1), v(2), v(3), v(4)], at).toEqual([...g.boxes.subarray(4 * i, 4 * i + 4), g.scores[i]]);
        continue;
      }
      const hw = f32(v(2) / 2);
      const hh = f32(v(3) / 2);
      expect([f32(v(0) - hw), f32(v(1) - hh), f32(v(0) + hw), f32(v(1) + hh)], at).toEqual(Array.from(g.boxes.subarray(4 * i, 4 * i + 4)));
      expect(p.format === HEAD.yolov5 ? f32(v(5 + g.classes[i]) * v(4)) : v(4 + g.classes[i]), at).toBe(g.scores[i]);
    }
    detections += g.scores.length;
    chunks = Math.max(chunks, g.chunks);
  }
  return { detections, chunks };
}
