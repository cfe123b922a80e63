/**
 * The CUDA decode + NMS kernels' code, run on the CPU by its host emulation (the same candidate, radix-select,
 * bitonic-sort and tiled-NMS functions the kernels run, block by block, thread by thread), against the CPU decode:
 * the same detections in the same order, on real model outputs and on random ones built to stress ties, NaN,
 * long candidate lists and every option. test/gpu/cuda-ops.test.ts runs the same comparisons on a device.
 */
import { describe, expect, it } from 'vitest';

import { letterbox, loadImage } from '../../lib/index.js';
import { addon, type NativeDecodeParams, type NativeDeviceDetections } from '../../lib/native/binding.js';
import { fixture } from '../helpers/fixtures.js';
import { runFixtureModel } from '../helpers/ort.js';
import { halfToNumber, rng } from '../helpers/random.js';

const f32 = Math.fround;
const DEFAULTS: NativeDecodeParams = {
  format: 1, channelsFirst: true, rows: 84, cols: 8400, nc: 80,
  conf: 0.25, iou: 0.7, maxDet: 300, maxNms: 30000, agnostic: false, multiLabel: false, classes: null,
};
type Data = Float32Array | Uint16Array;
const bytes = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** The CPU decode, item by item. */
function cpu(data: Data, p: NativeDecodeParams, batch = 1) {
  const item = p.rows * p.cols;
  return Array.from({ length: batch }, (_, b) => addon().decode(data.subarray(b * item, (b + 1) * item), p));
}

/**
 * Compares the emulated kernels with the CPU decode (with a shuffled candidate order too, as the device's atomic
 * appends may order them), and checks each detection's anchor independently: its row of the raw output gives the
 * detection's box and score.
 */
let maxChunks = 0;

function check(data: Data, p: NativeDecodeParams, label: string, batch = 1): number {
  const value = (i: number) => (data instanceof Uint16Array ? halfToNumber(data[i]) : data[i]);
  const expected = cpu(data, p, batch);
  let total = 0;
  for (const seed of [0, 12345]) {
    const got: NativeDeviceDetections[] = addon().decodeEmulated!(data, { ...p, batch }, seed);
    expect(got.length).toBe(batch);
    for (let b = 0; b < batch; b++) {
      const e = expected[b];
      const g = got[b];
      const where = `${label} item ${b} seed ${seed}`;
      expect(g.faults, `${where}: broken kernel invariants`).toBe(0);
      maxChunks = Math.max(maxChunks, g.chunks);
      expect(g.scores.length, where).toBe(e.scores.length);
      expect(bytes(g.boxes).equals(bytes(e.boxes)), `${where} boxes`).toBe(true);
      expect(bytes(g.scores).equals(bytes(e.scores)), `${where} scores`).toBe(true);
      expect(bytes(g.classes).equals(bytes(e.classes)), `${where} classes`).toBe(true);
      const base = b * p.rows * p.cols;
      for (let i = 0; i < g.anchors.length; i++) {
        const a = g.anchors[i];
        const cf = p.format === 1 && p.channelsFirst;
        const at = (k: number) => value(base + (cf ? k * p.cols + a : a * p.cols + k));
        if (p.format === 2) {
          expect([at(0), at(1), at(2), at(3), at(4)], where).toEqual([...g.boxes.subarray(4 * i, 4 * i + 4), g.scores[i]]);
          continue;
        }
        const hw = f32(at(2) / 2);
        const hh = f32(at(3) / 2);
        expect([f32(at(0) - hw), f32(at(1) - hh), f32(at(0) + hw), f32(at(1) + hh)], where).toEqual(Array.from(g.boxes.subarray(4 * i, 4 * i + 4)));
        const score = p.format === 0 ? f32(at(5 + g.classes[i]) * at(4)) : at(4 + g.classes[i]);
        expect(score, where).toBe(g.scores[i]);
      }
      total += g.scores.length;
    }
  }
  return total / 2;
}

const compiled = typeof addon().decodeEmulated === 'function';
if (!compiled) console.log('[unit] skipped the CUDA decode kernel code: this addon was built without the CUDA layer (no nvcc)');

