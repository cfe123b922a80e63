import { describe, expect, it } from 'vitest';

import { decode, letterbox, loadImage, readModelInfo, scaleBoxes, type Detections } from '../../lib/index.js';
import { fixture } from '../helpers/fixtures.js';
import { expectThrows } from '../helpers/expect-error.js';
import { runFixtureModel } from '../helpers/ort.js';
import { halfToNumber, rng } from '../helpers/random.js';
import { referenceDecode } from '../reference/yolo-reference.js';

const images = { bus: await loadImage(fixture('images/bus.jpg')), zidane: await loadImage(fixture('images/zidane.jpg')) };

/** What is in the pictures (fixture README and SOURCES.md). */
function summarize(d: Detections, names: string[], minScore: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < d.count; i++) if (d.scores[i] >= minScore) out[names[d.classes[i]]] = (out[names[d.classes[i]]] ?? 0) + 1;
  return out;
}

const models = [
  { file: 'yolov8n_int8.onnx', format: 'yolov8' as const, half: false, tie: true },
  { file: 'yolov10n_int8.onnx', format: 'end2end' as const, half: false, tie: false },
  { file: 'yolov5n_fp16.onnx', format: 'yolov5' as const, half: true, tie: true },
];

describe('decode on real model outputs', () => {
  for (const m of models) {
    it(`${m.file}: equals the reference decode and finds the people, the bus and the tie`, async () => {
      const info = await readModelInfo(fixture(`models/${m.file}`));
      const names = info.names!;
      for (const [name, image] of Object.entries(images)) {
        const lb = m.half ? letterbox(image, { dtype: 'float16' }) : letterbox(image);
        const out = await runFixtureModel(m.file, lb.data as Float32Array | Uint16Array, lb.shape);
        const [dets] = decode(out.data, out.dims, { names, end2end: info.end2end });

        const floats = out.data instanceof Uint16Array ? Array.from(out.data, halfToNumber) : out.data;
        const ref = referenceDecode(floats, out.dims[1], out.dims[2], { format: m.format, channelsFirst: m.format === 'yolov8', nc: 80 });
        expect(dets.count, `${m.file} ${name}`).toBe(ref.length);
        for (let i = 0; i < ref.length; i++) {
          expect(Array.from(dets.boxes.subarray(i * 4, i * 4 + 4))).toEqual(ref[i].box);
          expect(dets.scores[i]).toBe(Math.fround(ref[i].score));
          expect(dets.classes[i]).toBe(ref[i].cls);
        }

        const found = summarize(dets, names, 0.25);
        const source = scaleBoxes(dets, lb);
        const boxOf = (cls: string) => {
          const i = Array.from(source.classes).findIndex((c) => names[c] === cls);
          return i < 0 ? undefined : Array.from(source.boxes.subarray(i * 4, i * 4 + 4));
        };
        if (name === 'bus') {
          expect(found.person, `${m.file} people on bus.jpg`).toBeGreaterThanOrEqual(3);
          expect(found.bus, `${m.file} bus`).toBe(1);
          const [x1, y1, x2, y2] = boxOf('bus')!;
          expect(x2 - x1).toBeGreaterThan(0.7 * 810); // the bus spans the picture
          expect(y1).toBeGreaterThan(150);
          expect(y2).toBeLessThan(900);
        } else {
          expect(found.person, `${m.file} people on zidane.jpg`).toBeGreaterThanOrEqual(2);
          expect(found.tie ?? 0, `${m.file} tie`).toBe(m.tie ? 1 : 0);
          if (m.tie) {
            const [x1, , x2, y2] = boxOf('tie')!;
            expect((x1 + x2) / 2).toBeGreaterThan(400);
            expect((x1 + x2) / 2).toBeLessThan(600);
            expect(y2).toBeGreaterThan(600);
          }
        }
        for (const v of source.boxes) expect(v).toBeGreaterThanOrEqual(0);
      }
    });
  }
});

describe('decode options and layouts', () => {
  function synthetic(anchors: number, nc: number, seed: number) {
    const r = rng(seed);
    const rows = 4 + nc;
    const data = new Float32Array(rows * anchors);
    for (let a = 0; a < anchors; a++) {
      data[0 * anchors + a] = 20 + r() * 600;
      data[1 * anchors + a] = 20 + r() * 600;
      data[2 * anchors + a] = 4 + r() * 80;
      data[3 * anchors + a] = 4 + r() * 80;
      for (let c = 0; c < nc; c++) data[(4 + c) * anchors + a] = r() < 0.05 ? 0.3 + r() * 0.7 : r() * 0.2;
    }
    return { data, rows };
  }

  it('transposed [N, 4+nc] decodes to the same detections as [4+nc, N]', () => {
    const { data, rows } = synthetic(2000, 10, 3);
    const anchors = 2000;
    const t = new Float32Array(data.length);
    for (let c = 0; c < rows; c++) for (let a = 0; a < anchors; a++) t[a * rows + c] = data[c * anchors + a];
    const [a] = decode(data, [1, rows, anchors], { nc: 10 });
    const [b] = decode(t, [1, anchors, rows], { nc: 10 });
    expect(a.count).toBeGreaterThan(10);
    expect(b).toEqual(a);
  });

  it('batches decode item by item', () => {
    const one = synthetic(500, 3, 5);
    const two = synthetic(500, 3, 6);
    const both = new Float32Array([...one.data, ...two.data]);
    const [x, y] = decode(both, [2, 7, 500], { nc: 3 });
    expect(x).toEqual(decode(one.data, [1, 7, 500], { nc: 3 })[0]);
    expect(y).toEqual(decode(two.data, [7, 500], { nc: 3 })[0]);
  });

  it('honours conf, classes, maxDet, agnostic and multiLabel', () => {
    const { data } = synthetic(3000, 6, 9);
    const [base] = decode(data, [1, 10, 3000], { nc: 6 });
    const [strict] = decode(data, [1, 10, 3000], { nc: 6, conf: 0.8 });
    expect(strict.count).toBeLessThan(base.count);
    expect(Array.from(strict.scores).every((s) => s > 0.8)).toBe(true);
    const [only] = decode(data, [1, 10, 3000], { nc: 6, classes: [2, 4] });
    expect(only.count).toBeGreaterThan(0);
    expect(Array.from(only.classes).every((c) => c === 2 || c === 4)).toBe(true);
    const [capped] = decode(data, [1, 10, 3000], { nc: 6, maxDet: 5 });
    expect(capped.count).toBe(5);
    expect(Array.from(capped.scores)).toEqual(Array.from(base.scores.subarray(0, 5)));
    const [agnostic] = decode(data, [1, 10, 3000], { nc: 6, agnostic: true });
    expect(agnostic.count).toBeLessThanOrEqual(base.count);
    const [multi] = decode(data, [1, 10, 3000], { nc: 6, multiLabel: true });
    expect(multi.count).toBeGreaterThanOrEqual(base.count);
    for (let i = 1; i < multi.count; i++) expect(multi.scores[i]).toBeLessThanOrEqual(multi.scores[i - 1]);
  });

  it('end-to-end heads: conf, then the first maxDet rows, then the class filter, as Ultralytics orders them', () => {
    // x1 y1 x2 y2 score class; row 1 is under conf.
    const rows = [
      [0, 0, 10, 10, 0.9, 1],
      [0, 0, 10, 10, 0.1, 2],
      [5, 5, 20, 20, 0.8, 2],
      [7, 7, 30, 30, 0.7, 2],
    ];
    const data = Float32Array.from(rows.flat());
    const [all] = decode(data, [1, 4, 6], { format: 'end2end' });
    expect(Array.from(all.classes)).toEqual([1, 2, 2]);
    // `pred[pred[:, 4] > conf][:max_det]` keeps rows 0 and 2; the class filter then leaves row 2 alone.
    const [capped] = decode(data, [1, 4, 6], { format: 'end2end', maxDet: 2, classes: [2] });
    expect(Array.from(capped.scores)).toEqual([Math.fround(0.8)]);
    expect(Array.from(capped.boxes)).toEqual([5, 5, 20, 20]);
  });

  it('reads float16 outputs like the same values in float32', async () => {
    const lb = letterbox(images.zidane, { dtype: 'float16' });
    const out = await runFixtureModel('yolov5n_fp16.onnx', lb.data, lb.shape);
    const asF32 = Float32Array.from(out.data as Uint16Array, halfToNumber);
    const [h] = decode(out.data, out.dims, { nc: 80 });
    const [f] = decode(asF32, out.dims, { nc: 80 });
    expect(h).toEqual(f);
  });

  it('empty and all-below-threshold outputs give empty results', () => {
    expect(decode(new Float32Array(0), [1, 84, 0], { nc: 80 })[0].count).toBe(0);
    expect(decode(new Float32Array(0), [0, 84, 8400])).toEqual([]);
    const [none] = decode(new Float32Array(84 * 100), [1, 84, 100], { nc: 80 });
    expect(none.count).toBe(0);
  });

  it('NaN scores never crash and never come out', () => {
    const { data } = synthetic(1000, 4, 11);
    for (let i = 4 * 1000; i < data.length; i += 7) data[i] = Number.NaN;
    const [d] = decode(data, [1, 8, 1000], { nc: 4 });
    expect(Array.from(d.scores).every((s) => Number.isFinite(s))).toBe(true);
  });

  it('rejects shapes of no known head and bad options with ERR_BAD_INPUT', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => decode(new Float32Array(12), [1, 3, 4]), /matches no known YOLO head/],
      [() => decode(new Float32Array(84 * 10), [1, 84, 10], { nc: 7 }), /matches no known YOLO head/],
      [() => decode(new Float32Array(10), [1, 84, 8400]), /decode: output must be 705600 values/],
      [() => decode(new Float32Array(84), [84]), /decode: shape must be \[batch, rows, cols\]/],
      [() => decode(new Float32Array(84), [1, 84, 1], { conf: -0.1 }), /decode: options.conf must be a finite number in \[0, 1\]/],
      [() => decode(new Float32Array(84), [1, 84, 1], { iou: Number.NaN }), /decode: options.iou/],
      [() => decode(new Float64Array(84) as never, [1, 84, 1]), /decode: output must be a Float32Array/],
      [() => decode(new Float32Array(84), [1, 84, 1], { format: 'yolox' as never }), /options.format must be one of/],
      [() => decode(new Float32Array(5 * 10), [1, 10, 5], { format: 'end2end' }), /at least 6 values/],
    ];
    expectThrows(cases);
  });
});