describe.skipIf(!compiled)('CUDA decode + NMS kernel code (host emulation) against the CPU decode', () => {
  const images = ['bus.jpg', 'zidane.jpg'];
  const nmsOptions: Array<Partial<NativeDecodeParams>> = [
    {},
    { conf: 0.001 }, // validation settings: hundreds of candidates
    { conf: 0.001, multiLabel: true, maxDet: 1000 },
    { conf: 0.05, agnostic: true },
    { conf: 0.05, classes: Int32Array.from([0, 5, 27]) },
    { conf: 0.001, maxNms: 50 },
    { maxDet: 3 },
    { conf: 0.01, iou: 0.45 },
  ];

  it('yolov8n [1, 84, 8400] float32 outputs, as exported and transposed, every option', async () => {
    let found = 0;
    for (const name of images) {
      const lb = letterbox(await loadImage(fixture(`images/${name}`)));
      const out = await runFixtureModel('yolov8n_int8.onnx', lb.data, lb.shape);
      expect(out.dims).toEqual([1, 84, 8400]);
      const data = out.data as Float32Array;
      const t = new Float32Array(data.length);
      for (let c = 0; c < 84; c++) for (let a = 0; a < 8400; a++) t[a * 84 + c] = data[c * 8400 + a];
      for (const o of nmsOptions) {
        found += check(data, { ...DEFAULTS, ...o }, `${name} ${JSON.stringify(o)}`);
        found += check(t, { ...DEFAULTS, ...o, channelsFirst: false, rows: 8400, cols: 84 }, `${name} transposed ${JSON.stringify(o)}`);
      }
    }
    expect(found).toBeGreaterThan(1000);
  });

  it('yolov5n [1, 25200, 85] float16 outputs with objectness, every option', async () => {
    let found = 0;
    for (const name of images) {
      const lb = letterbox(await loadImage(fixture(`images/${name}`)), { dtype: 'float16' });
      const out = await runFixtureModel('yolov5n_fp16.onnx', lb.data, lb.shape);
      expect(out.dims).toEqual([1, 25200, 85]);
      expect(out.data).toBeInstanceOf(Uint16Array);
      for (const o of nmsOptions) found += check(out.data, { ...DEFAULTS, format: 0, channelsFirst: false, rows: 25200, cols: 85, ...o }, `${name} ${JSON.stringify(o)}`);
    }
    expect(found).toBeGreaterThan(1000);
  });

  it('end-to-end [1, 300, 6] outputs (YOLOv10, YOLO26): conf, maxDet, then the class filter', async () => {
    let found = 0;
    for (const model of ['yolov10n_int8.onnx', 'yolo26n_int8.onnx']) {
      for (const name of images) {
        const lb = letterbox(await loadImage(fixture(`images/${name}`)));
        const out = await runFixtureModel(model, lb.data, lb.shape);
        expect(out.dims).toEqual([1, 300, 6]);
        for (const o of [{}, { conf: 0.01 }, { conf: 0.001, maxDet: 10, classes: Int32Array.from([0]) }, { conf: 0.001, classes: Int32Array.from([0, 27]) }]) {
          found += check(out.data, { ...DEFAULTS, format: 2, channelsFirst: false, rows: 300, cols: 6, nc: 80, ...o }, `${model} ${name} ${JSON.stringify(o)}`);
        }
      }
    }
    expect(found).toBeGreaterThan(20);
  });

  /** A random YOLOv8-style output: clustered boxes, scores on a 1/64 grid (many exact ties), optional NaN. */
  function randomHead(seed: number, anchors: number, nc: number, opts: { format: 0 | 1; channelsFirst: boolean; nan?: boolean; high?: number }) {
    const r = rng(seed);
    const first = opts.format === 0 ? 5 : 4;
    const channels = first + nc;
    const data = new Float32Array(anchors * channels);
    const set = (a: number, c: number, v: number) => {
      data[opts.channelsFirst ? c * anchors + a : a * channels + c] = v;
    };
    for (let a = 0; a < anchors; a++) {
      // Boxes gather around a few centres so that NMS has real work.
      const cx = 64 * Math.floor(r() * 10) + r() * 40;
      const cy = 64 * Math.floor(r() * 10) + r() * 40;
      set(a, 0, cx);
      set(a, 1, cy);
      set(a, 2, 8 + r() * 120);
      set(a, 3, 8 + r() * 120);
      if (opts.format === 0) set(a, 4, Math.floor(r() * 64) / 64);
      for (let c = 0; c < nc; c++) set(a, first + c, r() < (opts.high ?? 0.05) ? Math.floor(16 + r() * 48) / 64 : Math.floor(r() * 12) / 64);
      if (opts.nan && r() < 0.01) set(a, first + Math.floor(r() * nc), Number.NaN);
    }
    return data;
  }

  it('random anchor-free outputs: ties, NaN, batches, long candidate lists (radix select, several chunks), every option', () => {
    let found = 0;
    maxChunks = 0;
    const anchors = 6000;
    const nc = 12;
    for (const channelsFirst of [true, false]) {
      const a = randomHead(1 + Number(channelsFirst), anchors, nc, { format: 1, channelsFirst, nan: true });
      const b = randomHead(7 + Number(channelsFirst), anchors, nc, { format: 1, channelsFirst, high: 0.3 });
      const both = new Float32Array([...a, ...b]);
      const shape = channelsFirst ? { rows: 4 + nc, cols: anchors } : { rows: anchors, cols: 4 + nc };
      const base = { ...DEFAULTS, ...shape, channelsFirst, nc };
      for (const o of [
        {},
        { conf: 0.01, maxDet: 5000 }, // thousands of candidates: several 2048-key chunks
        { conf: 0.01, maxDet: 5000, multiLabel: true, maxNms: 9000 },
        { conf: 0.01, maxNms: 3000, agnostic: true },
        { conf: 0.1, classes: Int32Array.from([1, 3, 11]), iou: 0.3 },
        { conf: 0.01, maxDet: 1 },
      ] as Array<Partial<NativeDecodeParams>>) {
        found += check(both, { ...base, ...o }, `channelsFirst=${channelsFirst} ${JSON.stringify(o)}`, 2);
      }
    }
    expect(found).toBeGreaterThan(5000);
    // Thousands of candidates went through the radix select in several 2048-key chunks.
    expect(maxChunks).toBeGreaterThanOrEqual(3);
  });

  it('random YOLOv5 outputs in float32 and float16, single- and multi-label', () => {
    let found = 0;
    const anchors = 5000;
    const nc = 6;
    const data = randomHead(99, anchors, nc, { format: 0, channelsFirst: false, nan: true, high: 0.2 });
    // float16 bits of the same values (all on a 1/64 grid or small integers plus fractions: exact in half).
    const half = new Uint16Array(data.length);
    const view = new DataView(new ArrayBuffer(4));
    for (let i = 0; i < data.length; i++) {
      view.setFloat32(0, data[i]);
      const x = view.getUint32(0);
      if (Number.isNaN(data[i])) half[i] = 0x7e00;
      else {
        // Round-to-nearest-even float32 -> float16 for normal values in range (all of these are).
        const e = ((x >>> 23) & 0xff) - 127 + 15;
        const m = x & 0x7fffff;
        let h = ((x >>> 16) & 0x8000) | (e > 0 ? (e << 10) | (m >>> 13) : 0);
        const rem = m & 0x1fff;
        if (e > 0 && (rem > 0x1000 || (rem === 0x1000 && (h & 1)))) h++;
        half[i] = data[i] === 0 ? 0 : h;
      }
    }
    const base = { ...DEFAULTS, format: 0, channelsFirst: false, rows: anchors, cols: 5 + nc, nc };
    for (const d of [data, half]) {
      for (const o of [{}, { conf: 0.01, maxDet: 4000 }, { conf: 0.01, multiLabel: true, maxDet: 4000 }, { conf: 0.02, agnostic: true, classes: Int32Array.from([0, 2]) }] as Array<Partial<NativeDecodeParams>>) {
        found += check(d, { ...base, ...o }, `${d.constructor.name} ${JSON.stringify(o)}`);
      }
    }
    expect(found).toBeGreaterThan(2000);
  });

  it('random end-to-end outputs with NaN and out-of-range class values', () => {
    const r = rng(5);
    const rows = 700;
    const data = new Float32Array(rows * 6).map((_, i) => {
      const c = i % 6;
      if (c === 4) return r() < 0.02 ? Number.NaN : Math.floor(r() * 64) / 64;
      if (c === 5) return r() < 0.02 ? 3e9 : Math.floor(r() * 8);
      return r() * 640;
    });
    const base = { ...DEFAULTS, format: 2, channelsFirst: false, rows, cols: 6 };
    let found = 0;
    for (const o of [{}, { conf: 0.01, maxDet: 1000 }, { conf: 0.1, maxDet: 40, classes: Int32Array.from([2, 5]) }] as Array<Partial<NativeDecodeParams>>) {
      found += check(data, { ...base, ...o }, JSON.stringify(o), 1);
    }
    expect(found).toBeGreaterThan(300);
  });

  it('shapes with too few channels and empty outputs decode to nothing, as on the CPU', () => {
    expect(addon().decodeEmulated!(new Float32Array(0), { ...DEFAULTS, cols: 0 })[0].scores.length).toBe(0);
    const none = addon().decodeEmulated!(new Float32Array(84 * 100), { ...DEFAULTS, cols: 100 });
    expect(none[0].scores.length).toBe(0);
    expect(none[0].candidates).toBe(0);
    expect(() => addon().decodeEmulated!(new Float32Array(10), DEFAULTS)).toThrow(expect.objectContaining({ code: 'ERR_BAD_INPUT' }));
  });
});
